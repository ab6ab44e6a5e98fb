import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { lambdaFunctions, stateMachineFunctions, type FunctionSpec } from '../../functions/catalogue.ts';
import { ENV } from '../../functions/platform/config.ts';
import { keys } from '../../functions/store/keys.ts';
import { REQUEST_STATUSES } from '../../functions/domain/lifecycle.ts';
import { buildApp, STACK_NAMES, type BuiltApp } from '../../infra/app-builder.ts';
import { approvalRoundName } from '../../infra/constructs/approval-workflow.ts';
import { fromRepoRoot } from '../../infra/paths.ts';
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
    Condition: JSON.parse(
      JSON.stringify(st.Condition ?? {}, (_k, v: unknown) =>
        v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => k.startsWith('Fn::') || k === 'Ref') ? written(v) : v,
      ),
    ),
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
      {
        Effect: 'Allow',
        Action: 'kms:GenerateDataKey',
        Condition: { StringEquals: { 'kms:EncryptionContext:SourceArn': `arn:aws:logs:eu-west-2:${ACCOUNT}:*` } },
      },
    ]);
  });

  it.each(entries)('%s: has the key exactly when a call of its writes execution data (start, task result, stop)', (key, spec) => {
    const writesExecutionData = Boolean(spec.needs.startExecution || spec.needs.sendTaskResult || spec.needs.stopExecution);
    expect(onStateMachineKey(statementsOf(key)).map(normalised)).toEqual(writesExecutionData ? [keyStatementForThisMachine] : []);
  });

  it.each(
    entries.filter(([, spec]) => spec.needs.startExecution || spec.needs.sendTaskResult || spec.needs.stopExecution || spec.needs.inspectExecutions),
  )('%s: names the state machine by its ARN, never by a reference to the resource', (key) => {
    const machineId = logicalIdOf(built.stateless.workflow.stateMachine);
    const states = statementsOf(key).filter((st) => actionsOf(st).some((a) => a.startsWith('states:')));
    expect(states.length).toBeGreaterThan(0);
    for (const st of states) {
      expect([STATE_MACHINE_ARN, `arn:aws:states:eu-west-2:${ACCOUNT}:execution:${STATE_MACHINE_NAME}:*`]).toContain(written(st.Resource));
    }
    const fn = resourcesOf(stateless)[logicalIdOf(built.stateless.functions[key]!.function)]!;
    expect(written(fn.Properties.Environment.Variables[ENV.stateMachineArn])).toBe(STATE_MACHINE_ARN);
    expect(JSON.stringify(fn)).not.toContain(`"${machineId}"`);
  });

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
      expect(value(`SenderDkimRecord${n}`)).toBe(
        `\${SenderDomainIdentity.DkimDNSTokenName${n}} CNAME \${SenderDomainIdentity.DkimDNSTokenValue${n}}`,
      );
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
    // The table and its key, and the pages' secrets and theirs: nothing about the sender.
    for (const name of imports) expect(name).toMatch(/ApprovalsTable|ApprovalsDataKey|SessionKeySecret|OidcClientSecret|WebSecretsKey/);
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
    const after = exportsWith({
      'offshore:emailDomain': 'justice.gov.uk',
      'offshore:emailFrom': 'offshoring@justice.gov.uk',
      'offshore:mailFromDomain': 'mail.justice.gov.uk',
    });
    expect(Object.keys(exported(before)).length).toBeGreaterThan(0);
    expect(exported(after)).toEqual(exported(before));
    expect(JSON.stringify(after)).toContain('mail.justice.gov.uk MX 10');
  });
});

describe('failed invocations: one direction, both queues watched', () => {
  const failed = () => built.stateless.failedInvocations;
  const queueResource = (queue: { node: { defaultChild?: unknown } }) => resourcesOf(stateless)[logicalIdOf(queue as never)]!;

  it('lets CloudFormation create the parked queue first: it names no queue, and the queue names it by reference', () => {
    expect(queueResource(failed().parked).Properties.RedrivePolicy).toBeUndefined();
    expect(JSON.stringify(queueResource(failed().parked))).not.toContain('failed-invocations"');
    expect(queueResource(failed().queue).Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(failed().parked), 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(dependencyCycle(stateless)).toBeUndefined();
  });

  it('alarms on the depth of both queues, and before SQS deletes a waiting message', () => {
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, any> }[];
    const on = (queue: { node: { defaultChild?: unknown } }, metric: string) =>
      alarms.filter(
        (a) => a.Properties.MetricName === metric && JSON.stringify(a.Properties.Dimensions).includes(`"${logicalIdOf(queue as never)}"`),
      );
    for (const queue of [failed().queue, failed().parked]) {
      expect(on(queue, 'ApproximateNumberOfMessagesVisible')).toEqual([
        expect.objectContaining({ Properties: expect.objectContaining({ Threshold: 1, Statistic: 'Maximum' }) }),
      ]);
      // Retention is 14 days: warn at 7.
      expect(on(queue, 'ApproximateAgeOfOldestMessage')).toEqual([
        expect.objectContaining({ Properties: expect.objectContaining({ Threshold: 7 * 24 * 3600 }) }),
      ]);
    }
    for (const alarm of alarms.filter((a) => a.Properties.Namespace === 'AWS/SQS')) {
      expect(alarm.Properties.AlarmDescription).toContain('runbook: infra/README.md');
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('has the runbook the alarms point to: inspect, replay, and move parked messages back with StartMessageMoveTask', () => {
    const readme = readFileSync(fromRepoRoot('infra/README.md'), 'utf8');
    const runbook = readme.slice(readme.indexOf('## Runbook: failed invocations'));
    expect(runbook.length).toBeGreaterThan(200);
    for (const step of ['aws sqs receive-message', 'aws sqs start-message-move-task', 'aws sqs list-message-move-tasks', 'aws sqs delete-message']) {
      expect(runbook).toContain(step);
    }
  });
});

describe('dead-letter queues only where invocations are asynchronous', () => {
  const queueArn = () => ({ 'Fn::GetAtt': [logicalIdOf(built.stateless.failedInvocations.queue), 'Arn'] });

  it.each(entries)('%s: a dead-letter target (and the grants to use it) only if a schedule invokes it', (key, spec) => {
    const fn = resourcesOf(stateless)[logicalIdOf(built.stateless.functions[key]!.function)]!;
    const sqs = statementsOf(key).filter((st) => actionsOf(st).some((a) => a.startsWith('sqs:')));
    const queueKey = statementsOf(key).filter((st) => written(st.Resource) === `\${${logicalIdOf(built.stateless.failedInvocations.key)}.Arn}`);
    if (spec.schedule) {
      expect(fn.Properties.DeadLetterConfig).toEqual({ TargetArn: queueArn() });
      expect(sqs.map((st) => [st.Action, st.Resource])).toEqual([['sqs:SendMessage', queueArn()]]);
      expect(queueKey).toHaveLength(1);
    } else {
      expect(fn.Properties.DeadLetterConfig).toBeUndefined();
      expect(sqs).toEqual([]);
      expect(queueKey).toEqual([]);
    }
  });

  it('keeps the schedule target’s dead-letter queue', () => {
    const rules = Object.values(stateless.findResources('AWS::Events::Rule')) as { Properties: { Targets: { DeadLetterConfig?: unknown }[] } }[];
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) for (const target of rule.Properties.Targets) expect(target.DeadLetterConfig).toEqual({ Arn: queueArn() });
  });
});

describe('key policies and the table role: nothing wider than the calls made', () => {
  const keyPolicies = () => [
    ...Object.entries(stateless.findResources('AWS::KMS::Key')).map(([id, r]) => ({
      id,
      statements: r.Properties.KeyPolicy.Statement as Statement[],
    })),
    ...Object.entries(Template.fromStack(built.stateful).findResources('AWS::KMS::Key')).map(([id, r]) => ({
      id,
      statements: r.Properties.KeyPolicy.Statement as Statement[],
    })),
  ];
  const servicePrincipalStatements = () =>
    keyPolicies().flatMap(({ id, statements }) =>
      statements
        .filter((st) => JSON.stringify(st.Principal).includes('"Service"'))
        .map((st) => ({ key: id, service: (st.Principal as { Service: string }).Service, condition: st.Condition })),
    );
  const writtenCondition = (condition: unknown) =>
    JSON.parse(JSON.stringify(condition), (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => k.startsWith('Fn::') || k === 'Ref') ? written(v) : v,
    );

  it('conditions every service principal on this account: the source account and the source ARN', () => {
    const byService = Object.fromEntries(servicePrincipalStatements().map((st) => [st.service, writtenCondition(st.condition)]));
    expect(Object.keys(byService).sort()).toEqual([
      'cloudwatch.amazonaws.com',
      'delivery.logs.amazonaws.com',
      'events.amazonaws.com',
      'logs.eu-west-2.amazonaws.com',
      'sns.amazonaws.com',
    ]);
    expect(byService['delivery.logs.amazonaws.com']).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:logs:eu-west-2:${ACCOUNT}:*` },
    });
    expect(byService['cloudwatch.amazonaws.com']).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:eu-west-2:${ACCOUNT}:alarm:*` },
    });
    const queue = `arn:aws:sqs:eu-west-2:${ACCOUNT}:OffshoreApprovalsStateless-failed-invocations`;
    expect(byService['events.amazonaws.com']).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT, 'kms:EncryptionContext:aws:sqs:arn': queue },
      ArnLike: { 'aws:SourceArn': `arn:aws:events:eu-west-2:${ACCOUNT}:rule/*` },
    });
    expect(byService['sns.amazonaws.com']).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT, 'kms:EncryptionContext:aws:sqs:arn': queue },
      ArnLike: { 'aws:SourceArn': `arn:aws:sns:eu-west-2:${ACCOUNT}:*` },
    });
    // CloudWatch Logs encrypts for a log group named in the encryption context: only this account's, in this region.
    expect(byService['logs.eu-west-2.amazonaws.com']).toEqual({
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:eu-west-2:${ACCOUNT}:log-group:*` },
    });
  });

  const tableArn = '${import:OffshoreApprovalsStateful:ExportsOutputFnGetAttApprovalsTableArn2F7DDF9D}';
  const tableStatements = (key: string) =>
    statementsOf(key)
      .filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')) || written(st.Resource).includes('ApprovalsDataKey'))
      .map((st) => ({
        Action: st.Action,
        Resource: [st.Resource].flat().map(written),
        ...(st.Condition ? { Condition: writtenCondition(st.Condition) } : {}),
      }));
  const indexes = ['gsi1', 'gsi2', 'gsi3'].map((name) => `${tableArn}/index/${name}`);
  const tableKey = '${import:OffshoreApprovalsStateful:ExportsOutputFnGetAttApprovalsDataKeyArn7B006C43}';
  const viaDynamoDb = { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-2.amazonaws.com' } };

  it.each(entries.filter(([, spec]) => spec.needs.table))('%s: exactly the table actions and key actions its access needs', (key, spec) => {
    const expected = {
      getItem: [
        { Action: 'dynamodb:GetItem', Resource: [tableArn] },
        { Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: [tableKey], Condition: viaDynamoDb },
      ],
      read: [
        { Action: 'dynamodb:GetItem', Resource: [tableArn] },
        { Action: 'dynamodb:Query', Resource: [tableArn, ...indexes] },
        { Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: [tableKey], Condition: viaDynamoDb },
      ],
      readWrite: [
        { Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: [tableArn] },
        { Action: 'dynamodb:Query', Resource: [tableArn, ...indexes] },
        ...(spec.needs.idempotency
          ? [
              {
                Action: 'dynamodb:DeleteItem',
                Resource: [tableArn],
                Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['IDEMPOTENCY#*'] } },
              },
            ]
          : []),
        { Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], Resource: [tableKey], Condition: viaDynamoDb },
      ],
    }[spec.needs.table!];
    expect(tableStatements(key)).toEqual(expected);
  });

  it('grants, across the catalogue, exactly the DynamoDB actions the handlers call', () => {
    const granted = new Set(entries.flatMap(([key]) => statementsOf(key).flatMap(actionsOf)).filter((a) => a.startsWith('dynamodb:')));
    expect([...granted].sort()).toEqual([...dynamoDbActionsCalled()].sort());
  });
});

/**
 * The IAM actions behind every DynamoDB call under functions/: the document client's commands, the
 * items of each TransactWriteItems (IAM authorizes them one by one), and the Powertools idempotency
 * layer's GetItem, PutItem, UpdateItem and DeleteItem.
 */
function dynamoDbActionsCalled(): Set<string> {
  const sources = readdirSync(fromRepoRoot('functions'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(fromRepoRoot(`functions/${file}`), 'utf8'));
  const commandAction: Record<string, string> = {
    Get: 'GetItem',
    Put: 'PutItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    Query: 'Query',
    Scan: 'Scan',
    BatchGet: 'BatchGetItem',
    BatchWrite: 'BatchWriteItem',
  };
  const transactItem: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' };
  const actions = new Set<string>();
  for (const source of sources) {
    for (const [, name] of source.matchAll(/new (\w+?)(?:Item)?Command\(/g))
      if (name! in commandAction) actions.add(`dynamodb:${commandAction[name!]}`);
    if (source.includes('TransactWriteCommand')) {
      for (const [, name] of source.matchAll(/\{\s*(Put|Update|Delete|ConditionCheck):\s*\{/g)) actions.add(`dynamodb:${transactItem[name!]}`);
    }
    if (source.includes('DynamoDBPersistenceLayer')) for (const a of ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']) actions.add(`dynamodb:${a}`);
  }
  return actions;
}

describe('the stateless stack is documented as updatable, not disposable, while rounds are open', () => {
  const infraReadme = () => readFileSync(fromRepoRoot('infra/README.md'), 'utf8');
  const section = (text: string, heading: string) => {
    const start = text.indexOf(heading);
    expect(start, heading).toBeGreaterThanOrEqual(0);
    const next = text.indexOf('\n## ', start + heading.length);
    return text.slice(start, next < 0 ? undefined : next);
  };

  it('says what is safe and how to drain, with the names the code uses', () => {
    const readme = infraReadme();
    expect(readme).not.toMatch(/safe to destroy/i);
    const drain = section(readme, '## Updating and destroying the stateless stack');
    expect(drain).toContain(`stateMachine:${approvalRoundName(STACK_NAMES.stateless)}`);
    expect(drain).toContain('--status-filter RUNNING');
    expect(drain).toContain(`"${keys.openRequest('', '').gsi3pk}"`);
    // The statuses of a request whose round is open.
    for (const status of ['PENDING_APPROVAL', 'ESCALATED'] as const) {
      expect(REQUEST_STATUSES).toContain(status);
      expect(drain).toContain(`"${status}"`);
    }
  });

  it("corrects the README's Deploy section too", () => {
    const deploy = section(readFileSync(fromRepoRoot('README.md'), 'utf8'), '## Deploy');
    expect(deploy).not.toMatch(/can be destroyed and redeployed\.|safe to destroy/i);
    expect(deploy).toContain('infra/README.md#updating-and-destroying-the-stateless-stack');
  });
});
