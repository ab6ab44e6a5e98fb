import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { DEFAULT_SECURITY_TEAM_GROUP } from '../functions/platform/config.ts';

/**
 * Local stand-in for the department's identity provider. On AWS the HTTP API's JWT authorizer
 * verifies the provider's tokens; locally the API server verifies these development tokens (JWT,
 * HS256, signed with LOCAL_IDENTITY_SECRET) and hands the handlers the same claims, the same way.
 * They are for this machine only: nothing on AWS accepts them.
 */
export const DEV_ISSUER = 'offshore-approvals-local';
export const DEV_AUDIENCE = 'offshore-approvals';
export const DEFAULT_DEV_SECRET = 'local-development-only-not-a-secret';

/**
 * The secret and security-team group every local entry point uses (npm start, npm run token,
 * npm run monitor), so a token one of them mints is one the others accept.
 */
export function localIdentitySettings(env: NodeJS.ProcessEnv = process.env): { secret: string; securityTeamGroup: string } {
  return { secret: env.LOCAL_IDENTITY_SECRET || DEFAULT_DEV_SECRET, securityTeamGroup: env.SECURITY_TEAM_GROUP || DEFAULT_SECURITY_TEAM_GROUP };
}

export interface DevIdentity {
  email: string;
  name?: string;
  /** e.g. ['offshore-security'] for the security team. */
  groups?: string[];
  sub?: string;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const sign = (data: string, secret: string) => createHmac('sha256', secret).update(data).digest('base64url');

export function mintDevToken(identity: DevIdentity, secret = DEFAULT_DEV_SECRET, options: { now?: Date; ttlSeconds?: number } = {}): string {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const payload = {
    iss: DEV_ISSUER,
    aud: DEV_AUDIENCE,
    sub: identity.sub ?? `local-${identity.email.toLowerCase()}`,
    email: identity.email,
    ...(identity.name ? { name: identity.name } : {}),
    groups: identity.groups ?? [],
    iat,
    exp: iat + (options.ttlSeconds ?? 12 * 3600),
    jti: randomUUID(),
  };
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${unsigned}.${sign(unsigned, secret)}`;
}

/** The verified claims, or why the token is refused. */
export function verifyDevToken(
  token: string,
  secret = DEFAULT_DEV_SECRET,
  now = new Date(),
): { claims: Record<string, unknown> } | { refused: string } {
  const parts = token.split('.');
  if (parts.length !== 3) return { refused: 'not a JWT' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(`${header}.${payload}`, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { refused: 'bad signature' };
  let claims: Record<string, unknown>;
  try {
    if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'HS256') return { refused: 'unexpected algorithm' };
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  } catch {
    return { refused: 'unreadable token' };
  }
  if (claims.iss !== DEV_ISSUER || claims.aud !== DEV_AUDIENCE) return { refused: 'wrong issuer or audience' };
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now.getTime()) return { refused: 'expired' };
  return { claims };
}

/** Claims as API Gateway's JWT authorizer passes them: strings, arrays as "[a b]". */
export function asGatewayClaims(claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]));
}
