import { readFileSync } from 'node:fs';
import { DEFAULT_SECURITY_TEAM_GROUP } from '../functions/platform/config.ts';
import type { Construct } from 'constructs';
import { encodeApproverDirectory, parseApproverDirectory, type ApproverDirectory } from '../functions/platform/directory.ts';
import { fromRepoRoot } from './paths.ts';

/**
 * Deployment settings, read from CDK context (cdk.json, or `cdk deploy -c offshore:emailFrom=...`).
 * An empty string means "not set", so cdk.json can list every key with its default.
 */
export const CONTEXT_KEYS = {
  /**
   * Sender address. Without emailDomain, the stateful stack creates (and SES verifies, by a link
   * emailed to it) an email-address identity for it.
   */
  emailFrom: 'offshore:emailFrom',
  /**
   * The sender's domain: the stateful stack creates a domain identity for it, with Easy DKIM and a
   * custom MAIL FROM domain, so mail from it passes DMARC. emailFrom must be on it.
   */
  emailDomain: 'offshore:emailDomain',
  /** The custom MAIL FROM (bounce) domain, a subdomain of emailDomain; `bounce.<emailDomain>` unless set. */
  mailFromDomain: 'offshore:mailFromDomain',
  /** Optional Reply-To for every email the service sends. */
  emailReplyTo: 'offshore:emailReplyTo',
  /** Optional public base URL for links in emails and the sign-in redirect. Defaults to https://<offshore:domainName>, else the CloudFront distribution's URL. */
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
  /** This service's client id at the identity provider, for the pages' sign-in; the audience unless set. */
  oidcClientId: 'offshore:oidcClientId',
  /**
   * Optional custom domain of the CloudFront distribution (pages, links, assets) and the ARN of its
   * ACM certificate, which CloudFront requires in us-east-1. Both or neither.
   */
  domainName: 'offshore:domainName',
  certificateArn: 'offshore:certificateArn',
  /** Identity-provider group whose members are the security team. */
  securityTeamGroup: 'offshore:securityTeamGroup',
  /** Where breaches and incidents are reported (DPO_EMAIL, OPERATIONAL_SECURITY_EMAIL); the Offshoring Policy's addresses when unset. */
  dpoEmail: 'offshore:dpoEmail',
  operationalSecurityEmail: 'offshore:operationalSecurityEmail',
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
/** The directory bundled into every function when offshore:approverDirectory is unset. */
export const BUNDLED_APPROVER_DIRECTORY = 'config/approver-directory.json';

/**
 * Lambda caps all environment variables of a function at 4 KB together; leave room for the others.
 * The cap is on APPROVER_DIRECTORY as set: encoded (encodeApproverDirectory).
 */
export const MAX_APPROVER_DIRECTORY_BYTES = 3_000;

export interface DeploymentSettings {
  readonly emailFrom: string;
  /** The sender's domain identity (Easy DKIM) and its MAIL FROM domain; unset for an email-address identity. */
  readonly emailDomain?: { readonly name: string; readonly mailFrom: string };
  readonly emailReplyTo?: string;
  readonly publicBaseUrl?: string;
  readonly securityTeamEmail?: string;
  readonly alarmEmail?: string;
  /** APPROVER_DIRECTORY: the context's directory, validated against the directory schema, encoded (encodeApproverDirectory). */
  readonly approverDirectoryEnvironment?: string;
  /**
   * Addresses on placeholder domains: the sender's, and the directory's (the bundled one when
   * offshore:approverDirectory is unset). Only ever non-empty when nothing will be deployed.
   */
  readonly placeholderAddresses: { readonly sender: boolean; readonly directory: readonly string[] };
  readonly oidcIssuer: string;
  readonly oidcAudience: string;
  /** The pages' OpenID Connect client id (OIDC_CLIENT_ID). */
  readonly oidcClientId: string;
  /** The distribution's custom domain and its us-east-1 ACM certificate; unset for CloudFront's own domain. */
  readonly customDomain?: { readonly name: string; readonly certificateArn: string };
  /** True while `oidcIssuer` is the placeholder (only ever when nothing will be deployed, or explicitly allowed). */
  readonly oidcIssuerIsExample: boolean;
  readonly securityTeamGroup: string;
  /** Set only when configured: the functions then use the policy's addresses. */
  readonly dpoEmail?: string;
  readonly operationalSecurityEmail?: string;
  readonly region: string;
}

/** Placeholders until the department's identity provider is configured: tokens from nowhere match them. */
export const EXAMPLE_OIDC_ISSUER = 'https://identity.example.gov.uk';
export const DEFAULT_OIDC_AUDIENCE = 'offshore-approvals';
/** London: the only UK AWS region. */
export const DEFAULT_REGION = 'eu-west-2';
/** The AWS regions in the UK: every region AWS has there (London is the only one). */
export const UK_REGIONS: readonly string[] = ['eu-west-2'];

/**
 * Offshoring Policy, Definition of Offshoring: data stored or processed outside the UK is offshored.
 * The service's own data (requests, approvals, the register: OFFICIAL-SENSITIVE) is kept by the
 * stateful and stateless stacks, so both are refused outside a UK region. The one exception is the
 * web ACL stack in us-east-1: CloudFront takes its AWS WAF web ACL only from there, and it holds
 * rules, never the service's data (infra/README.md, "CloudFront and AWS WAF").
 */
export function assertUkRegion(stack: string, region: string): void {
  if (!UK_REGIONS.includes(region)) {
    throw new Error(
      `${stack} would deploy to ${region}, outside the UK: the service's own data must stay in the UK (Offshoring Policy, Definition of Offshoring). ` +
        `Set ${CONTEXT_KEYS.region} to ${UK_REGIONS.join(' or ')} (London), or leave it unset.`,
    );
  }
}

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

/** An https:// URL, exactly as configured. */
function httpsUrl(scope: Construct, key: string): string | undefined {
  const value = text(scope, key);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`Context ${key} is not a URL: "${value}"`);
  }
  // Approval links carry one-time tokens, and tokens are only fetched from a TLS issuer: never plain HTTP.
  if (url.protocol !== 'https:') throw new Error(`Context ${key} must be an https:// URL, got "${value}"`);
  return value;
}

/** An https:// URL that paths are appended to: without its trailing slash. */
function baseUrl(scope: Construct, key: string): string | undefined {
  return httpsUrl(scope, key)?.replace(/\/+$/, '');
}

/**
 * Domains no one receives mail for: the reserved top-level names (RFC 2606, RFC 6762's `.local`)
 * and any domain with an `example` label (example.com, the placeholder example.gov.uk).
 */
export function isPlaceholderAddress(address: string): boolean {
  const labels = (address.split('@').pop() ?? '').toLowerCase().split('.');
  return ['example', 'invalid', 'local', 'localhost', 'test'].includes(labels.at(-1) ?? '') || labels.includes('example');
}

/** Every `email` in a parsed approver directory. */
function addressesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(addressesIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, v]) => (key === 'email' && typeof v === 'string' ? [v] : addressesIn(v)));
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

function domain(scope: Construct, key: string): string | undefined {
  const value = text(scope, key)?.toLowerCase();
  if (value !== undefined && !DOMAIN.test(value)) throw new Error(`Context ${key} is not a domain name: "${value}"`);
  return value;
}

const isWithin = (name: string, parent: string) => name === parent || name.endsWith(`.${parent}`);

/** The sender's domain identity, checked against the sender's address. */
function emailDomain(scope: Construct, emailFrom: string): DeploymentSettings['emailDomain'] {
  const name = domain(scope, CONTEXT_KEYS.emailDomain);
  const mailFromSetting = domain(scope, CONTEXT_KEYS.mailFromDomain);
  if (name === undefined) {
    if (mailFromSetting !== undefined)
      throw new Error(`Context ${CONTEXT_KEYS.mailFromDomain} needs ${CONTEXT_KEYS.emailDomain}: a MAIL FROM domain belongs to a domain identity`);
    return undefined;
  }
  const senderDomain = (emailFrom.split('@').pop() ?? '').toLowerCase();
  // SES sends from any address on a verified domain or its subdomains; DKIM then aligns with the From domain.
  if (!isWithin(senderDomain, name)) {
    throw new Error(
      `Context ${CONTEXT_KEYS.emailFrom} ("${emailFrom}") is not on ${CONTEXT_KEYS.emailDomain} ("${name}"): set the sender to an address on that domain`,
    );
  }
  const mailFrom = mailFromSetting ?? `bounce.${name}`;
  // SES: the MAIL FROM domain is a subdomain of the identity's domain, and not one mail is sent from.
  if (!mailFrom.endsWith(`.${name}`) || mailFrom === senderDomain) {
    throw new Error(
      `Context ${CONTEXT_KEYS.mailFromDomain} ("${mailFrom}") must be a subdomain of ${name} that mail is not sent from (e.g. bounce.${name})`,
    );
  }
  return { name, mailFrom };
}

/** An ACM certificate for CloudFront: only certificates in us-east-1 can be attached to a distribution. */
const CLOUDFRONT_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/;

function customDomain(scope: Construct): DeploymentSettings['customDomain'] {
  const name = domain(scope, CONTEXT_KEYS.domainName);
  const certificateArn = text(scope, CONTEXT_KEYS.certificateArn);
  if (name === undefined && certificateArn === undefined) return undefined;
  if (name === undefined || certificateArn === undefined)
    throw new Error(`Context ${CONTEXT_KEYS.domainName} and ${CONTEXT_KEYS.certificateArn} go together: set both, or neither`);
  if (!CLOUDFRONT_CERTIFICATE_ARN.test(certificateArn)) {
    throw new Error(
      `Context ${CONTEXT_KEYS.certificateArn} ("${certificateArn}") is not an ACM certificate ARN in us-east-1: CloudFront only uses certificates from that region`,
    );
  }
  return { name, certificateArn };
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

function approverDirectory(scope: Construct, key: string): { directory: ApproverDirectory; environment: string } | undefined {
  const raw: unknown = scope.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch (error) {
    throw new Error(`Context ${key} is not valid JSON: ${(error as Error).message}`);
  }
  // Fail the synth, not the first cold start, on a directory the handlers would refuse.
  const directory = parseApproverDirectory(parsed);
  const environment = encodeApproverDirectory(directory);
  const bytes = Buffer.byteLength(environment, 'utf8');
  if (bytes > MAX_APPROVER_DIRECTORY_BYTES) {
    throw new Error(
      `Context ${key} is ${bytes} bytes encoded (gzipped, in base64; ${Buffer.byteLength(JSON.stringify(directory), 'utf8')} bytes minified); ` +
        `Lambda allows 4 KB of environment variables in all, so keep it at most ${MAX_APPROVER_DIRECTORY_BYTES} bytes encoded ` +
        `(or edit config/approver-directory.json, which is bundled instead).`,
    );
  }
  return { directory, environment };
}

export interface ReadSettingsOptions {
  /**
   * The account the stacks are synthesized for. The CDK CLI sets it (CDK_DEFAULT_ACCOUNT) whenever
   * it has credentials, which every `cdk deploy` has; an offline synth (CI) has none.
   */
  readonly account?: string;
}

/**
 * Reads and validates every `offshore:*` context value; throws on the first invalid one. A synth
 * for an account (every `cdk deploy`) also refuses the placeholders, listing every one to set.
 */
export function readSettings(scope: Construct, options: ReadSettingsOptions = {}): DeploymentSettings {
  // The issuer exactly as configured: API Gateway compares a token's `iss` with it character for
  // character, and some providers' issuers end in a slash (Entra v1, Auth0).
  const oidcIssuer = httpsUrl(scope, CONTEXT_KEYS.oidcIssuer) ?? EXAMPLE_OIDC_ISSUER;
  const oidcIssuerIsExample = oidcIssuer.replace(/\/+$/, '') === EXAMPLE_OIDC_ISSUER;
  const allowExample = flag(scope, CONTEXT_KEYS.allowExampleIdentityProvider);
  const emailFrom = email(scope, CONTEXT_KEYS.emailFrom) ?? DEFAULT_EMAIL_FROM;
  const sendingDomain = emailDomain(scope, emailFrom);
  const configuredDirectory = approverDirectory(scope, CONTEXT_KEYS.approverDirectory);
  const directoryAddresses = addressesIn(
    configuredDirectory?.directory ?? JSON.parse(readFileSync(fromRepoRoot(BUNDLED_APPROVER_DIRECTORY), 'utf8')),
  );
  const placeholderAddresses = { sender: isPlaceholderAddress(emailFrom), directory: [...new Set(directoryAddresses.filter(isPlaceholderAddress))] };

  // A deployment must name the department's identity provider, a sender SES can verify and approvers
  // who can receive mail: refuse the placeholders whenever the synth is for an account. An offline
  // synth (CI) keeps working, with warnings.
  if (options.account !== undefined) {
    const problems: string[] = [];
    if (oidcIssuerIsExample && !allowExample) {
      problems.push(
        `Context ${CONTEXT_KEYS.oidcIssuer} is not set, so service owners and the security team could never sign in. ` +
          `Set it to the department's OIDC issuer (https://…, exactly as its tokens' iss claim writes it) and ${CONTEXT_KEYS.oidcAudience} ` +
          `to this service's client id, in cdk.json or with -c ${CONTEXT_KEYS.oidcIssuer}=https://… ` +
          `(for a throwaway sandbox only: -c ${CONTEXT_KEYS.allowExampleIdentityProvider}=true).`,
      );
    }
    if (placeholderAddresses.sender) {
      problems.push(
        `Context ${CONTEXT_KEYS.emailFrom} is "${emailFrom}", an address on a placeholder domain that SES can never verify, so no email would ever be sent. ` +
          `Set it to the service's sender on the department's domain (-c ${CONTEXT_KEYS.emailFrom}=offshore-approvals@<domain>), ` +
          `and ${CONTEXT_KEYS.emailDomain}=<domain> to send with DKIM (see infra/README.md, "Sender").`,
      );
    }
    if (placeholderAddresses.directory.length > 0) {
      const source = configuredDirectory
        ? `Context ${CONTEXT_KEYS.approverDirectory}`
        : `The bundled approver directory (${BUNDLED_APPROVER_DIRECTORY})`;
      problems.push(
        `${source} names addresses on placeholder domains (${placeholderAddresses.directory.slice(0, 3).join(', ')}` +
          `${placeholderAddresses.directory.length > 3 ? `, and ${placeholderAddresses.directory.length - 3} more` : ''}): every approval email would bounce and every round end in ERROR. ` +
          `Set ${CONTEXT_KEYS.approverDirectory} to the department's directory (JSON, the schema of ${BUNDLED_APPROVER_DIRECTORY})` +
          `${configuredDirectory ? '' : ', or put the real addresses in that file'}.`,
      );
    }
    if (problems.length > 0) throw new Error(`This synth is for an AWS account (cdk deploy), and:\n  - ${problems.join('\n  - ')}`);
  }

  const oidcAudience = text(scope, CONTEXT_KEYS.oidcAudience) ?? DEFAULT_OIDC_AUDIENCE;
  return {
    emailFrom,
    emailDomain: sendingDomain,
    emailReplyTo: email(scope, CONTEXT_KEYS.emailReplyTo),
    publicBaseUrl: baseUrl(scope, CONTEXT_KEYS.publicBaseUrl),
    securityTeamEmail: email(scope, CONTEXT_KEYS.securityTeamEmail),
    alarmEmail: email(scope, CONTEXT_KEYS.alarmEmail),
    approverDirectoryEnvironment: configuredDirectory?.environment,
    placeholderAddresses,
    oidcIssuer,
    oidcAudience,
    oidcClientId: text(scope, CONTEXT_KEYS.oidcClientId) ?? oidcAudience,
    customDomain: customDomain(scope),
    oidcIssuerIsExample,
    securityTeamGroup: text(scope, CONTEXT_KEYS.securityTeamGroup) ?? DEFAULT_SECURITY_TEAM_GROUP,
    dpoEmail: email(scope, CONTEXT_KEYS.dpoEmail),
    operationalSecurityEmail: email(scope, CONTEXT_KEYS.operationalSecurityEmail),
    region: region(scope, CONTEXT_KEYS.region) ?? DEFAULT_REGION,
  };
}
