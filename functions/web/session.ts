import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Caller } from './identity.ts';

/**
 * The signed-in person's session, in an encrypted cookie (JWE, direct AES-256-GCM): no server-side
 * store, and nothing in it can be read or altered by the browser. HttpOnly, Secure, SameSite=Lax,
 * with an expiry; every form carries the session's CSRF token, checked on every POST.
 */
export interface Session {
  caller: Caller;
  /** Compared with each form's `_csrf` field. */
  csrf: string;
  /** The identity provider's ID token, for signing out there too. */
  idToken?: string;
}

/** While signing in: what the callback must check (PKCE verifier, state, nonce) and where to go next. */
export interface SignInTransaction {
  codeVerifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

export const SESSION_COOKIE = 'offshore-session';
export const SIGN_IN_COOKIE = 'offshore-sign-in';
/** A working day: long enough to decide several requests, short enough that a lost laptop's session ends. */
export const SESSION_SECONDS = 8 * 3600;
const SIGN_IN_SECONDS = 10 * 60;

/** The 256-bit key for the cookie cipher, from the configured key material (any length ≥ 32 bytes). */
export function cookieKey(sessionKey: string): Uint8Array {
  if (Buffer.byteLength(sessionKey) < 32) throw new Error('The session key must be at least 32 bytes of random material');
  return new Uint8Array(createHash('sha256').update(`offshore-approvals session cookie\n${sessionKey}`).digest());
}

async function seal(payload: Record<string, unknown>, key: Uint8Array, now: Date, seconds: number, purpose: string): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new EncryptJWT({ ...payload, purpose })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + seconds)
    .encrypt(key);
}

async function open(value: string | undefined, key: Uint8Array, now: Date, purpose: string): Promise<Record<string, unknown> | undefined> {
  if (!value) return undefined;
  try {
    const { payload } = await jwtDecrypt(value, key, {
      currentDate: now,
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return payload.purpose === purpose ? payload : undefined;
  } catch {
    // Expired, altered, or sealed with another key: as good as no cookie.
    return undefined;
  }
}

export const sealSession = (session: Session, key: Uint8Array, now: Date) =>
  seal(session as unknown as Record<string, unknown>, key, now, SESSION_SECONDS, 'session');

export async function openSession(value: string | undefined, key: Uint8Array, now: Date): Promise<Session | undefined> {
  const payload = await open(value, key, now, 'session');
  if (!payload || typeof payload.csrf !== 'string' || typeof payload.caller !== 'object' || payload.caller === null) return undefined;
  return payload as unknown as Session;
}

export const sealSignIn = (transaction: SignInTransaction, key: Uint8Array, now: Date) =>
  seal(transaction as unknown as Record<string, unknown>, key, now, SIGN_IN_SECONDS, 'sign-in');

export async function openSignIn(value: string | undefined, key: Uint8Array, now: Date): Promise<SignInTransaction | undefined> {
  const payload = await open(value, key, now, 'sign-in');
  if (!payload || typeof payload.state !== 'string' || typeof payload.codeVerifier !== 'string') return undefined;
  return payload as unknown as SignInTransaction;
}

export const newCsrfToken = () => randomBytes(32).toString('base64url');

export function csrfMatches(session: Session, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A cookie as Set-Cookie writes it. Secure always: browsers keep Secure cookies from
 * http://localhost too, so local mode needs no exception.
 */
export function cookie(name: string, value: string, maxAgeSeconds: number, path = '/'): string {
  return `${name}=${value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`;
}

export const clearedCookie = (name: string, path = '/') => cookie(name, '', 0, path);

/** Cookies of the request: API Gateway's `cookies` list (payload 2.0), or the Cookie header. */
export function readCookies(event: { cookies?: string[]; headers?: Record<string, string | undefined> }): Record<string, string> {
  const pairs = event.cookies ?? (event.headers?.cookie ?? event.headers?.Cookie ?? '').split(';');
  const cookies: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) continue;
    const name = pair.slice(0, at).trim();
    if (!(name in cookies)) cookies[name] = pair.slice(at + 1).trim();
  }
  return cookies;
}
