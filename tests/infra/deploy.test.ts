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
