import { DEFAULT_SECURITY_TEAM_GROUP } from '../functions/shared/config.ts';
import type { Construct } from 'constructs';
import { parseApproverDirectory } from '../functions/shared/directory.ts';

/**
 * Deployment settings, read from CDK context (cdk.json, or `cdk deploy -c offshore:emailFrom=...`).
 * An empty string means "not set", so cdk.json can list every key with its default.
 */
export const CONTEXT_KEYS = {
  /** Sender address; the stateful stack creates (and SES verifies) an email identity for it. */
  emailFrom: 'offshore:emailFrom',
  /** Optional Reply-To for every email the service sends. */
  emailReplyTo: 'offshore:emailReplyTo',
  /** Optional public base URL for links in emails (a custom domain). Defaults to the HTTP API's URL. */
  publicBaseUrl: 'offshore:publicBaseUrl',
  /** Optional security team address (continual-monitoring digest); no handler reads it yet. */
  securityTeamEmail: 'offshore:securityTeamEmail',
  /** Optional address subscribed to the operational alarms topic. */
  alarmEmail: 'offshore:alarmEmail',
  /** Optional approver directory (a JSON string or object); overrides config/approver-directory.json. */
  approverDirectory: 'offshore:approverDirectory',
  /** The department's OIDC identity provider: token issuer (https URL) and audience (client id). */
  oidcIssuer: 'offshore:oidcIssuer',
  oidcAudience: 'offshore:oidcAudience',
  /** Identity-provider group whose members are the security team. */
  securityTeamGroup: 'offshore:securityTeamGroup',
  /**
   * `true` lets a synth that targets an AWS account (every `cdk deploy`) use the placeholder issuer
   * when `offshore:oidcIssuer` is unset: a deployment on which no one can sign in (approver links
   * still work). For a throwaway sandbox only.
   */
  allowExampleIdentityProvider: 'offshore:allowExampleIdentityProvider',
  /** The AWS region of both stacks. The data is OFFICIAL-SENSITIVE: keep it in the UK. */
  region: 'offshore:region',
} as const;

export const DEFAULT_EMAIL_FROM = 'offshore-approvals@example.gov.uk';

/** Lambda caps all environment variables of a function at 4 KB together; leave room for the others. */
const MAX_APPROVER_DIRECTORY_BYTES = 3_000;

export interface DeploymentSettings {
  readonly emailFrom: string;
  readonly emailReplyTo?: string;
  readonly publicBaseUrl?: string;
  readonly securityTeamEmail?: string;
  readonly alarmEmail?: string;
  /** Minified, already validated against the directory schema. */
  readonly approverDirectoryJson?: string;
  readonly oidcIssuer: string;
  readonly oidcAudience: string;
  /** True while `oidcIssuer` is the placeholder (only ever when nothing will be deployed, or explicitly allowed). */
  readonly oidcIssuerIsExample: boolean;
  readonly securityTeamGroup: string;
  readonly region: string;
}

/** Placeholders until the department's identity provider is configured: tokens from nowhere match them. */
export const EXAMPLE_OIDC_ISSUER = 'https://identity.example.gov.uk';
export const DEFAULT_OIDC_AUDIENCE = 'offshore-approvals';
/** London: the only UK AWS region. */
export const DEFAULT_REGION = 'eu-west-2';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function text(scope: Construct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`Context ${key} must be a string, got ${JSON.stringify(value)}`);
  return value.trim() === '' ? undefined : value.trim();
}

function email(scope: Construct, key: string): string | undefined {
  const value = text(scope, key);
  if (value !== undefined && !EMAIL.test(value)) throw new Error(`Context ${key} is not an email address: "${value}"`);
  return value;
}

function baseUrl(scope: Construct, key: string): string | undefined {
  const value = text(scope, key);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`Context ${key} is not a URL: "${value}"`);
  }
  // Approval links carry one-time tokens: never over plain HTTP.
  if (url.protocol !== 'https:') throw new Error(`Context ${key} must be an https:// URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}

function flag(scope: Construct, key: string): boolean {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '' || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`Context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

function region(scope: Construct, key: string): string | undefined {
  const value = text(scope, key);
  if (value !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(value)) throw new Error(`Context ${key} is not an AWS region: "${value}"`);
  return value;
}

function approverDirectory(scope: Construct, key: string): string | undefined {
  const raw: unknown = scope.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch (error) {
    throw new Error(`Context ${key} is not valid JSON: ${(error as Error).message}`);
  }
  // Fail the synth, not the first cold start, on a directory the handlers would refuse.
  const json = JSON.stringify(parseApproverDirectory(parsed));
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_APPROVER_DIRECTORY_BYTES) {
    throw new Error(
      `Context ${key} is ${bytes} bytes minified; Lambda allows 4 KB of environment variables in all, so keep it under ` +
        `${MAX_APPROVER_DIRECTORY_BYTES} bytes (or edit config/approver-directory.json, which is bundled instead).`,
    );
  }
  return json;
}

export interface ReadSettingsOptions {
  /**
   * The account the stacks are synthesized for. The CDK CLI sets it (CDK_DEFAULT_ACCOUNT) whenever
   * it has credentials, which every `cdk deploy` has; an offline synth (CI) has none.
   */
  readonly account?: string;
}

/** Reads and validates every `offshore:*` context value; throws on the first invalid one. */
export function readSettings(scope: Construct, options: ReadSettingsOptions = {}): DeploymentSettings {
  const oidcIssuer = baseUrl(scope, CONTEXT_KEYS.oidcIssuer) ?? EXAMPLE_OIDC_ISSUER;
  const oidcIssuerIsExample = oidcIssuer === EXAMPLE_OIDC_ISSUER;
  const allowExample = flag(scope, CONTEXT_KEYS.allowExampleIdentityProvider);
  // A deployment must name the department's identity provider: refuse the placeholder whenever the
  // synth is for an account, unless explicitly allowed. An offline synth keeps working (with a warning).
  if (oidcIssuerIsExample && options.account !== undefined && !allowExample) {
    throw new Error(
      `Context ${CONTEXT_KEYS.oidcIssuer} is not set, so service owners and the security team could never sign in. ` +
        `Set it to the department's OIDC issuer (https://…) and ${CONTEXT_KEYS.oidcAudience} to this service's client id, ` +
        `in cdk.json or with -c ${CONTEXT_KEYS.oidcIssuer}=https://… ` +
        `(for a throwaway sandbox only: -c ${CONTEXT_KEYS.allowExampleIdentityProvider}=true).`,
    );
  }
  return {
    emailFrom: email(scope, CONTEXT_KEYS.emailFrom) ?? DEFAULT_EMAIL_FROM,
    emailReplyTo: email(scope, CONTEXT_KEYS.emailReplyTo),
    publicBaseUrl: baseUrl(scope, CONTEXT_KEYS.publicBaseUrl),
    securityTeamEmail: email(scope, CONTEXT_KEYS.securityTeamEmail),
    alarmEmail: email(scope, CONTEXT_KEYS.alarmEmail),
    approverDirectoryJson: approverDirectory(scope, CONTEXT_KEYS.approverDirectory),
    oidcIssuer,
    oidcAudience: text(scope, CONTEXT_KEYS.oidcAudience) ?? DEFAULT_OIDC_AUDIENCE,
    oidcIssuerIsExample,
    securityTeamGroup: text(scope, CONTEXT_KEYS.securityTeamGroup) ?? DEFAULT_SECURITY_TEAM_GROUP,
    region: region(scope, CONTEXT_KEYS.region) ?? DEFAULT_REGION,
  };
}
