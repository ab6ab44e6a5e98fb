import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../functions/platform/config.ts';
import { decodeApproverDirectory, encodeApproverDirectory, parseApproverDirectory } from '../../functions/platform/directory.ts';
import { checkSubstitutions, readDefinition } from '../../infra/asl.ts';
import { buildApp, type BuiltApp } from '../../infra/app-builder.ts';
import { fromRepoRoot } from '../../infra/paths.ts';
import { MAX_APPROVER_DIRECTORY_BYTES } from '../../infra/settings.ts';
import { authorizerOf, checkCatalogue, projectCatalogue, type ServiceCatalogue } from '../../infra/service-catalogue.ts';
import { rawNagFindings } from './nag-helpers.ts';
import { actionsOf, dependencyCycle, deploymentContext, logicalIdOf, realLookingDirectory, roleStatements, written } from './template-helpers.ts';

/**
 * How the infrastructure follows the catalogue and the context, using catalogue variants. Bundling
 * is skipped here (the app test bundles the real catalogue), so each build takes a second or two.
 */

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
/** An offline synth (no account), whatever the environment running the tests has. */
const OFFLINE = { account: null } as const;

function variant(change: (c: { -readonly [K in keyof ServiceCatalogue]: ServiceCatalogue[K] }) => void): ServiceCatalogue {
  const copy = structuredClone(projectCatalogue) as { -readonly [K in keyof ServiceCatalogue]: ServiceCatalogue[K] };
  change(copy);
  return copy;
}

/** A function the state machine invokes that also starts, stops, answers and inspects executions of it. */
const reentrant = variant((c) => {
  const key = Object.values(c.stateMachineFunctions)[0]!;
  const needs = { ...c.functions[key]!.needs, startExecution: true, stopExecution: true, sendTaskResult: true, inspectExecutions: true };
  c.functions = { ...c.functions, [key]: { ...c.functions[key]!, needs } };
});

describe('catalogue rules', () => {
  it('accepts the project catalogue', () => {
    expect(() => checkCatalogue(projectCatalogue)).not.toThrow();
  });

  it('accepts a function the state machine invokes that also needs the state machine: grants name it by ARN, so no cycle', () => {
    expect(() => checkCatalogue(reentrant)).not.toThrow();
    const built = buildApp(SKIP_BUNDLING, { ...OFFLINE, catalogue: reentrant });
    built.app.synth();
    const template = Template.fromStack(built.stateless);
    expect(dependencyCycle(template)).toBeUndefined();
    const key = Object.values(reentrant.stateMachineFunctions)[0]!;
    const actions = roleStatements(template, logicalIdOf(built.stateless.functions[key]!.role)).flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining(['states:StartExecution', 'states:StopExecution', 'states:SendTaskSuccess', 'states:DescribeExecution']),
    );
  });

  it('rejects a schedule EventBridge would refuse', () => {
    for (const expression of ['every day', 'cron(0 6 * * ?)', 'rate(0 days)', 'rate(1 days)']) {
      const bad = variant((c) => {
        c.functions = { ...c.functions, monitor: { ...c.functions.monitor!, schedule: { expression, description: 'test' } } };
      });
      expect(() => checkCatalogue(bad), expression).toThrow(/schedule expression .* is not cron/);
    }
  });

  it('keeps an authorizer read-only, off the routes, and one per kind of link authorization', () => {
    const writes = variant((c) => {
      const key = authorizerOf(c, 'approvalLink');
      c.functions = { ...c.functions, [key]: { ...c.functions[key]!, needs: { table: 'readWrite', sendEmail: true } } };
    });
    expect(() => checkCatalogue(writes)).toThrow(/may only read the table; it also needs table: readWrite, sendEmail/);
    const serves = variant((c) => {
      c.routes = [...c.routes, { method: 'GET', path: '/authorize', function: authorizerOf(c, 'approvalLink') }];
    });
    expect(() => checkCatalogue(serves)).toThrow(/cannot serve a route itself/);
    const none = variant((c) => {
      c.functions = Object.fromEntries(Object.entries(c.functions).filter(([, spec]) => !spec.authorizes));
    });
    expect(() => checkCatalogue(none)).toThrow(
      /routes with auth "approvalLink" need exactly one function with authorizes: 'approvalLink', found none/,
    );
    const two = variant((c) => {
      const key = authorizerOf(c, 'approvalLink');
      c.functions = { ...c.functions, secondAuthorizer: c.functions[key]! };
    });
    expect(() => checkCatalogue(two)).toThrow(/found authorizeApprovalLink, secondAuthorizer/);
  });

  it('rejects routes and placeholders that name no function, and duplicate routes', () => {
    const broken = variant((c) => {
      c.routes = [...c.routes, { method: 'GET', path: '/nowhere', function: 'missing' }, c.routes[0]!];
      c.stateMachineFunctions = { ...c.stateMachineFunctions, GhostFunctionArn: 'ghost' };
    });
    expect(() => checkCatalogue(broken)).toThrow(/route GET \/nowhere names unknown function "missing"/);
    expect(() => checkCatalogue(broken)).toThrow(/stateMachineFunctions.GhostFunctionArn names unknown function "ghost"/);
    expect(() => checkCatalogue(broken)).toThrow(/is declared twice/);
  });
});

describe('state machine placeholders', () => {
  const asl = (states: string) =>
    `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"${states}"},"End":true}}}`;

  it('accepts placeholders and substitutions that match exactly', () => {
    expect(() => checkSubstitutions(asl('${NotifyArn}'), ['NotifyArn'])).not.toThrow();
  });

  it('rejects a placeholder without a substitution', () => {
    expect(() => checkSubstitutions(asl('${NotifyArn}'), [])).toThrow(/\$\{NotifyArn\} has no entry in stateMachineFunctions/);
  });

  it('rejects a substitution the ASL never uses', () => {
    expect(() => checkSubstitutions(asl('arn:fixed'), ['NotifyArn'])).toThrow(/stateMachineFunctions.NotifyArn does not appear/);
  });

  it('agrees with the project ASL file', () => {
    const definition = readDefinition(fromRepoRoot(projectCatalogue.stateMachineFile));
    expect(() => checkSubstitutions(definition, Object.keys(projectCatalogue.stateMachineFunctions))).not.toThrow();
  });

  it('fails the synth when the ASL file uses a placeholder the catalogue lacks', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'asl-'));
    const file = path.join(dir, 'machine.asl.json');
    const definition = JSON.parse(readFileSync(fromRepoRoot(projectCatalogue.stateMachineFile), 'utf8'));
    writeFileSync(file, JSON.stringify({ ...definition, Comment: '${UnmappedFunctionArn}' }));
    const catalogue = variant((c) => {
      c.stateMachineFile = file;
    });
    expect(() => buildApp(SKIP_BUNDLING, { ...OFFLINE, catalogue })).toThrow(/\$\{UnmappedFunctionArn\} has no entry in stateMachineFunctions/);
  });
});

describe('a catalogue that grows', () => {
  // A new function that stops executions, with its own route, and deployment settings from context.
  const grown = variant((c) => {
    c.functions = {
      ...c.functions,
      pauseRound: {
        entry: 'functions/get-request.ts', // any existing handler: bundling is skipped
        description: 'Pauses a request and stops its approval round (test-only function)',
        needs: { table: 'readWrite', stopExecution: true, sendEmail: true },
      },
    };
    c.routes = [...c.routes, { method: 'POST', path: '/requests/{requestId}/pause', function: 'pauseRound' }];
    // A second scheduled function, on a rate rather than a cron.
    c.functions = {
      ...c.functions,
      weeklyDigest: {
        entry: 'functions/get-request.ts',
        description: 'Sends a weekly digest (test-only function)',
        needs: { table: 'read', sendEmail: true },
        schedule: { expression: 'rate(7 days)', description: 'Weekly digest (test-only schedule)' },
      },
    };
  });
  const directory = departmentSizedDirectory();
  let built: BuiltApp;
  let template: Template;

  beforeAll(() => {
    built = buildApp(
      {
        ...SKIP_BUNDLING,
        'offshore:emailFrom': 'approvals@offshoring.example.gov.uk',
        'offshore:publicBaseUrl': 'https://offshoring.example.gov.uk/',
        'offshore:alarmEmail': 'service-ops@example.gov.uk',
        'offshore:approverDirectory': JSON.stringify(directory, null, 2),
      },
      { ...OFFLINE, catalogue: grown },
    );
    built.app.synth(); // throws on any unacknowledged cdk-nag error
    template = Template.fromStack(built.stateless);
  });

  const variables = (key: string) => {
    const fn = built.stateless.functions[key]!.function;
    const id = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
    return template.toJSON().Resources[id].Properties.Environment.Variables as Record<string, unknown>;
  };

  it('adds the function and its route with no infrastructure change', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'Pauses a request and stops its approval round (test-only function)' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /requests/{requestId}/pause' });
  });

  it('lets it stop and describe executions of this state machine only, and passes cdk-nag', () => {
    const machineId = Stack.of(built.stateless).getLogicalId(built.stateless.workflow.stateMachine.node.defaultChild as CfnElement);
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
    );
    const stop = statements.filter((s) => JSON.stringify(s.Action).includes('states:StopExecution'));
    // One statement per function that stops executions (those of the real catalogue, and this one).
    expect(stop).toHaveLength(Object.values(projectCatalogue.functions).filter((spec) => spec.needs.stopExecution).length + 1);
    for (const statement of stop) {
      expect(statement.Action).toEqual('states:StopExecution');
      // This machine's executions, by the name the machine is given, nothing wider.
      expect(written(statement.Resource)).toBe('arn:aws:states:eu-west-2:${AWS::AccountId}:execution:OffshoreApprovalsStateless-approval-round:*');
    }
    expect(template.toJSON().Resources[machineId].Properties.StateMachineName).toBe('OffshoreApprovalsStateless-approval-round');
    expect(written(variables('pauseRound')[ENV.stateMachineArn])).toBe(
      'arn:aws:states:eu-west-2:${AWS::AccountId}:stateMachine:OffshoreApprovalsStateless-approval-round',
    );
    expect(rawNagFindings(built.app, { honourAcknowledgements: true })).toEqual([]);
  });

  it('runs every scheduled function from its own EventBridge rule, with retries and the dead-letter queue', () => {
    const logical = (construct: { node: { defaultChild?: unknown } }) =>
      Stack.of(built.stateless).getLogicalId(construct.node.defaultChild as CfnElement);
    const queueArn = { 'Fn::GetAtt': [logical(built.stateless.failedInvocations.queue), 'Arn'] };
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules.map((r) => r.Properties.ScheduleExpression).sort()).toEqual(['cron(0 6 * * ? *)', 'rate(7 days)']);
    for (const key of ['monitor', 'weeklyDigest']) {
      const fnArn = { 'Fn::GetAtt': [logical(built.stateless.functions[key]!.function), 'Arn'] };
      const spec = grown.functions[key]!;
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: spec.schedule!.expression,
        Description: spec.schedule!.description,
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: fnArn,
            RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
            DeadLetterConfig: { Arn: queueArn },
          }),
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: fnArn,
      });
    }
    // EventBridge may write undeliverable events to the queue: the queue policy names each rule.
    const queuePolicy = JSON.stringify(template.findResources('AWS::SQS::QueuePolicy'));
    for (const id of Object.keys(template.findResources('AWS::Events::Rule'))) expect(queuePolicy).toContain(`"${id}"`);
  });

  it('uses the configured public URL (without its trailing slash) and sender everywhere', () => {
    for (const key of Object.keys(grown.functions)) {
      expect(variables(key)[ENV.publicBaseUrl]).toBe('https://offshoring.example.gov.uk');
    }
    expect(variables('pauseRound')[ENV.emailFrom]).toBe('approvals@offshoring.example.gov.uk');
    Template.fromStack(built.stateful).hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'approvals@offshoring.example.gov.uk' });
  });

  it('alarms on the new function and subscribes the alarm address', () => {
    const fn = built.stateless.functions.pauseRound!.function;
    const id = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.some((a) => JSON.stringify(a.Properties.Dimensions).includes(`"Ref":"${id}"`))).toBe(true);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'service-ops@example.gov.uk' });
  });

  it('passes a department’s directory from context, larger than the environment holds as JSON, to every function, which reads it back', () => {
    expect(Buffer.byteLength(JSON.stringify(directory))).toBeGreaterThan(MAX_APPROVER_DIRECTORY_BYTES);
    for (const key of Object.keys(grown.functions)) {
      const value = variables(key)[ENV.approverDirectory] as string;
      expect(value.length).toBeLessThanOrEqual(MAX_APPROVER_DIRECTORY_BYTES);
      expect(decodeApproverDirectory(value)).toEqual(directory);
    }
  });
});

/**
 * The bundled directory as a department would fill it in: every approver, escalation contact and
 * Departmental Head a named person at a justice.gov.uk address, their title after their name.
 */
function departmentSizedDirectory(): unknown {
  const first = ['Alexandra', 'Oluwaseun', 'Christopher', 'Siobhan', 'Bartholomew', 'Priyanka', 'Maximilian'];
  const last = ['Worthington-Smythe', 'Abernethy', 'Castellanos', 'Fitzgerald-Okafor', 'Montgomery', 'Rasmussen'];
  let i = 0;
  const named = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value).map(([key, v]) => [key, named(v)] as const);
    const person = Object.fromEntries(entries) as Record<string, unknown>;
    if (typeof person.name === 'string' && typeof person.email === 'string' && !('businessAreas' in person)) {
      const [given, family] = [first[i % first.length]!, last[i++ % last.length]!];
      const domain = person.email.split('@')[1]!;
      return { ...person, name: `${given} ${family}, ${person.name}`, email: `${given}.${family}@${domain}`.toLowerCase() };
    }
    return person;
  };
  return named(realLookingDirectory());
}

describe('deployment settings', () => {
  const ACCOUNT = { account: '111122223333' };
  const ISSUER = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0';
  const jwtConfiguration = (built: BuiltApp) =>
    Object.values(Template.fromStack(built.stateless).findResources('AWS::ApiGatewayV2::Authorizer'))
      .map((a) => a.Properties)
      .find((p) => p.AuthorizerType === 'JWT')?.JwtConfiguration;

  it('refuses to synthesize for an account (as every deploy does) until the identity provider is set', () => {
    expect(() => buildApp(SKIP_BUNDLING, ACCOUNT)).toThrow(
      /offshore:oidcIssuer is not set, so service owners and the security team could never sign in/,
    );
    expect(() => buildApp({ ...SKIP_BUNDLING, 'offshore:oidcIssuer': 'https://identity.example.gov.uk' }, ACCOUNT)).toThrow(
      /offshore:oidcIssuer is not set/,
    );
  });

  it("uses the department's issuer and audience from context, with no warning", () => {
    const built = buildApp(
      { ...SKIP_BUNDLING, ...deploymentContext(), 'offshore:oidcIssuer': ISSUER, 'offshore:oidcAudience': 'api://offshore-approvals' },
      ACCOUNT,
    );
    expect(jwtConfiguration(built)).toEqual({ Issuer: ISSUER, Audience: ['api://offshore-approvals'] });
    expect(built.stateless.account).toBe('111122223333');
    for (const stack of [built.stateful, built.stateless]) expect(stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning')).toEqual([]);
  });

  it.each([
    ['Entra ID v1', 'https://sts.windows.net/4f6b0c2e-8d1a-4c55-9a3e-2b7d9e1f0a61/'],
    ['Auth0', 'https://offshoring.eu.auth0.com/'],
    ['Entra ID v2', ISSUER],
  ])('keeps a %s issuer exactly as its tokens write iss', (_provider, issuer) => {
    const built = buildApp({ ...SKIP_BUNDLING, ...deploymentContext(), 'offshore:oidcIssuer': issuer }, ACCOUNT);
    expect(jwtConfiguration(built)?.Issuer).toBe(issuer);
  });

  it('deploys the placeholder identity provider only when explicitly allowed (a throwaway sandbox)', () => {
    const { 'offshore:oidcIssuer': _issuer, 'offshore:oidcAudience': _audience, ...realSenderAndDirectory } = deploymentContext();
    for (const allowed of [true, 'true']) {
      const built = buildApp({ ...SKIP_BUNDLING, ...realSenderAndDirectory, 'offshore:allowExampleIdentityProvider': allowed }, ACCOUNT);
      expect(jwtConfiguration(built)).toEqual({ Issuer: 'https://identity.example.gov.uk', Audience: ['offshore-approvals'] });
    }
  });

  it('refuses, for an account, the placeholder sender and a directory of placeholder addresses, saying what to set', () => {
    const real = { ...SKIP_BUNDLING, ...deploymentContext() };
    expect(() => buildApp({ ...real, 'offshore:emailFrom': '', 'offshore:emailDomain': '' }, ACCOUNT)).toThrow(
      /offshore:emailFrom is "offshore-approvals@example.gov.uk", an address on a placeholder domain .* Set it to the service's sender/,
    );
    expect(() => buildApp({ ...real, 'offshore:approverDirectory': '' }, ACCOUNT)).toThrow(
      /The bundled approver directory \(config\/approver-directory.json\) names addresses on placeholder domains \(siro@hmcts.justice.local, .*Set offshore:approverDirectory/,
    );
    const oneLeftOver = structuredClone(realLookingDirectory()) as { securityTeam: { email: string } };
    oneLeftOver.securityTeam.email = 'security@example.com';
    expect(() => buildApp({ ...real, 'offshore:approverDirectory': JSON.stringify(oneLeftOver) }, ACCOUNT)).toThrow(
      /Context offshore:approverDirectory names addresses on placeholder domains \(security@example.com\)/,
    );
    // Everything to set, in one message.
    expect(() => buildApp(SKIP_BUNDLING, ACCOUNT)).toThrow(/oidcIssuer is not set[\s\S]*emailFrom is[\s\S]*bundled approver directory/);
  });

  it('warns, offline, about the placeholder sender and directory, and synthesizes', () => {
    const built = buildApp(SKIP_BUNDLING, OFFLINE);
    const warnings = [built.stateful, built.stateless].flatMap((stack) =>
      stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data)),
    );
    expect(warnings.some((w) => w.includes('offshore:emailFrom is the placeholder offshore-approvals@example.gov.uk'))).toBe(true);
    expect(warnings.some((w) => w.includes('The approver directory names placeholder addresses (siro@hmcts.justice.local'))).toBe(true);
  });

  it.each([
    [
      { 'offshore:emailDomain': 'justice.gov.uk', 'offshore:emailFrom': 'approvals@digital.cabinet-office.gov.uk' },
      /is not on offshore:emailDomain \("justice.gov.uk"\)/,
    ],
    [
      { 'offshore:emailDomain': 'justice.gov.uk', 'offshore:emailFrom': 'a@justice.gov.uk', 'offshore:mailFromDomain': 'bounce.example.org' },
      /must be a subdomain of justice.gov.uk/,
    ],
    [
      {
        'offshore:emailDomain': 'justice.gov.uk',
        'offshore:emailFrom': 'a@bounce.justice.gov.uk',
        'offshore:mailFromDomain': 'bounce.justice.gov.uk',
      },
      /that mail is not sent from/,
    ],
    [{ 'offshore:mailFromDomain': 'bounce.justice.gov.uk' }, /offshore:mailFromDomain needs offshore:emailDomain/],
    [{ 'offshore:emailDomain': 'not a domain' }, /offshore:emailDomain is not a domain name/],
  ])('refuses a sending domain SES could not use: %o', (settings, message) => {
    expect(() => buildApp({ ...SKIP_BUNDLING, ...settings }, OFFLINE)).toThrow(message);
  });

  it('takes the region from offshore:region, never from the CLI profile', () => {
    const previous = process.env.CDK_DEFAULT_REGION;
    process.env.CDK_DEFAULT_REGION = 'us-east-1';
    try {
      expect(buildApp(SKIP_BUNDLING, OFFLINE).stateless.region).toBe('eu-west-2');
      expect(buildApp({ ...SKIP_BUNDLING, 'offshore:region': 'eu-west-2' }, OFFLINE).stateful.region).toBe('eu-west-2');
    } finally {
      if (previous === undefined) delete process.env.CDK_DEFAULT_REGION;
      else process.env.CDK_DEFAULT_REGION = previous;
    }
  });

  it.each(['eu-west-1', 'us-east-1'])("refuses to put the service's data outside the UK: offshore:region = %s", (region) => {
    const outside = new RegExp(
      `OffshoreApprovalsStateful would deploy to ${region}, outside the UK: the service's own data must stay in the UK .*Set offshore:region to eu-west-2`,
    );
    expect(() => buildApp({ ...SKIP_BUNDLING, 'offshore:region': region }, OFFLINE)).toThrow(outside);
  });

  it('keeps the web ACL stack in us-east-1 as the one stack outside the UK (CloudFront requires it; it holds no service data)', () => {
    const built = buildApp(SKIP_BUNDLING, OFFLINE);
    expect([built.stateful.region, built.stateless.region, built.webAcl.region]).toEqual(['eu-west-2', 'eu-west-2', 'us-east-1']);
    const types = Object.values(Template.fromStack(built.webAcl).toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((type) => /DynamoDB|S3|SecretsManager|KMS|Logs::LogGroup/.test(type))).toEqual([]);
  });

  it.each([
    ['offshore:oidcIssuer', 'http://login.example.com', /must be an https:\/\/ URL/],
    ['offshore:oidcIssuer', 'not a url', /not a URL/],
    ['offshore:allowExampleIdentityProvider', 'yes', /must be true or false/],
    ['offshore:region', 'London', /not an AWS region/],
    ['offshore:emailFrom', 'not-an-address', /not an email address/],
    ['offshore:alarmEmail', 'ops@', /not an email address/],
    ['offshore:publicBaseUrl', 'http://offshoring.example.gov.uk', /must be an https:\/\/ URL/],
    ['offshore:approverDirectory', '{"businessAreas":{}}', /Invalid approver directory/],
    ['offshore:approverDirectory', '{not json', /not valid JSON/],
  ])('refuses %s = %s', (key, value, message) => {
    expect(() => buildApp({ ...SKIP_BUNDLING, [key]: value }, OFFLINE)).toThrow(message);
  });

  it('refuses an approver directory too big for the environment even encoded, with its encoded size and the limit', () => {
    // Business areas named by digests: text gzip cannot shrink much.
    const big = structuredClone(realLookingDirectory()) as { businessAreas: Record<string, { name: string }> };
    const template = big.businessAreas.LAA!;
    for (let n = 0; n < 40; n++) {
      const digest = createHash('sha256').update(String(n)).digest('hex');
      big.businessAreas[`AREA_${n}`] = { ...structuredClone(template), name: `${digest} ${digest.slice(0, 32)}` };
    }
    const encoded = encodeApproverDirectory(parseApproverDirectory(big)).length;
    expect(encoded).toBeGreaterThan(MAX_APPROVER_DIRECTORY_BYTES);
    expect(() => buildApp({ ...SKIP_BUNDLING, 'offshore:approverDirectory': JSON.stringify(big) }, OFFLINE)).toThrow(
      `Context offshore:approverDirectory is ${encoded} bytes encoded (gzipped, in base64; ${JSON.stringify(big).length} bytes minified); ` +
        `Lambda allows 4 KB of environment variables in all, so keep it at most ${MAX_APPROVER_DIRECTORY_BYTES} bytes encoded`,
    );
  });
});
