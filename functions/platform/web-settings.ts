import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ENV, optionalEnv } from './config.ts';

/**
 * What the pages' sign-in needs: the identity provider's issuer, this service's client there, and
 * the key that encrypts session cookies. On AWS the two secrets come from Secrets Manager (the
 * function has their ARNs and read access; Powertools caches them for five minutes); locally they
 * are plain settings. Read on first use, so functions that render no page never fetch them.
 */
export interface WebSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Key material of at least 32 bytes; the session cipher derives its key from it. */
  sessionKey: string;
}

export type WebSettingsSource = () => Promise<WebSettings>;

async function secretOrPlain(
  arnName: (typeof ENV)['oidcClientSecretArn' | 'sessionKeyArn'],
  plainName: (typeof ENV)['oidcClientSecret' | 'sessionKey'],
) {
  const arn = optionalEnv(arnName);
  if (arn) {
    const value = await getSecret(arn, { maxAge: 300 });
    if (typeof value !== 'string' || value === '') throw new Error(`The secret named by ${arnName} is empty: put its value in Secrets Manager`);
    return value;
  }
  const plain = optionalEnv(plainName);
  if (!plain) throw new Error(`Missing configuration: set ${arnName} (a Secrets Manager secret) or ${plainName}`);
  return plain;
}

export const webSettingsFromEnvironment: WebSettingsSource = async () => {
  const issuer = optionalEnv(ENV.oidcIssuer);
  const clientId = optionalEnv(ENV.oidcClientId);
  if (!issuer || !clientId) throw new Error(`Missing configuration: ${ENV.oidcIssuer} and ${ENV.oidcClientId} must be set for sign-in`);
  const [clientSecret, sessionKey] = await Promise.all([
    secretOrPlain(ENV.oidcClientSecretArn, ENV.oidcClientSecret),
    secretOrPlain(ENV.sessionKeyArn, ENV.sessionKey),
  ]);
  return { issuer, clientId, clientSecret, sessionKey };
};
