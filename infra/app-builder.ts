import { Annotations, App } from 'aws-cdk-lib';
import { addNagChecks } from './nag.ts';
import type { ServiceCatalogue } from './service-catalogue.ts';
import { BUNDLED_APPROVER_DIRECTORY, CONTEXT_KEYS, assertUkRegion, readSettings } from './settings.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack } from './stacks/stateless-stack.ts';
import { WebAclStack } from './stacks/web-acl-stack.ts';

/**
 * Context the app always starts from; cdk.json and `-c` override it. Here rather than in cdk.json
 * so that the tests, which build the app without the CLI, build the same thing.
 */
const BASE_CONTEXT: Record<string, unknown> = {
  // Exports (Fn::ImportValue) for the table and its key: CloudFormation then refuses any stateful
  // change that would pull them out from under the deployed functions. The sender is passed by plain
  // names instead (SenderReference), so changing it never waits on an export.
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
  // S3 server access logs are delivered under a bucket policy naming the logging service, not an ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
};

export const STACK_NAMES = {
  stateful: 'OffshoreApprovalsStateful',
  stateless: 'OffshoreApprovalsStateless',
  webAcl: 'OffshoreApprovalsWebAcl',
} as const;

/** AWS WAF takes a web ACL for CloudFront only in this region. */
export const CLOUDFRONT_WAF_REGION = 'us-east-1';

export interface BuildOptions {
  /** @default projectCatalogue */
  readonly catalogue?: ServiceCatalogue;
  /** Cloud assembly directory. @default the CLI's, or a temporary directory */
  readonly outdir?: string;
  /**
   * The AWS account to synthesize for; `null` for none (an environment-agnostic, offline synth).
   * With an account, the placeholder identity provider is refused (see infra/README.md).
   * @default process.env.CDK_DEFAULT_ACCOUNT: the CDK CLI sets it whenever it has credentials
   */
  readonly account?: string | null;
}

export interface BuiltApp {
  readonly app: App;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
  readonly webAcl: WebAclStack;
}

/**
 * The one way the app is built: infra/app.ts (the CDK CLI) and tests/infra both call this.
 * `context` adds to (and overrides) what cdk.json and `-c` give the CLI.
 */
export function buildApp(context?: Record<string, unknown>, options: BuildOptions = {}): BuiltApp {
  const app = new App({ context: { ...BASE_CONTEXT, ...context }, outdir: options.outdir });
  const account = (options.account === undefined ? process.env.CDK_DEFAULT_ACCOUNT : options.account) || undefined;
  const settings = readSettings(app, { account });
  // The region comes from offshore:region (default London), never from the CLI's profile: a
  // profile set to another region must not quietly put OFFICIAL-SENSITIVE data outside the UK.
  const env = { account, region: settings.region };
  // The stacks that keep the service's data stay in the UK; only the web ACL stack (rules, no data) is elsewhere.
  for (const stack of [STACK_NAMES.stateful, STACK_NAMES.stateless]) assertUkRegion(stack, env.region);

  const stateful = new StatefulStack(app, STACK_NAMES.stateful, {
    env,
    settings,
    description: 'Offshore approvals: data (DynamoDB table, KMS key) and the SES sender identity. Retained.',
  });
  // Rules only, no data: the one stack outside offshore:region, because CloudFront takes its web ACL from there.
  const webAcl = new WebAclStack(app, STACK_NAMES.webAcl, {
    env: { account, region: CLOUDFRONT_WAF_REGION },
    crossRegionReferences: true,
    description: 'Offshore approvals: the AWS WAF web ACL of the CloudFront distribution (us-east-1, as CloudFront requires).',
  });
  const stateless = new StatelessStack(app, STACK_NAMES.stateless, {
    env,
    settings,
    // The web ACL's ARN comes from us-east-1: CDK carries it in an SSM parameter it writes in this region.
    crossRegionReferences: true,
    table: stateful.table,
    sender: stateful.sender.reference,
    webSecrets: stateful.webSecrets,
    webAclArn: webAcl.webAclArn,
    catalogue: options.catalogue,
    description: 'Offshore approvals: functions, HTTP API, approval workflow, and the CloudFront distribution with the assets.',
  });

  if (settings.oidcIssuerIsExample) {
    Annotations.of(stateless).addWarningV2(
      'offshore:exampleIdentityProvider',
      `${CONTEXT_KEYS.oidcIssuer} is not set: the JWT authorizer trusts a placeholder issuer, so no one can sign in. ` +
        `A synth for an AWS account (every cdk deploy) refuses it unless it is set or ${CONTEXT_KEYS.allowExampleIdentityProvider} is true.`,
    );
  }
  // Only reached offline: a synth for an account refuses both (readSettings).
  if (settings.placeholderAddresses.sender) {
    Annotations.of(stateful).addWarningV2(
      'offshore:exampleSender',
      `${CONTEXT_KEYS.emailFrom} is the placeholder ${settings.emailFrom}: SES could never verify it. A synth for an AWS account refuses it.`,
    );
  }
  if (settings.placeholderAddresses.directory.length > 0) {
    Annotations.of(stateless).addWarningV2(
      'offshore:exampleApproverDirectory',
      `The approver directory names placeholder addresses (${settings.placeholderAddresses.directory[0]}, …): no approval email would arrive. ` +
        `A synth for an AWS account refuses it until ${CONTEXT_KEYS.approverDirectory} (or ${BUNDLED_APPROVER_DIRECTORY}) has real addresses.`,
    );
  }

  addNagChecks(app);
  return { app, stateful, stateless, webAcl };
}
