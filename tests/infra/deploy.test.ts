import { beforeAll, describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { lambdaFunctions, stateMachineFunctions, type FunctionSpec } from '../../functions/catalogue.ts';
import { ENV } from '../../functions/shared/config.ts';
import { buildApp, type BuiltApp } from '../../infra/app-builder.ts';
import {
  ACCOUNT,
  actionsOf,
  dependencyCycle,
  deploymentContext,
  ENTRA_V1_ISSUER,
  logicalIdOf,
  resourcesOf,
  roleStatements,
  SKIP_BUNDLING,
  written,
  type Statement,
} from './template-helpers.ts';

/**
 * The app as `cdk deploy` synthesizes it: for an account, with a department's real settings.
 * Bundling is skipped (tests/infra/app.test.ts bundles every entry); the templates are otherwise
 * the ones CloudFormation would get.
 */

let built: BuiltApp;
let stateless: Template;

beforeAll(() => {
  built = buildApp({ ...SKIP_BUNDLING, ...deploymentContext() }, { account: ACCOUNT });
  built.app.synth(); // under vitest, throws on any unacknowledged cdk-nag error
  stateless = Template.fromStack(built.stateless);
});

const entries = Object.entries(lambdaFunctions) as [string, FunctionSpec][];
const STATE_MACHINE_NAME = 'OffshoreApprovalsStateless-approval-round';
const STATE_MACHINE_ARN = `arn:aws:states:eu-west-2:${ACCOUNT}:stateMachine:${STATE_MACHINE_NAME}`;

function statementsOf(key: string): Statement[] {
  return roleStatements(stateless, logicalIdOf(built.stateless.functions[key]!.role));
}

describe('the state machine and its encryption key', () => {
  const logsKeyArn = () => `\${${logicalIdOf(built.stateless.workflow.key)}.Arn}`;
  const onStateMachineKey = (statements: Statement[]) => statements.filter((st) => written(st.Resource) === logsKeyArn());
  const keyStatementForThisMachine = {
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Condition: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': STATE_MACHINE_ARN } },
  };
  const normalised = (st: Statement) => ({
    Effect: st.Effect,
    Action: st.Action,
    Condition: JSON.parse(JSON.stringify(st.Condition ?? {}, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => k.startsWith('Fn::') || k === 'Ref') ? written(v) : v))),
  });

  it('is named per stack, so the key condition and every grant can name its ARN', () => {
    const machine = resourcesOf(stateless)[logicalIdOf(built.stateless.workflow.stateMachine)]!;
    expect(machine.Properties.StateMachineName).toBe(STATE_MACHINE_NAME);
    expect(machine.Properties.EncryptionConfiguration).toEqual({
      Type: 'CUSTOMER_MANAGED_KMS_KEY',
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(built.stateless.workflow.key), 'Arn'] },
      KmsDataKeyReusePeriodSeconds: 300,
    });
  });

  it("lets the execution role use the key for this state machine's data, the condition naming it", () => {
    const role = roleStatements(stateless, logicalIdOf(built.stateless.workflow.stateMachine.role));
    const onKey = onStateMachineKey(role).map(normalised);
    expect(onKey).toContainEqual(keyStatementForThisMachine);
    // The vended-log delivery statement is the only other use of the key.
    expect(onKey.filter((st) => JSON.stringify(st) !== JSON.stringify(keyStatementForThisMachine))).toEqual([
      { Effect: 'Allow', Action: 'kms:GenerateDataKey', Condition: { StringEquals: { 'kms:EncryptionContext:SourceArn': `arn:aws:logs:eu-west-2:${ACCOUNT}:*` } } },
    ]);
  });

  it.each(entries)('%s: has the key exactly when a call of its writes execution data (start, task result, stop)', (key, spec) => {
    const writesExecutionData = Boolean(spec.needs.startExecution || spec.needs.sendTaskResult || spec.needs.stopExecution);
    expect(onStateMachineKey(statementsOf(key)).map(normalised)).toEqual(writesExecutionData ? [keyStatementForThisMachine] : []);
  });

  it.each(entries.filter(([, spec]) => spec.needs.startExecution || spec.needs.sendTaskResult || spec.needs.stopExecution || spec.needs.inspectExecutions))(
    '%s: names the state machine by its ARN, never by a reference to the resource',
    (key) => {
      const machineId = logicalIdOf(built.stateless.workflow.stateMachine);
      const states = statementsOf(key).filter((st) => actionsOf(st).some((a) => a.startsWith('states:')));
      expect(states.length).toBeGreaterThan(0);
      for (const st of states) {
        expect([STATE_MACHINE_ARN, `arn:aws:states:eu-west-2:${ACCOUNT}:execution:${STATE_MACHINE_NAME}:*`]).toContain(written(st.Resource));
      }
      const fn = resourcesOf(stateless)[logicalIdOf(built.stateless.functions[key]!.function)]!;
      expect(written(fn.Properties.Environment.Variables[ENV.stateMachineArn])).toBe(STATE_MACHINE_ARN);
      expect(JSON.stringify(fn)).not.toContain(`"${machineId}"`);
    },
  );

  it('lets the function the state machine invokes send its own task result, with no dependency cycle', () => {
    expect(Object.values(stateMachineFunctions)).toContain('notifyApprover');
    expect(statementsOf('notifyApprover').flatMap(actionsOf)).toEqual(
      expect.arrayContaining(['states:SendTaskSuccess', 'states:SendTaskFailure', 'kms:GenerateDataKey']),
    );
    expect(dependencyCycle(stateless)).toBeUndefined();
  });
});

describe('the identity provider', () => {
  it('keeps the issuer exactly as configured, trailing slash and all (API Gateway compares iss exactly)', () => {
    const authorizer = Object.values(stateless.findResources('AWS::ApiGatewayV2::Authorizer')).find((a) => a.Properties.AuthorizerType === 'JWT');
    expect(authorizer?.Properties.JwtConfiguration).toEqual({ Issuer: ENTRA_V1_ISSUER, Audience: ['api://offshore-approvals'] });
    expect(ENTRA_V1_ISSUER.endsWith('/')).toBe(true);
  });

  it('still drops the trailing slash of the public base URL, which paths are appended to', () => {
    const fn = resourcesOf(stateless)[logicalIdOf(built.stateless.functions.intake!.function)]!;
    expect(fn.Properties.Environment.Variables[ENV.publicBaseUrl]).toBe('https://service.justice.gov.uk/offshoring');
  });
});

describe('the sender: a domain identity with Easy DKIM and a custom MAIL FROM', () => {
  const stateful = () => Template.fromStack(built.stateful);

  it('verifies the domain with Easy DKIM (2048-bit) and bounces through bounce.<domain>, under a pinned logical id', () => {
    expect(Object.keys(stateful().findResources('AWS::SES::EmailIdentity'))).toEqual(['SenderDomainIdentity']);
    stateful().hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'offshoring.justice.gov.uk',
      DkimAttributes: { SigningEnabled: true },
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      MailFromAttributes: { MailFromDomain: 'bounce.offshoring.justice.gov.uk', BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' },
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: 'SenderConfigurationSet' } },
    });
    expect(resourcesOf(stateful()).SenderDomainIdentity).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('outputs the DNS records to publish: three DKIM CNAMEs, the MAIL FROM MX and its SPF record', () => {
    const outputs = stateful().toJSON().Outputs as Record<string, { Value: unknown; Export?: unknown }>;
    const value = (name: string) => written(outputs[name]?.Value);
    for (const n of [1, 2, 3]) {
      expect(value(`SenderDkimRecord${n}`)).toBe(`\${SenderDomainIdentity.DkimDNSTokenName${n}} CNAME \${SenderDomainIdentity.DkimDNSTokenValue${n}}`);
    }
    expect(value('SenderMailFromMxRecord')).toBe('bounce.offshoring.justice.gov.uk MX 10 feedback-smtp.eu-west-2.amazonses.com');
    expect(value('SenderMailFromSpfRecord')).toBe('bounce.offshoring.justice.gov.uk TXT "v=spf1 include:amazonses.com ~all"');
  });

  it('lets the sending functions send from the identities and configuration set named in plain text', () => {
    for (const [key, spec] of entries) {
      const ses = statementsOf(key).filter((st) => actionsOf(st).includes('ses:SendEmail'));
      if (!spec.needs.sendEmail) {
        expect(ses).toEqual([]);
        continue;
      }
      expect(ses).toHaveLength(1);
      expect(actionsOf(ses[0]!)).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      expect((ses[0]!.Resource as unknown[]).map(written)).toEqual([
        `arn:aws:ses:eu-west-2:${ACCOUNT}:identity/offshore-approvals@offshoring.justice.gov.uk`,
        `arn:aws:ses:eu-west-2:${ACCOUNT}:identity/offshoring.justice.gov.uk`,
        `arn:aws:ses:eu-west-2:${ACCOUNT}:configuration-set/OffshoreApprovalsStateful-sender`,
      ]);
    }
  });

  it('imports nothing about the sender into the stateless stack, and exports nothing about it', () => {
    const imports = [...JSON.stringify(stateless.toJSON()).matchAll(/"Fn::ImportValue":"([^"]+)"/g)].map((m) => m[1]!);
    expect(imports.length).toBeGreaterThan(0);
    for (const name of imports) expect(name).toMatch(/ApprovalsTable|ApprovalsDataKey/);
    const exported = Object.values(stateful().toJSON().Outputs as Record<string, { Value: unknown; Export?: unknown }>).filter((o) => o.Export);
    expect(JSON.stringify(exported)).not.toMatch(/Sender|Identity|ConfigurationSet/);
  });

  it('can change the sender without changing any export the stateless stack holds on to', () => {
    const exportsWith = (sender: Record<string, string>) => {
      const app = buildApp({ ...SKIP_BUNDLING, ...deploymentContext(), ...sender }, { account: ACCOUNT });
      app.app.synth();
      return Template.fromStack(app.stateful).toJSON().Outputs;
    };
    const exported = (outputs: Record<string, { Export?: unknown; Value: unknown }>) =>
      Object.fromEntries(Object.entries(outputs).filter(([, o]) => o.Export));
    const before = exportsWith({});
    const after = exportsWith({ 'offshore:emailDomain': 'justice.gov.uk', 'offshore:emailFrom': 'offshoring@justice.gov.uk', 'offshore:mailFromDomain': 'mail.justice.gov.uk' });
    expect(Object.keys(exported(before)).length).toBeGreaterThan(0);
    expect(exported(after)).toEqual(exported(before));
    expect(JSON.stringify(after)).toContain('mail.justice.gov.uk MX 10');
  });
});
