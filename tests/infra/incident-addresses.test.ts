import { describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { lambdaFunctions } from '../../functions/catalogue.ts';
import { ENV } from '../../functions/platform/config.ts';
import { buildApp } from '../../infra/app-builder.ts';
import { SKIP_BUNDLING } from './template-helpers.ts';

/** Where breaches and incidents are reported is configuration: CDK context to the functions that send email. */
function variablesOf(context: Record<string, unknown>) {
  const built = buildApp({ ...SKIP_BUNDLING, ...context }, { account: null });
  const functions = Template.fromStack(built.stateless).findResources('AWS::Lambda::Function');
  const byDescription = (description: string) =>
    Object.values(functions).find((f) => f.Properties.Description === description)!.Properties.Environment.Variables as Record<string, unknown>;
  return { incidents: byDescription(lambdaFunctions.incidentsApi.description), getRequest: byDescription(lambdaFunctions.getRequest.description) };
}

describe("the DPO's and the Operational Security Team's addresses", () => {
  it('are set from offshore:dpoEmail and offshore:operationalSecurityEmail on functions that send email, and on no other', () => {
    const { incidents, getRequest } = variablesOf({
      'offshore:dpoEmail': 'dpo@justice.gov.uk',
      'offshore:operationalSecurityEmail': 'ost@justice.gov.uk',
    });
    expect([incidents[ENV.dpoEmail], incidents[ENV.operationalSecurityEmail]]).toEqual(['dpo@justice.gov.uk', 'ost@justice.gov.uk']);
    expect([getRequest[ENV.dpoEmail], getRequest[ENV.operationalSecurityEmail]]).toEqual([undefined, undefined]);
  });

  it("are left unset without context, so the functions use the policy's addresses", () => {
    const { incidents } = variablesOf({});
    expect([incidents[ENV.dpoEmail], incidents[ENV.operationalSecurityEmail]]).toEqual([undefined, undefined]);
  });

  it('refuses a value that is not an email address', () => {
    expect(() => variablesOf({ 'offshore:dpoEmail': 'the DPO' })).toThrow(/offshore:dpoEmail is not an email address/);
  });
});
