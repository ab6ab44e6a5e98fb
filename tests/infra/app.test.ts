import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { apiRoutes, lambdaFunctions, STATE_MACHINE_FILE, stateMachineFunctions, type FunctionSpec } from '../../functions/catalogue.ts';
import { ENV } from '../../functions/platform/config.ts';
import { build } from 'esbuild';
import { buildApp, type BuiltApp } from '../../infra/app-builder.ts';
import { esbuildOptions } from '../../infra/bundling.ts';
import { pageAssetsDir } from '../../infra/page-assets.ts';
import { fromRepoRoot } from '../../infra/paths.ts';
import { projectCatalogue, rendersPages } from '../../infra/service-catalogue.ts';
import { DEFAULT_EMAIL_FROM } from '../../infra/settings.ts';
import { StatefulStack } from '../../infra/stacks/stateful-stack.ts';
import { acknowledgements, rawNagFindings, type Acknowledgement } from './nag-helpers.ts';

/**
 * The deployable app, built once with bundling (every catalogue entry must bundle with esbuild),
 * synthesised with cdk-nag, then checked against the catalogue it was built from.
 */

const REPLY_TO = 'offshoring-team@example.gov.uk';
let built: BuiltApp;
let assemblyDir: string;
let stateful: Template;
let stateless: Template;

beforeAll(() => {
  // As CI synthesizes it: offline, for no account (so the placeholder identity provider is allowed).
  built = buildApp({ 'offshore:emailReplyTo': REPLY_TO }, { account: null });
  // Under vitest (NODE_ENV=test) synth throws, with the report, on any unacknowledged cdk-nag error.
  assemblyDir = built.app.synth().directory;
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
});

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

function resourceOf(construct: { node: { defaultChild?: unknown } }): Resource {
  return stateless.toJSON().Resources[logicalId(construct.node.defaultChild)] as Resource;
}

function logicalId(element: unknown): string {
  return Stack.of(element as CfnElement).getLogicalId(element as CfnElement);
}

function fnResource(key: string): { id: string; resource: Resource } {
  const fn = built.stateless.functions[key];
  if (!fn) throw new Error(`no function built for catalogue key ${key}`);
  const id = logicalId(fn.function.node.defaultChild);
  return { id, resource: stateless.toJSON().Resources[id] as Resource };
}

/** Every IAM action granted to a catalogue function's role. */
function actionsOf(key: string): string[] {
  const role = built.stateless.functions[key]!.role;
  const roleId = logicalId(role.node.defaultChild);
  const policies = Object.values(stateless.findResources('AWS::IAM::Policy')) as Resource[];
  return policies
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

const catalogueEntries = Object.entries(lambdaFunctions) as [string, FunctionSpec][];
const invokedByStateMachine = new Set<string>(Object.values(stateMachineFunctions));
const usesStateMachine = (spec: FunctionSpec) =>
  Boolean(spec.needs.startExecution || spec.needs.stopExecution || spec.needs.sendTaskResult || spec.needs.inspectExecutions);

describe('stateful stack', () => {
  it('keeps the table, key and sender identity under their pinned logical ids', () => {
    // A changed logical id replaces the resource: these literals must only change deliberately.
    expect(Object.keys(stateful.findResources('AWS::DynamoDB::Table'))).toEqual(['ApprovalsTable']);
    expect(Object.keys(stateful.findResources('AWS::KMS::Key')).sort()).toEqual(['ApprovalsDataKey', 'WebSecretsKey']);
    expect(Object.keys(stateful.findResources('AWS::SecretsManager::Secret')).sort()).toEqual(['OidcClientSecret', 'SessionKeySecret']);
    expect(Object.keys(stateful.findResources('AWS::SES::EmailIdentity'))).toEqual(['SenderEmailIdentity']);
    expect(Object.keys(stateful.findResources('AWS::SES::ConfigurationSet'))).toEqual(['SenderConfigurationSet']);
    expect(StatefulStack.LOGICAL_IDS).toEqual({
      key: 'ApprovalsDataKey',
      table: 'ApprovalsTable',
      emailIdentity: 'SenderEmailIdentity',
      domainIdentity: 'SenderDomainIdentity',
      configurationSet: 'SenderConfigurationSet',
      webSecretsKey: 'WebSecretsKey',
      sessionKey: 'SessionKeySecret',
      oidcClientSecret: 'OidcClientSecret',
    });
  });

  it('retains every resource and is termination-protected', () => {
    expect(built.stateful.terminationProtection).toBe(true);
    const resources = Object.entries(stateful.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type !== 'AWS::CDK::Metadata');
    expect(resources.length).toBeGreaterThan(0);
    for (const [id, resource] of resources) {
      expect({ id, deletion: resource.DeletionPolicy, replace: resource.UpdateReplacePolicy }).toEqual({
        id,
        deletion: 'Retain',
        replace: 'Retain',
      });
    }
  });

  it('builds the single table: pk/sk, on demand, PITR, deletion protection, customer-managed key, TTL and three GSIs', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': ['ApprovalsDataKey', 'Arn'] } },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: ['gsi1', 'gsi2', 'gsi3'].map((name) => ({
        IndexName: name,
        KeySchema: [
          { AttributeName: `${name}pk`, KeyType: 'HASH' },
          { AttributeName: `${name}sk`, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
  });

  it('rotates the table key', () => {
    stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('verifies the sender address from context and sends only over TLS', () => {
    stateful.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: DEFAULT_EMAIL_FROM,
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: 'SenderConfigurationSet' } },
    });
    stateful.hasResourceProperties('AWS::SES::ConfigurationSet', { DeliveryOptions: { TlsPolicy: 'REQUIRE' } });
  });
});

describe('functions, one per catalogue entry', () => {
  it('builds exactly the catalogue (which is not empty)', () => {
    expect(Object.keys(lambdaFunctions)).toEqual(expect.arrayContaining(['intake', 'getRequest']));
    expect(Object.keys(built.stateless.functions).sort()).toEqual(Object.keys(lambdaFunctions).sort());
    // Besides them, only CDK's own providers: the assets' copier and the cross-region reference reader.
    const others = Object.entries(stateless.findResources('AWS::Lambda::Function'))
      .filter(([id]) => !catalogueEntries.some(([key]) => fnResource(key).id === id))
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(others.sort()).toEqual([
      'CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C512MiB',
      'CustomCrossRegionExportReaderCustomResourceProviderHandler',
    ]);
  });

  it.each(catalogueEntries)('%s: Node.js 24 on arm64, traced, with the environment its needs imply', (key, spec) => {
    const { resource } = fnResource(key);
    const props = resource.Properties;
    expect(props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
      Description: spec.description,
      MemorySize: 256,
      Timeout: 29,
    });
    const variables = props.Environment.Variables as Record<string, unknown>;
    expect(variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'offshore-approvals',
      POWERTOOLS_METRICS_NAMESPACE: 'OffshoreApprovals',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(variables[ENV.publicBaseUrl]).toBeDefined();
    expect(variables[ENV.tableName] !== undefined).toBe(Boolean(spec.needs.table));
    expect(variables[ENV.stateMachineArn] !== undefined).toBe(usesStateMachine(spec));
    expect(variables[ENV.emailFrom]).toBe(spec.needs.sendEmail ? DEFAULT_EMAIL_FROM : undefined);
    expect(variables[ENV.emailReplyTo]).toBe(spec.needs.sendEmail ? REPLY_TO : undefined);
    // No local-mode endpoints on AWS.
    for (const local of [ENV.dynamodbEndpoint, ENV.sesEndpoint, ENV.stepFunctionsEndpoint]) expect(variables[local]).toBeUndefined();
  });

  it.each(catalogueEntries)('%s: granted what its needs say and nothing more', (key, spec) => {
    const actions = actionsOf(key);
    expect(actions.includes('dynamodb:GetItem')).toBe(Boolean(spec.needs.table));
    expect(actions.includes('dynamodb:Query')).toBe(spec.needs.table === 'read' || spec.needs.table === 'readWrite');
    expect(actions.includes('dynamodb:PutItem')).toBe(spec.needs.table === 'readWrite');
    expect(actions.includes('states:StartExecution')).toBe(Boolean(spec.needs.startExecution));
    expect(actions.includes('states:StopExecution')).toBe(Boolean(spec.needs.stopExecution));
    expect(actions.includes('states:DescribeExecution')).toBe(Boolean(spec.needs.inspectExecutions));
    expect(actions.includes('states:SendTaskSuccess')).toBe(Boolean(spec.needs.sendTaskResult));
    expect(actions.includes('states:ListExecutions')).toBe(Boolean(spec.needs.inspectExecutions));
    expect(actions.includes('ses:SendEmail')).toBe(Boolean(spec.needs.sendEmail));
    expect(actions).not.toContain('dynamodb:Scan');
    // No wildcard action at all (the table key's are written out as the actions they stand for).
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it.each(catalogueEntries.filter(([, spec]) => spec.needs.table))('%s: may use the table key only through DynamoDB', (key) => {
    const roleId = logicalId(built.stateless.functions[key]!.role.node.defaultChild);
    const keyStatements = (Object.values(stateless.findResources('AWS::IAM::Policy')) as Resource[])
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[])
      .filter((st) => JSON.stringify(st.Resource).includes('ApprovalsDataKey'));
    expect(keyStatements).toHaveLength(1);
    expect(keyStatements[0]!.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-2.amazonaws.com' } });
    const writes = (lambdaFunctions[key as keyof typeof lambdaFunctions] as FunctionSpec).needs.table === 'readWrite';
    expect(keyStatements[0]!.Action).toEqual(writes ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'] : ['kms:Decrypt', 'kms:DescribeKey']);
  });

  it.each(catalogueEntries)('%s: logs to its own log group, kept for a year', (key) => {
    const logGroupId = fnResource(key).resource.Properties.LoggingConfig.LogGroup.Ref as string;
    expect(stateless.toJSON().Resources[logGroupId]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 365 } });
  });

  it('bundles every entry as an ES module that loads on Node.js 24 and exports handler', () => {
    const bundles = catalogueEntries.map(([key]) => {
      const s3Key = fnResource(key).resource.Properties.Code.S3Key as string;
      return path.join(assemblyDir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    });
    // A separate process: the bundles must load as Lambda loads them, not through vitest's transform.
    const script = `const files = ${JSON.stringify(bundles)};
      const kinds = await Promise.all(files.map(async (f) => typeof (await import(f)).handler));
      console.log(JSON.stringify(kinds));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, [ENV.tableName]: 'offshore-test', AWS_REGION: 'eu-west-2' },
      encoding: 'utf8',
    });
    expect(process.versions.node.split('.')[0]).toBe('24');
    expect(JSON.parse(output)).toEqual(bundles.map(() => 'function'));
  });

  // The package each SDK client's (and Powertools idempotency's) code comes from, and the needs (functions/catalogue.ts) that call for it.
  const neededPackages: Record<string, (needs: FunctionSpec['needs']) => boolean> = {
    '@aws-sdk/client-dynamodb': (needs: FunctionSpec['needs']) => needs.table !== undefined,
    '@aws-sdk/client-sfn': (needs: FunctionSpec['needs']) =>
      Boolean(needs.startExecution || needs.stopExecution || needs.sendTaskResult || needs.inspectExecutions),
    '@aws-sdk/client-sesv2': (needs: FunctionSpec['needs']) => Boolean(needs.sendEmail),
    '@aws-lambda-powertools/idempotency': (needs: FunctionSpec['needs']) => Boolean(needs.idempotency),
    '@aws-sdk/client-secrets-manager': (needs: FunctionSpec['needs']) => Boolean(needs.webSecrets),
  };
  /** Functions behind a session route: the pages, and sign-in. */
  const servesSessionRoutes = (key: string) => apiRoutes.some((r) => r.function === key && r.auth === 'session');

  it.each(catalogueEntries)(
    '%s: the deployed bundle is what infra/bundling.ts builds, holding only the SDK clients (and idempotency) its needs call for',
    async (key, spec) => {
      const s3Key = fnResource(key).resource.Properties.Code.S3Key as string;
      const deployed = readFileSync(path.join(assemblyDir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs'));
      const { outputFiles, metafile } = await build({ ...esbuildOptions(fromRepoRoot(spec.entry), 'index.mjs'), write: false, metafile: true });
      // The bench (bench/bundles.ts) measures these bytes: they must be the deployed ones.
      expect(Buffer.from(outputFiles.find((f) => f.path.endsWith('index.mjs'))!.contents).equals(deployed)).toBe(true);
      const packages = new Set(
        Object.entries(Object.values(metafile.outputs).find((o) => o.entryPoint)!.inputs)
          .filter(([, input]) => input.bytesInOutput > 0)
          .map(([file]) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]),
      );
      for (const [name, needed] of Object.entries(neededPackages)) expect([name, packages.has(name)]).toEqual([name, needed(spec.needs)]);
      // nunjucks only where pages are rendered, and always behind a session route; never its file watcher.
      if (packages.has('nunjucks')) expect([key, rendersPages(projectCatalogue, key)]).toEqual([key, true]);
      if (servesSessionRoutes(key)) expect([key, packages.has('nunjucks')]).toEqual([key, true]);
      expect(packages.has('chokidar') || packages.has('fsevents')).toBe(false);
    },
  );

  /** Every file under a folder, relative to it. */
  const filesUnder = (dir: string): string[] =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
      .sort();

  it.each(catalogueEntries)('%s: the bundle carries the templates folder exactly when the function renders pages', (key) => {
    const s3Key = fnResource(key).resource.Properties.Code.S3Key as string;
    const templates = path.join(assemblyDir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'templates');
    if (!rendersPages(projectCatalogue, key)) {
      expect(existsSync(templates)).toBe(false);
      return;
    }
    const files = filesUnder(templates);
    // The service's own templates, all of them.
    expect(files.filter((f) => f.startsWith('app/'))).toEqual(filesUnder(fromRepoRoot('functions/web/templates')).map((f) => `app/${f}`));
    // The design systems' templates where their own imports find them, and nothing else of theirs.
    expect(files).toEqual(
      expect.arrayContaining([
        'govuk-frontend/dist/govuk/template.njk',
        'govuk-frontend/dist/govuk/components/button/macro.njk',
        'govuk-frontend/dist/govuk/components/button/template.njk',
        'govuk-frontend/dist/govuk/macros/i18n.njk',
        '@ministryofjustice/frontend/moj/components/timeline/macro.njk',
        'asset-manifest.json',
      ]),
    );
    expect(files.filter((f) => !f.endsWith('.njk'))).toEqual(['asset-manifest.json']);
    // The manifest of the very assets deployed with it.
    const manifest = JSON.parse(readFileSync(path.join(templates, 'asset-manifest.json'), 'utf8')) as Record<string, string>;
    expect(Object.keys(manifest).sort()).toEqual(['application.css', 'application.js']);
    expect(readFileSync(path.join(pageAssetsDir(), manifest['application.css']!), 'utf8').length).toBeGreaterThan(0);
  });

  it('gives the templates folder to the pages, sign-in and the approver pages', () => {
    expect(
      catalogueEntries
        .filter(([key]) => rendersPages(projectCatalogue, key))
        .map(([key]) => key)
        .sort(),
    ).toEqual(['approvalPage', 'pages', 'recordDecision', 'signIn']);
  });

  it('bundles the link authorizer without the HTTP chain, zod, Powertools idempotency or the request store', async () => {
    const { metafile } = await build({
      ...esbuildOptions(fromRepoRoot(lambdaFunctions.authorizeApprovalLink.entry), 'index.mjs'),
      write: false,
      metafile: true,
    });
    const inputs = Object.entries(Object.values(metafile.outputs).find((o) => o.entryPoint)!.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([file]) => file);
    // Of the store, only its one link lookup (functions/store/link-lookup.ts) and what that needs: keys, the table, its errors.
    expect(
      inputs.filter((file) =>
        /node_modules\/(zod|@middy\/http-|@aws-lambda-powertools\/idempotency)|functions\/(web|store\/(?!(keys|link-lookup|table|errors)\.ts))/.test(
          file,
        ),
      ),
    ).toEqual([]);
  });

  it('gives no function the AWS managed basic execution role (but CDK’s cross-region reference reader, whose provider sets it)', () => {
    const managed = Object.entries(stateless.findResources('AWS::IAM::Role') as Record<string, Resource>)
      .filter(([, role]) => role.Properties.ManagedPolicyArns !== undefined)
      .map(([id]) => id);
    expect(managed).toEqual([expect.stringMatching(/^CustomCrossRegionExportReaderCustomResourceProviderRole/)]);
  });
});

describe('HTTP API', () => {
  const routeKeys = () =>
    (Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')) as Resource[]).map((r) => r.Properties.RouteKey as string);

  it('serves the service-owner routes', () => {
    // Literal, so the test fails if the catalogue loses them.
    expect(routeKeys()).toEqual(expect.arrayContaining(['POST /requests', 'GET /requests/{requestId}']));
  });

  it('has exactly one route per catalogue route, each integrated with its function', () => {
    expect(routeKeys().sort()).toEqual(apiRoutes.map((r) => `${r.method} ${r.path}`).sort());
    const resources = stateless.toJSON().Resources as Record<string, Resource>;
    for (const route of apiRoutes) {
      const [, routeResource] = Object.entries(resources).find(
        ([, r]) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === `${route.method} ${route.path}`,
      )!;
      const integrationId = (routeResource.Properties.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
      const integration = resources[integrationId.Ref]!;
      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [fnResource(route.function).id, 'Arn'] },
      });
    }
  });

  it('throttles and access-logs the $default stage', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context\\.requestId') },
    });
  });

  it("gives every function the CloudFront distribution's URL as PUBLIC_BASE_URL when no public URL or domain is configured", () => {
    const distributionId = logicalId(built.stateless.web.distribution.node.defaultChild);
    for (const [key] of catalogueEntries) {
      const url = fnResource(key).resource.Properties.Environment.Variables[ENV.publicBaseUrl];
      expect(url).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] });
    }
  });
});

describe('approval workflow', () => {
  const machine = () => {
    const machines = Object.values(stateless.findResources('AWS::StepFunctions::StateMachine')) as Resource[];
    expect(machines).toHaveLength(1);
    return machines[0]!.Properties;
  };

  it('is the ASL file, as a Standard state machine logging everything and traced', () => {
    const props = machine();
    const file = readFileSync(path.resolve(import.meta.dirname, '../..', STATE_MACHINE_FILE), 'utf8');
    expect(JSON.parse(props.DefinitionString)).toEqual(JSON.parse(file));
    expect(props).toMatchObject({
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('leaves no placeholder unsubstituted once CloudFormation applies the substitutions', () => {
    const props = machine();
    const substitutions = (props.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
    const resolved = (props.DefinitionString as string).replace(/\$\{([^}]*)\}/g, (whole, name: string) =>
      name in substitutions ? 'arn:substituted' : whole,
    );
    expect(resolved).not.toContain('${');
    expect(Object.keys(substitutions).sort()).toEqual(Object.keys(stateMachineFunctions).sort());
  });

  it.each(Object.entries(stateMachineFunctions))('substitutes ${%s} with the ARN of %s and may invoke it', (placeholder, key) => {
    const props = machine();
    const { id } = fnResource(key);
    expect(props.DefinitionString).toContain(`\${${placeholder}}`);
    expect(props.DefinitionSubstitutions[placeholder]).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
    stateless.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id, 'Arn'] } }]),
      },
    });
  });

  it('lets the functions it invokes reach it only by its name-built ARN (no reference back, so no cycle)', () => {
    const machineId = logicalId(built.stateless.workflow.stateMachine.node.defaultChild);
    for (const key of invokedByStateMachine) {
      expect(JSON.stringify(fnResource(key).resource)).not.toContain(`"${machineId}"`);
      const roleId = logicalId(built.stateless.functions[key]!.role.node.defaultChild);
      const policies = (Object.values(stateless.findResources('AWS::IAM::Policy')) as Resource[]).filter((p) =>
        (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId),
      );
      expect(JSON.stringify(policies)).not.toContain(`"${machineId}"`);
    }
  });
});

describe('operational alarms', () => {
  it('alarms on every function error, on failed or timed-out rounds and on API 5xx', () => {
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    for (const [key] of catalogueEntries) {
      const { id } = fnResource(key);
      expect(alarms.some((a) => a.Properties.MetricName === 'Errors' && JSON.stringify(a.Properties.Dimensions).includes(`"Ref":"${id}"`))).toBe(
        true,
      );
    }
    const metrics = alarms.map((a) => a.Properties.MetricName);
    expect(metrics).toEqual(expect.arrayContaining(['ExecutionsFailed', 'ExecutionsTimedOut', '5xx']));
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });

  it('sends them to an encrypted topic with no subscriber unless offshore:alarmEmail is set', () => {
    stateless.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    stateless.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

/** Every rule the project acknowledges anywhere; where each may be is pinned below. */
const ACKNOWLEDGEABLE =
  /^(AwsSolutions-IAM5\[.+\]|Serverless-LambdaDLQ|Serverless-SQSRedrivePolicy|AwsSolutions-(APIG4|SMG4|CFR1|CFR4|L1)|Serverless-(LambdaLatestVersion|LambdaTracing))$/;

describe('cdk-nag (AWS Solutions)', () => {
  let acks: Acknowledgement[];
  beforeAll(() => {
    acks = acknowledgements(built.app);
  });

  it('reports no unacknowledged error in the synthesised validation report', () => {
    const report = JSON.parse(readFileSync(path.join(assemblyDir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { summary?: { pluginName?: string }; violations?: { severity?: string; ruleName?: string }[] }[];
    };
    const errors = report.pluginReports.flatMap((r) => (r.violations ?? []).filter((v) => v.severity === 'error' || v.severity === 'fatal'));
    expect(errors).toEqual([]);
  });

  it('finds no unacknowledged error or warning when run directly', () => {
    const findings = rawNagFindings(built.app, { honourAcknowledgements: true });
    expect(findings).toEqual([]);
  });

  it('still checks: with acknowledgements ignored it reports the known findings', () => {
    const raw = rawNagFindings(built.app, { honourAcknowledgements: false });
    expect(raw.map((f) => f.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-IAM5[Resource::*]']));
  });

  it('acknowledges only findings that exist, each with a reason', () => {
    const raw = rawNagFindings(built.app, { honourAcknowledgements: false });
    for (const ack of acks) {
      const matched = raw.some((f) => f.ruleName === ack.id && (f.constructPath === ack.path || f.constructPath.startsWith(`${ack.path}/`)));
      expect({ ack: `${ack.path}: ${ack.id}`, matched }).toEqual({ ack: `${ack.path}: ${ack.id}`, matched: true });
      expect(ack.reason.length).toBeGreaterThan(20);
    }
  });

  it('acknowledges IAM wildcards, the two dead-letter rules that cannot apply and the web front’s named cases, never authorization of the API, logging, PITR, key rotation or SQS DLQ rules', () => {
    expect(acks.length).toBeGreaterThan(0);
    // Authorization, logging and tracing, point-in-time recovery, key rotation, dead-letter queues.
    const never = ['COG4', 'APIG1', 'APIG6', 'SF1', 'SF2', 'DDB3', 'KMS5', 'SQS3'].map((id) => `AwsSolutions-${id}`);
    for (const ack of acks) {
      expect(ack.id).toMatch(ACKNOWLEDGEABLE);
      expect(never).not.toContain(ack.id.replace(/\[.*$/, ''));
    }
    const pathsOf = (id: string) => [...new Set(acks.filter((a) => a.id === id).map((a) => a.path))].sort();
    // No API Gateway authorizer only on the pages, whose functions read the session cookie.
    const sessionRoutePaths = pathsOf('AwsSolutions-APIG4');
    expect(sessionRoutePaths).toHaveLength(apiRoutes.filter((r) => r.auth === 'session').length);
    for (const routePath of sessionRoutePaths) expect(routePath).toMatch(/^OffshoreApprovalsStateless\/Api\/HttpApi\//);
    // The runtime and tracing rules only on CDK's own asset-copying function; the others where the README says.
    const provider = built.stateless.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))!.node.path;
    for (const id of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion', 'Serverless-LambdaTracing']) expect(pathsOf(id)).toEqual([provider]);
    expect(pathsOf('AwsSolutions-SMG4')).toEqual(
      [built.stateful.webSecrets.oidcClientSecret.node.path, built.stateful.webSecrets.sessionKey.node.path].sort(),
    );
    expect(pathsOf('AwsSolutions-CFR1')).toEqual([built.stateless.web.distribution.node.path]);
    // A dead-letter queue only on what is invoked asynchronously (a schedule): the rule is acknowledged
    // exactly on the functions invoked only synchronously, and the redrive rule only on the last queue.
    const lambdaDlq = acks
      .filter((a) => a.id === 'Serverless-LambdaDLQ')
      .map((a) => a.path)
      .sort();
    const synchronous = [
      ...catalogueEntries.filter(([, spec]) => !spec.schedule).map(([key]) => built.stateless.functions[key]!.function.node.path),
      // CloudFormation invokes CDK's asset copier synchronously, as a custom resource.
      built.stateless.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))!.node.path,
    ].sort();
    expect(lambdaDlq).toEqual(synchronous);
    expect(acks.filter((a) => a.id === 'Serverless-SQSRedrivePolicy').map((a) => a.path)).toEqual([
      built.stateless.failedInvocations.parked.node.path,
    ]);
  });

  it('writes every acknowledgement, with its reason, into the template metadata for auditors', () => {
    const metadata = Object.values(stateless.toJSON().Resources as Record<string, { Metadata?: Record<string, unknown> }>)
      .map((r) => JSON.stringify(r.Metadata ?? {}))
      .filter((m) => m.includes('IAM5'));
    expect(metadata.length).toBeGreaterThan(0);
    expect(metadata.join()).toContain('do not support resource-level permissions');
    // Every acknowledged id on a resource is in that resource's template metadata, with its reason.
    const written = [stateful, stateless].flatMap((t) =>
      Object.values(
        t.toJSON().Resources as Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress?: { id: string; reason: string }[] } } }>,
      ).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []),
    );
    for (const ack of acks) expect(written).toContainEqual({ id: ack.id, reason: ack.reason });
    for (const entry of written) {
      expect(entry.reason.length).toBeGreaterThan(20);
      expect(entry.id).toMatch(ACKNOWLEDGEABLE);
    }
  });
});

describe('scheduled continual monitoring', () => {
  it('runs the monitor daily from an EventBridge rule, with retries and a dead-letter queue that itself cannot lose a run', () => {
    const monitorArn = { 'Fn::GetAtt': [fnResource('monitor').id, 'Arn'] };
    stateless.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: monitorArn,
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
    stateless.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: monitorArn,
    });
    const queues = stateless.findResources('AWS::SQS::Queue');
    const withRedrive = Object.values(queues).filter((q) => q.Properties?.RedrivePolicy);
    expect(withRedrive.length).toBeGreaterThanOrEqual(1);
  });

  it('lets the monitor list this state machine’s executions and describe them, and nothing wider', () => {
    const actions = actionsOf('monitor');
    expect(actions).toEqual(expect.arrayContaining(['states:ListExecutions', 'states:DescribeExecution']));
    expect(actions).not.toContain('states:StopExecution');
    expect(actions).not.toContain('states:StartExecution');
  });
});

describe('identity and access', () => {
  const routes = () =>
    Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')) as {
      Properties: { RouteKey: string; AuthorizationType: string; AuthorizerId: unknown };
    }[];
  const authorizers = () => stateless.findResources('AWS::ApiGatewayV2::Authorizer') as Record<string, { Properties: Record<string, unknown> }>;

  it('puts every service-owner and security-team route behind the JWT authorizer of the configured identity provider', () => {
    const [jwtId] = Object.entries(authorizers()).find(([, a]) => a.Properties.AuthorizerType === 'JWT')!;
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://identity.example.gov.uk', Audience: ['offshore-approvals'] },
    });
    const jwtKeys = new Set(apiRoutes.filter((r) => (r.auth ?? 'jwt') === 'jwt').map((r) => `${r.method} ${r.path}`));
    const jwtRoutes = routes().filter((r) => jwtKeys.has(r.Properties.RouteKey));
    expect(jwtRoutes.length).toBe(apiRoutes.filter((r) => (r.auth ?? 'jwt') === 'jwt').length);
    for (const route of jwtRoutes) expect(route.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: jwtId } });
    expect(jwtRoutes.map((r) => r.Properties.RouteKey)).toContain('POST /requests');
  });

  it("authorizes the approver's pages by the link token with an uncached Lambda authorizer", () => {
    const [linkId] = Object.entries(authorizers()).find(([, a]) => a.Properties.AuthorizerType === 'REQUEST')!;
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      IdentitySource: ['$request.querystring.token'],
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
      AuthorizerResultTtlInSeconds: 0,
    });
    const approverRoutes = routes().filter((r) => r.Properties.RouteKey.includes('/approvals/'));
    expect(approverRoutes.map((r) => r.Properties.RouteKey).sort()).toEqual(['GET /approvals/{approvalId}', 'POST /approvals/{approvalId}']);
    for (const route of approverRoutes) expect(route.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: linkId } });
  });

  it('lets the link authorizer read single items of the table and nothing else (no index, no query, no write)', () => {
    const roleId = logicalId(built.stateless.functions.authorizeApprovalLink!.role.node.defaultChild);
    const statements = (Object.values(stateless.findResources('AWS::IAM::Policy')) as Resource[])
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[]);
    const dynamo = statements.filter((st) => JSON.stringify(st.Action).includes('dynamodb:'));
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]).toMatchObject({ Action: 'dynamodb:GetItem', Resource: { 'Fn::ImportValue': expect.stringContaining('ApprovalsTable') } });
    const actions = actionsOf('authorizeApprovalLink');
    expect(actions.filter((a) => a.startsWith('states:') || a.startsWith('ses:'))).toEqual([]);
    expect(actions).not.toContain('kms:Encrypt');
  });

  it('warns, in an offline synth, that the identity provider is still the placeholder', () => {
    const warnings = built.stateless.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings.some((w) => w.includes('offshore:oidcIssuer is not set'))).toBe(true);
  });

  it('deploys both stacks to London unless offshore:region says otherwise', () => {
    expect([built.stateful.region, built.stateless.region]).toEqual(['eu-west-2', 'eu-west-2']);
  });

  it('lets only the decision handler and the approval branch step send task results, and only intake, the round-starting routes, the escalation and the pages start executions', () => {
    const holders = (action: string) =>
      catalogueEntries
        .filter(([key]) => actionsOf(key).includes(action))
        .map(([key]) => key)
        .sort();
    // The branch step answers its own task token when the outcome is already settled (lapsed, given, closed).
    expect(holders('states:SendTaskSuccess')).toEqual(['notifyApprover', 'recordDecision']);
    // The escalation starts the Departmental Head's endorsement as an execution of its own.
    // The pages submit, resubmit, add mitigations and escalate through the same use cases.
    // An exemption's round is the same workflow, started when it is asked for (Offshoring Policy, Compliance).
    expect(holders('states:StartExecution')).toEqual(
      ['addMitigations', 'escalateRequest', 'exemptionsApi', 'intake', 'pages', 'recordDecision', 'resubmitRequest'].sort(),
    );
  });
});

describe('data protection', () => {
  it('encrypts workflow execution data with a customer-managed, rotated key', () => {
    stateless.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      EncryptionConfiguration: { Type: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyId: Match.anyValue() },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
    });
    stateless.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts every log group with a key and keeps it for a limited time', () => {
    const groups = Object.values(stateless.findResources('AWS::Logs::LogGroup')) as { Properties: Record<string, unknown> }[];
    expect(groups.length).toBeGreaterThan(catalogueEntries.length);
    for (const group of groups) {
      expect(group.Properties.KmsKeyId).toBeDefined();
      expect(group.Properties.RetentionInDays).toBe(365);
    }
  });
});

describe('reliability', () => {
  const failed = () => built.stateless.failedInvocations;

  it('sends a scheduled function’s failed asynchronous invocations to the dead-letter queue, granting exactly what sending takes, and gives the others none', () => {
    const queueId = logicalId(failed().queue.node.defaultChild);
    const keyId = logicalId(failed().key.node.defaultChild);
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy')) as Resource[];
    expect(catalogueEntries.filter(([, spec]) => spec.schedule).map(([key]) => key)).toEqual(['monitor']);
    for (const [key, spec] of catalogueEntries) {
      const roleId = logicalId(built.stateless.functions[key]!.role.node.defaultChild);
      const statements = policies
        .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown; Condition?: unknown }[]);
      const onKey = statements.filter((st) => JSON.stringify(st.Resource) === JSON.stringify({ 'Fn::GetAtt': [keyId, 'Arn'] }));
      if (!spec.schedule) {
        // Invoked only synchronously: a dead-letter queue would never receive anything.
        expect(fnResource(key).resource.Properties.DeadLetterConfig).toBeUndefined();
        expect(JSON.stringify(statements)).not.toContain(queueId);
        expect(onKey).toEqual([]);
        continue;
      }
      expect(fnResource(key).resource.Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
      expect(statements).toContainEqual(expect.objectContaining({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } }));
      // The queue's key: two actions, and only in this queue's encryption context.
      expect(onKey).toEqual([
        {
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
          Condition: { StringEquals: { 'kms:EncryptionContext:aws:sqs:arn': expect.anything() } },
        },
      ]);
    }
  });

  it('encrypts the dead-letter queues with their own rotated customer-managed key, refuses plain HTTP, and parks what is received too often', () => {
    const keyId = logicalId(failed().key.node.defaultChild);
    const queues = Object.values(stateless.findResources('AWS::SQS::Queue')) as Resource[];
    expect(queues).toHaveLength(2);
    for (const queue of queues) {
      expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      expect(queue.Properties.SqsManagedSseEnabled).toBeUndefined();
      expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
    // One direction only: the queue to the parked queue (which names nothing, so it can be created first).
    expect(resourceOf(failed().queue).Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(failed().parked.node.defaultChild), 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(resourceOf(failed().parked).Properties.RedrivePolicy).toBeUndefined();
    expect(stateless.toJSON().Resources[keyId].Properties.EnableKeyRotation).toBe(true);
    const queuePolicies = Object.values(stateless.findResources('AWS::SQS::QueuePolicy')) as Resource[];
    expect(queuePolicies.length).toBeGreaterThanOrEqual(2);
    for (const policy of queuePolicies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('lets EventBridge and SNS use the queue key only for that queue, from this account', () => {
    const keyId = logicalId(failed().key.node.defaultChild);
    const statements = stateless.toJSON().Resources[keyId].Properties.KeyPolicy.Statement as {
      Principal: unknown;
      Action: unknown;
      Condition?: any;
    }[];
    for (const service of ['events.amazonaws.com', 'sns.amazonaws.com']) {
      const statement = statements.find((st) => JSON.stringify(st.Principal) === JSON.stringify({ Service: service }));
      expect(statement).toMatchObject({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'] });
      expect(Object.keys(statement!.Condition.StringEquals).sort()).toEqual(['aws:SourceAccount', 'kms:EncryptionContext:aws:sqs:arn']);
      expect(Object.keys(statement!.Condition.ArnLike)).toEqual(['aws:SourceArn']);
      expect(JSON.stringify(statement!.Condition.StringEquals['kms:EncryptionContext:aws:sqs:arn'])).toContain('-failed-invocations"');
    }
  });

  it('alarms on a waiting failed invocation and on email bounces', () => {
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Bounce', Namespace: 'AWS/SES', Threshold: 1 });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Reputation.BounceRate', Namespace: 'AWS/SES', Threshold: 0.05 });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' });
  });

  it('retries throttled SES and DynamoDB calls with backoff in the state machine', () => {
    const definition = readFileSync(path.resolve(import.meta.dirname, '../..', STATE_MACHINE_FILE), 'utf8');
    const asl = JSON.parse(definition) as { States: Record<string, unknown> };
    const retriers = JSON.stringify(asl);
    for (const error of ['ThrottlingException', 'ProvisionedThroughputExceededException', 'Lambda.TooManyRequestsException'])
      expect(retriers).toContain(error);
    expect(retriers).toContain('"BackoffRate":2');
  });

  it("passes the Serverless pack but for the two dead-letter rules that cannot apply, and CDK's asset copier's runtime and tracing", () => {
    const findings = rawNagFindings(built.app, { honourAcknowledgements: false, packs: ['Serverless'] });
    const provider = built.stateless.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))!.node.path;
    const onProject = findings.filter((f) => !f.constructPath.startsWith(`${provider}/`));
    expect([...new Set(onProject.map((f) => f.ruleName))].sort()).toEqual(['Serverless-LambdaDLQ', 'Serverless-SQSRedrivePolicy']);
    const onProvider = findings.filter((f) => f.constructPath.startsWith(`${provider}/`));
    expect([...new Set(onProvider.map((f) => f.ruleName))].sort()).toEqual([
      'Serverless-LambdaDLQ',
      'Serverless-LambdaLatestVersion',
      'Serverless-LambdaTracing',
    ]);
  });
});
