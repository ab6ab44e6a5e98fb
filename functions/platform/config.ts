/**
 * Every setting a handler reads, by environment variable name. CDK sets these on the Lambdas;
 * local mode sets them for the in-process handlers. One list, so neither side invents a name.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** Approver directory as JSON, or gzipped JSON in base64 (as the synth sets it); when unset the bundled config/approver-directory.json is used. */
  approverDirectory: 'APPROVER_DIRECTORY',
  /** The sender's address (on AWS, the SES identity's). */
  emailFrom: 'EMAIL_FROM',
  /** The name mail clients show for the sender. */
  emailFromName: 'EMAIL_FROM_NAME',
  /** Where replies go; the sender's address when unset. */
  emailReplyTo: 'EMAIL_REPLY_TO',
  /** Base URL that approver links and service-owner links are built on (the API's public URL). */
  publicBaseUrl: 'PUBLIC_BASE_URL',
  /** Approval timeline (seconds); defaults 7, 14 and 28 days. Local mode shortens them to run a timeline in seconds. */
  reminderAfterSeconds: 'REMINDER_AFTER_SECONDS',
  chaseAfterSeconds: 'CHASE_AFTER_SECONDS',
  /** The earlier name of CHASE_AFTER_SECONDS, still read when that is unset. */
  escalateAfterSeconds: 'ESCALATE_AFTER_SECONDS',
  lapseAfterSeconds: 'LAPSE_AFTER_SECONDS',
  /** The identity-provider group whose members are the security team (read everything, run monitoring, record reviews). */
  securityTeamGroup: 'SECURITY_TEAM_GROUP',
  /** Where suspected personal-data breaches and information security incidents are reported (Offshoring Policy, Policy); the policy's addresses when unset. */
  dpoEmail: 'DPO_EMAIL',
  operationalSecurityEmail: 'OPERATIONAL_SECURITY_EMAIL',
  /** Sign-in to the pages (OpenID Connect, authorization code with PKCE): the identity provider's issuer and this service's client id there. */
  oidcIssuer: 'OIDC_ISSUER',
  oidcClientId: 'OIDC_CLIENT_ID',
  /** The client's secret at the identity provider: in Secrets Manager on AWS (its ARN), plain locally. */
  oidcClientSecretArn: 'OIDC_CLIENT_SECRET_ARN',
  oidcClientSecret: 'OIDC_CLIENT_SECRET',
  /** 32 random bytes (base64url) that encrypt the session cookie: in Secrets Manager on AWS (its ARN), plain locally. */
  sessionKeyArn: 'SESSION_KEY_ARN',
  sessionKey: 'SESSION_KEY',
  /** Local mode only: endpoints of the local stand-ins. Unset on AWS. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  sesEndpoint: 'SES_ENDPOINT',
  stepFunctionsEndpoint: 'STEPFUNCTIONS_ENDPOINT',
} as const;

export const DEFAULT_EMAIL_FROM = 'offshore-approvals@example.gov.uk';
/** How every email's sender reads in a mail client, unless EMAIL_FROM_NAME says otherwise. */
export const DEFAULT_EMAIL_FROM_NAME = 'MoJ Offshore approvals';

/** The identity-provider group of the security team, unless SECURITY_TEAM_GROUP says otherwise. */
export const DEFAULT_SECURITY_TEAM_GROUP = 'offshore-security';

export type EnvName = (typeof ENV)[keyof typeof ENV];

export function env(name: EnvName, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') {
    throw new Error(`Missing configuration: environment variable ${name} is not set`);
  }
  return value;
}

export function optionalEnv(name: EnvName, from: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = from[name];
  return value === undefined || value === '' ? undefined : value;
}
