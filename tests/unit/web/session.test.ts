import { describe, expect, it } from 'vitest';
import {
  cookie,
  cookieKey,
  csrfMatches,
  openSession,
  openSignIn,
  readCookies,
  sealSession,
  sealSignIn,
  SESSION_SECONDS,
} from '../../../functions/web/session.ts';
import { safeReturnTo } from '../../../functions/web/sign-in.ts';

const key = cookieKey('k'.repeat(32));
const otherKey = cookieKey('o'.repeat(32));
const now = new Date('2026-11-23T10:00:00Z');
const session = { caller: { sub: 'S1', email: 'alex@justice.gov.uk', securityTeam: false }, csrf: 'csrf-token' };

describe('the session cookie', () => {
  it('opens what it sealed, until it expires', async () => {
    const sealed = await sealSession(session, key, now);
    expect(await openSession(sealed, key, now)).toMatchObject(session);
    expect(await openSession(sealed, key, new Date(now.getTime() + (SESSION_SECONDS - 1) * 1000))).toBeDefined();
    expect(await openSession(sealed, key, new Date(now.getTime() + (SESSION_SECONDS + 1) * 1000))).toBeUndefined();
  });

  it('is unreadable and unforgeable without the key: altered, sealed with another key, or not a session', async () => {
    const sealed = await sealSession(session, key, now);
    expect(sealed).not.toContain('alex');
    const parts = sealed.split('.');
    parts[3] = `${parts[3]!.slice(0, -2)}AA`;
    expect(await openSession(parts.join('.'), key, now)).toBeUndefined();
    expect(await openSession(await sealSession(session, otherKey, now), key, now)).toBeUndefined();
    // A sign-in transaction is sealed with the same key, but is never taken for a session.
    const transaction = await sealSignIn({ codeVerifier: 'v', state: 's', nonce: 'n', returnTo: '/' }, key, now);
    expect(await openSession(transaction, key, now)).toBeUndefined();
    expect(await openSignIn(transaction, key, now)).toMatchObject({ state: 's' });
    expect(await openSession(undefined, key, now)).toBeUndefined();
    expect(await openSession('garbage', key, now)).toBeUndefined();
  });

  it('refuses key material shorter than 32 bytes', () => {
    expect(() => cookieKey('short')).toThrow(/at least 32 bytes/);
  });

  it('is HttpOnly, Secure and SameSite=Lax with an expiry', () => {
    expect(cookie('n', 'v', 60)).toBe('n=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax');
  });

  it('checks the CSRF token exactly', () => {
    expect(csrfMatches(session, 'csrf-token')).toBe(true);
    expect(csrfMatches(session, 'csrf-tokex')).toBe(false);
    expect(csrfMatches(session, 'csrf')).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, ['csrf-token'])).toBe(false);
  });

  it('reads cookies from the payload 2.0 list or the Cookie header, the first of a name winning', () => {
    expect(readCookies({ cookies: ['a=1', 'b=x=y', 'a=2'] })).toEqual({ a: '1', b: 'x=y' });
    expect(readCookies({ headers: { cookie: 'a=1; b=2' } })).toEqual({ a: '1', b: '2' });
  });
});

describe('where sign-in returns to', () => {
  it('is a path of this service only', () => {
    expect(safeReturnTo('/offshoring-requests/OFF-1?x=1')).toBe('/offshoring-requests/OFF-1?x=1');
    for (const hostile of [
      'https://evil.example',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      '/a\r\nSet-Cookie: x',
      undefined,
      42,
    ]) {
      expect(safeReturnTo(hostile)).toBe('/your-requests');
    }
  });
});
