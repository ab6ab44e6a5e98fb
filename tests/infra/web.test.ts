import { beforeAll, describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { apiRoutes, lambdaFunctions, type FunctionSpec } from '../../functions/catalogue.ts';
import { ENV } from '../../functions/platform/config.ts';
import { buildApp, STACK_NAMES, type BuiltApp } from '../../infra/app-builder.ts';
import { checkCatalogue, projectCatalogue, type ServiceCatalogue } from '../../infra/service-catalogue.ts';
import { MANAGED_RULE_GROUPS } from '../../infra/stacks/web-acl-stack.ts';
import { acknowledgements } from './nag-helpers.ts';
import {
  ACCOUNT,
  dependencyCycle,
  deploymentContext,
  logicalIdOf,
  resourcesOf,
  roleStatements,
  SKIP_BUNDLING,
  written,
  type Resource,
} from './template-helpers.ts';

/**
 * The face of the service: CloudFront in front of the API and the assets bucket, AWS WAF on it,
 * the pages' routes without an API Gateway authorizer, and the pages' secrets.
 */

const entries = Object.entries(lambdaFunctions) as [string, FunctionSpec][];
const sessionRoutes = apiRoutes.filter((route) => route.auth === 'session');
const CERTIFICATE = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/0d3c6f5e-1b2a-4c3d-9e8f-7a6b5c4d3e2f`;

let built: BuiltApp;
let stateless: Template;
let stateful: Template;

beforeAll(() => {
  built = buildApp({ ...SKIP_BUNDLING }, { account: null });
  built.app.synth(); // under vitest, throws on any unacknowledged cdk-nag error
  stateless = Template.fromStack(built.stateless);
  stateful = Template.fromStack(built.stateful);
});

const distributionConfig = (template: Template) => {
  const distributions = Object.values(template.findResources('AWS::CloudFront::Distribution')) as Resource[];
  expect(distributions).toHaveLength(1);
  return distributions[0]!.Properties.DistributionConfig as Record<string, any>;
};
const variablesOf = (b: BuiltApp, template: Template, key: string) =>
  resourcesOf(template)[logicalIdOf(b.stateless.functions[key]!.function)]!.Properties.Environment.Variables as Record<string, unknown>;

describe('pages: routes with no API Gateway authorizer', () => {
  it('gives every session route no authorizer, and every other route one', () => {
    expect(sessionRoutes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['GET /', 'GET /sign-in/callback', 'GET /your-requests']),
    );
    const routes = Object.values(stateless.findResources('AWS::ApiGatewayV2::Route')) as Resource[];
    for (const route of apiRoutes) {
      const props = routes.find((r) => r.Properties.RouteKey === `${route.method} ${route.path}`)!.Properties;
      if (route.auth === 'session') {
        expect({ route: props.RouteKey, type: props.AuthorizationType, id: props.AuthorizerId }).toEqual({
          route: props.RouteKey,
          type: 'NONE',
          id: undefined,
        });
      } else {
        expect({ route: props.RouteKey, type: props.AuthorizationType }).toEqual({
          route: props.RouteKey,
          type: route.auth === 'approvalLink' ? 'CUSTOM' : 'JWT',
        });
      }
    }
  });

  it('acknowledges the missing API Gateway authorizer (APIG4) on the session routes and nowhere else', () => {
    const apig4 = acknowledgements(built.app).filter((a) => a.id === 'AwsSolutions-APIG4');
    expect(apig4).toHaveLength(sessionRoutes.length);
    for (const ack of apig4) expect(ack.reason).toMatch(/session cookie/);
  });

  it('refuses a session route whose function cannot read the session key', () => {
    const broken: ServiceCatalogue = {
      ...projectCatalogue,
      routes: [...projectCatalogue.routes, { method: 'GET', path: '/requests-page', function: 'getRequest', auth: 'session' }],
    };
    expect(() => checkCatalogue(broken)).toThrow(/GET \/requests-page is a session page, so function "getRequest" needs webSecrets/);
  });
});

describe("the pages' secrets", () => {
  const secretIds = () => ({ sessionKey: 'SessionKeySecret', clientSecret: 'OidcClientSecret', key: 'WebSecretsKey' });

  it('keeps them in the stateful stack under pinned logical ids, on their own rotated key: a generated session key and a client secret to set', () => {
    const resources = resourcesOf(stateful);
    const { sessionKey, clientSecret, key } = secretIds();
    expect(resources[key]).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
    for (const id of [sessionKey, clientSecret]) {
      expect(resources[id]).toMatchObject({
        Type: 'AWS::SecretsManager::Secret',
        DeletionPolicy: 'Retain',
        Properties: { KmsKeyId: { 'Fn::GetAtt': [key, 'Arn'] } },
      });
    }
    // 43 letters and digits: over 256 bits.
    expect(resources[sessionKey]!.Properties.GenerateSecretString).toMatchObject({
      ExcludePunctuation: true,
      IncludeSpace: false,
      PasswordLength: 43,
    });
  });

  it.each(entries)('%s: reads both secrets, and their key only through Secrets Manager, exactly when it needs webSecrets', (key, spec) => {
    const statements = roleStatements(stateless, logicalIdOf(built.stateless.functions[key]!.role));
    const secretStatements = statements.filter((st) => JSON.stringify(st.Action).includes('secretsmanager:'));
    const keyStatements = statements.filter((st) => written(st.Resource).includes('WebSecretsKey'));
    const variables = variablesOf(built, stateless, key);
    if (!spec.needs.webSecrets) {
      expect([secretStatements, keyStatements]).toEqual([[], []]);
      for (const name of [ENV.sessionKeyArn, ENV.oidcClientSecretArn, ENV.oidcIssuer, ENV.oidcClientId]) expect(variables[name]).toBeUndefined();
      return;
    }
    expect(secretStatements).toHaveLength(1);
    expect(secretStatements[0]!.Action).toBe('secretsmanager:GetSecretValue');
    expect(written(secretStatements[0]!.Resource)).toMatch(/SessionKeySecret.*OidcClientSecret/);
    expect(keyStatements).toEqual([
      expect.objectContaining({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-2.amazonaws.com' } } }),
    ]);
    expect(written(variables[ENV.sessionKeyArn])).toContain('SessionKeySecret');
    expect(written(variables[ENV.oidcClientSecretArn])).toContain('OidcClientSecret');
    expect(variables[ENV.oidcIssuer]).toBe('https://identity.example.gov.uk');
    // The client id is the audience unless set.
    expect(variables[ENV.oidcClientId]).toBe('offshore-approvals');
  });

  it('gives the pages the client id from offshore:oidcClientId when set', () => {
    const b = buildApp({ ...SKIP_BUNDLING, 'offshore:oidcClientId': 'offshore-approvals-web' }, { account: null });
    const key = entries.find(([, spec]) => spec.needs.webSecrets)![0];
    expect(variablesOf(b, Template.fromStack(b.stateless), key)[ENV.oidcClientId]).toBe('offshore-approvals-web');
  });
});

describe('CloudFront in front of everything', () => {
  it('sends every path but /assets/* to the HTTP API over HTTPS: nothing cached, every method, every viewer header but Host, every cookie and query string', () => {
    const config = distributionConfig(stateless);
    const apiId = logicalIdOf(built.stateless.api.httpApi);
    const origin = (config.Origins as any[]).find((o) => o.Id === config.DefaultCacheBehavior.TargetOriginId);
    expect(written(origin.DomainName)).toBe(`\${${apiId}}.execute-api.eu-west-2.amazonaws.com`);
    expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      // AWS managed policies: CachingDisabled, AllViewerExceptHostHeader.
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    });
  });

  it('serves /assets/* from the private bucket through origin access control, cached', () => {
    const config = distributionConfig(stateless);
    const [assets] = config.CacheBehaviors as any[];
    expect(config.CacheBehaviors).toHaveLength(1);
    expect(assets).toMatchObject({
      PathPattern: '/assets/*',
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD'],
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6', // CachingOptimized
    });
    const origin = (config.Origins as any[]).find((o) => o.Id === assets.TargetOriginId);
    const bucketId = logicalIdOf(built.stateless.web.assetsBucket);
    expect(origin.DomainName).toEqual({ 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] });
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Id'] });
    stateless.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    expect(resourcesOf(stateless)[bucketId]!.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('deploys the built assets under assets/: the hashed files cached for a year and immutable, the rest for a day', () => {
    const deployments = Object.values(stateless.findResources('Custom::CDKBucketDeployment')) as Resource[];
    expect(
      deployments.map((d) => [d.Properties.DestinationBucketKeyPrefix, d.Properties.Prune, d.Properties.SystemMetadata['cache-control']]).sort(),
    ).toEqual([
      ['assets/', false, 'public, max-age=31536000, immutable'],
      ['assets/', false, 'public, max-age=86400'],
    ]);
  });

  it("sets security headers on both behaviours, and a Content-Security-Policy only on the assets' (the pages send their own)", () => {
    const config = distributionConfig(stateless);
    const policies = resourcesOf(stateless);
    const headersOf = (behaviour: any) =>
      policies[behaviour.ResponseHeadersPolicyId.Ref]!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const api = headersOf(config.DefaultCacheBehavior);
    const assets = headersOf((config.CacheBehaviors as any[])[0]);
    for (const headers of [api, assets]) {
      expect(headers).toMatchObject({
        StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true, Override: true },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
      });
    }
    expect(api.ContentSecurityPolicy).toBeUndefined();
    expect(assets.ContentSecurityPolicy.ContentSecurityPolicy).toContain("default-src 'none'");
  });

  it('logs the distribution (without cookies) and the assets bucket to a logs bucket kept for a year', () => {
    const config = distributionConfig(stateless);
    const logsId = logicalIdOf(built.stateless.web.logsBucket);
    expect(config.Logging).toEqual({ Bucket: { 'Fn::GetAtt': [logsId, 'RegionalDomainName'] }, IncludeCookies: false, Prefix: 'distribution/' });
    const resources = resourcesOf(stateless);
    expect(resources[logicalIdOf(built.stateless.web.assetsBucket)]!.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsId },
      LogFilePrefix: 'assets-bucket/',
    });
    expect(resources[logsId]!.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ ExpirationInDays: 365, Status: 'Enabled' }),
    ]);
  });

  it("gives every function the distribution's URL as PUBLIC_BASE_URL, with no dependency cycle (the distribution names only the API)", () => {
    const distributionId = logicalIdOf(built.stateless.web.distribution);
    for (const [key] of entries)
      expect(written(variablesOf(built, stateless, key)[ENV.publicBaseUrl])).toBe(`https://\${${distributionId}.DomainName}`);
    expect(dependencyCycle(stateless)).toBeUndefined();
  });
});

describe('AWS WAF', () => {
  it('has a CLOUDFRONT web ACL in its own us-east-1 stack, with the AWS managed rule groups and a rate limit per address', () => {
    expect(built.webAcl.stackName).toBe(STACK_NAMES.webAcl);
    expect(built.webAcl.region).toBe('us-east-1');
    const acl = Template.fromStack(built.webAcl);
    const [webAcl] = Object.values(acl.findResources('AWS::WAFv2::WebACL')) as Resource[];
    expect(webAcl!.Properties).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    const rules = webAcl!.Properties.Rules as any[];
    expect(rules.filter((r) => r.Statement.ManagedRuleGroupStatement).map((r) => r.Statement.ManagedRuleGroupStatement)).toEqual(
      ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet'].map((name) => ({
        VendorName: 'AWS',
        Name: name,
      })),
    );
    expect(MANAGED_RULE_GROUPS).toHaveLength(3);
    for (const rule of rules.filter((r) => r.Statement.ManagedRuleGroupStatement)) expect(rule.OverrideAction).toEqual({ None: {} });
    const rate = rules.find((r) => r.Statement.RateBasedStatement);
    expect(rate).toMatchObject({ Action: { Block: {} }, Statement: { RateBasedStatement: { AggregateKeyType: 'IP', EvaluationWindowSec: 300 } } });
    expect(new Set(rules.map((r) => r.Priority)).size).toBe(rules.length);
  });

  it("attaches it to the distribution: the web ACL's ARN, carried from us-east-1 by CDK's cross-region reference", () => {
    const config = distributionConfig(stateless);
    const [readerId, attribute] = config.WebACLId['Fn::GetAtt'] as [string, string];
    expect(resourcesOf(stateless)[readerId]!.Type).toBe('Custom::CrossRegionExportReader');
    const writer = Object.values(Template.fromStack(built.webAcl).findResources('Custom::CrossRegionExportWriter')) as Resource[];
    expect(writer).toHaveLength(1);
    expect(writer[0]!.Properties.WriterProps).toEqual({ region: 'eu-west-2', exports: { [attribute]: { 'Fn::GetAtt': ['WebAcl', 'Arn'] } } });
    expect(built.stateless.dependencies.map((s) => s.stackName)).toContain(STACK_NAMES.webAcl);
  });
});

describe('a custom domain', () => {
  it('puts the domain and its certificate (TLS 1.2 at least) on the distribution, and makes it the public base URL', () => {
    const { 'offshore:publicBaseUrl': _url, ...context } = deploymentContext();
    const b = buildApp(
      { ...SKIP_BUNDLING, ...context, 'offshore:domainName': 'offshoring.service.justice.gov.uk', 'offshore:certificateArn': CERTIFICATE },
      { account: ACCOUNT },
    );
    b.app.synth(); // cdk-nag: a custom domain needs no acknowledgement for the viewer TLS policy
    const template = Template.fromStack(b.stateless);
    const config = distributionConfig(template);
    expect(config.Aliases).toEqual(['offshoring.service.justice.gov.uk']);
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: CERTIFICATE,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    for (const [key] of entries) expect(variablesOf(b, template, key)[ENV.publicBaseUrl]).toBe('https://offshoring.service.justice.gov.uk');
    expect(acknowledgements(b.app).filter((a) => a.id === 'AwsSolutions-CFR4')).toEqual([]);
  });

  it("without one, uses CloudFront's own domain and acknowledges its fixed TLS policy", () => {
    expect(distributionConfig(stateless).Aliases).toBeUndefined();
    expect(
      acknowledgements(built.app)
        .filter((a) => a.id === 'AwsSolutions-CFR4')
        .map((a) => a.path),
    ).toEqual([built.stateless.web.distribution.node.path]);
  });

  it('refuses a domain without its certificate, and a certificate outside us-east-1', () => {
    expect(() => buildApp({ ...SKIP_BUNDLING, 'offshore:domainName': 'offshoring.service.justice.gov.uk' }, { account: null })).toThrow(
      /offshore:domainName and offshore:certificateArn go together/,
    );
    expect(() =>
      buildApp(
        {
          ...SKIP_BUNDLING,
          'offshore:domainName': 'offshoring.service.justice.gov.uk',
          'offshore:certificateArn': CERTIFICATE.replace('us-east-1', 'eu-west-2'),
        },
        { account: null },
      ),
    ).toThrow(/not an ACM certificate ARN in us-east-1/);
  });
});
