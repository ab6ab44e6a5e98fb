import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify } from 'jose';
import * as client from 'openid-client';
import type { Server } from 'node:http';
import { API_AUDIENCE, WEB_CLIENT_ID, startIdentityProvider, type IdentityProvider } from '../../local/identity-provider.ts';
import { SignInFailed, signInAtLocalProvider } from '../../local/sign-in.ts';
import { createApiServer, jwtAuthorizer, type LambdaHandler } from '../../local/api-server.ts';
import type { FunctionKey } from '../../functions/catalogue.ts';

/**
 * The local identity provider (oidc-provider) as the pages, `npm run token` and the local API use it:
 * its discovery document, its sign-in screen, the code flow with PKCE, and tokens the API accepts only
 * when they are its own (RS256, its key, its issuer, the API's audience, unexpired).
 */
const PUBLIC_BASE_URL = 'http://127.0.0.1:3999';
const WEB = { id: WEB_CLIENT_ID, secret: 'web-client-secret', redirectUri: `${PUBLIC_BASE_URL}/sign-in/callback` };
let idp: IdentityProvider;
let api: Server;
let apiUrl: string;

beforeAll(async () => {
  idp = await startIdentityProvider({ port: 0, publicBaseUrl: PUBLIC_BASE_URL, clientSecret: WEB.secret, securityTeamGroup: 'security-test' });
  // The local API server with one stand-in handler that answers with the claims it was handed.
  const echo: LambdaHandler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer.jwt.claims) });
  const handlers = new Proxy({}, { get: () => echo }) as Record<FunctionKey, LambdaHandler>;
  api = createApiServer({ handlers, authenticate: jwtAuthorizer({ issuer: idp.issuer, audience: API_AUDIENCE, jwksUri: idp.jwksUri }) });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
  await idp.close();
});

const callApi = (token: string) => fetch(`${apiUrl}/requests`, { headers: { authorization: `Bearer ${token}` } });

async function signInScreen(): Promise<{ html: string; status: number; url: URL; cookie: string }> {
  const config = await client.discovery(new URL(idp.issuer), WEB.id, undefined, client.ClientSecretBasic(WEB.secret), {
    execute: [client.allowInsecureRequests],
  });
  const authorization = client.buildAuthorizationUrl(config, {
    redirect_uri: WEB.redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  const first = await fetch(authorization, { redirect: 'manual' });
  expect(first.status).toBe(303);
  const url = new URL(first.headers.get('location')!, authorization);
  const cookie = first.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const page = await fetch(url, { headers: { cookie } });
  return { html: await page.text(), status: page.status, url, cookie };
}

describe('the local identity provider', () => {
  it('publishes its discovery document: issuer http://localhost:<port>, JWKS, the code flow with PKCE, RS256, sign-out', async () => {
    expect(idp.issuer).toMatch(/^http:\/\/localhost:\d+$/);
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: idp.issuer,
      jwks_uri: idp.jwksUri,
      authorization_endpoint: expect.stringContaining(idp.issuer),
      token_endpoint: expect.stringContaining(idp.issuer),
      end_session_endpoint: expect.stringContaining(idp.issuer),
      response_types_supported: expect.arrayContaining(['code']),
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: expect.arrayContaining(['RS256']),
    });
    const { keys } = (await (await fetch(idp.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    expect(keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) })]);
    // Only the public part is published.
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('asks for an email address and whether you are in the security team: no password, nothing else to consent to', async () => {
    const { html, status } = await signInScreen();
    expect(status).toBe(200);
    expect(html).toMatch(/<label for="email">Email address<\/label>/);
    expect(html).toMatch(/<input type="email" id="email" name="email"/);
    expect(html).toMatch(/<input type="checkbox" id="securityTeam" name="securityTeam" value="yes">/);
    expect(html).toMatch(/<label for="securityTeam">I am in the security team<\/label>/);
    expect(html).toContain('<html lang="en">');
    expect(html).not.toMatch(/type="password"/);
    // No external assets: nothing is loaded from anywhere.
    expect(html).not.toMatch(/<(script|link|img)\b/);
  });

  it('shows an error, linked to the field, for an email address it cannot use', async () => {
    const { url, cookie } = await signInScreen();
    const res = await fetch(url, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=not-an-email',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('There is a problem');
    expect(html).toMatch(/<a href="#email">Enter an email address in the correct format/);
    expect(html).toContain('value="not-an-email"');
    await expect(signInAtLocalProvider(idp.issuer, { email: 'not an email' })).rejects.toThrow(SignInFailed);
  });

  it('answers a sign-in form sent without its interaction (expired, or from another browser) with a page saying to sign in again', async () => {
    const { url } = await signInScreen();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40justice.gov.uk',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<h1>Sign in again</h1>');
  });

  it("signs the pages' client in by the code flow: ID and access tokens carry sub, email, name and groups", async () => {
    const signedIn = await signInAtLocalProvider(idp.issuer, { email: 'Sam.Security@justice.gov.uk', securityTeam: true }, WEB);
    const person = {
      sub: 'local-sam.security@justice.gov.uk',
      email: 'Sam.Security@justice.gov.uk',
      name: 'Sam.Security',
      groups: ['security-test'],
    };
    expect(signedIn.claims).toMatchObject({ ...person, iss: idp.issuer, aud: WEB_CLIENT_ID });
    expect(decodeProtectedHeader(signedIn.accessToken)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(decodeJwt(signedIn.accessToken)).toMatchObject({ ...person, iss: idp.issuer, aud: API_AUDIENCE, client_id: WEB_CLIENT_ID });

    // The same person without the box ticked: the same subject, no groups.
    const again = await signInAtLocalProvider(idp.issuer, { email: 'sam.security@justice.gov.uk' });
    expect(decodeJwt(again.accessToken)).toMatchObject({ sub: person.sub, groups: [] });
  });

  it('issues tokens that verify by its JWKS, and test tokens of the same shape, signed with the same key', async () => {
    const keys = createRemoteJWKSet(new URL(idp.jwksUri));
    const { accessToken } = await signInAtLocalProvider(idp.issuer, { email: 'alex.morgan@justice.gov.uk' });
    const test = idp.signTestToken({ email: 'alex.morgan@justice.gov.uk' });
    const options = { issuer: idp.issuer, audience: API_AUDIENCE, algorithms: ['RS256'] };
    const fromSignIn = (await jwtVerify(accessToken, keys, options)).payload;
    const fromTest = (await jwtVerify(test, keys, options)).payload;
    expect(Object.keys(fromTest).sort()).toEqual(Object.keys(fromSignIn).sort());
    expect(decodeProtectedHeader(test)).toEqual(decodeProtectedHeader(accessToken));
    for (const claim of ['sub', 'email', 'name', 'groups', 'iss', 'aud'] as const) expect(fromTest[claim]).toEqual(fromSignIn[claim]);
  });

  it('keeps its signing key in the data folder, so tokens handed out before a restart still verify after it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'offshore-idp-'));
    try {
      const keysFile = path.join(dir, 'identity-provider-key.json');
      const first = await startIdentityProvider({ port: 0, publicBaseUrl: PUBLIC_BASE_URL, keysFile });
      const token = first.signTestToken({ email: 'alex.morgan@justice.gov.uk' });
      const port = Number(new URL(first.issuer).port);
      await first.close();
      expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
      const second = await startIdentityProvider({ port, publicBaseUrl: PUBLIC_BASE_URL, keysFile });
      try {
        const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(second.jwksUri)), { issuer: second.issuer, audience: API_AUDIENCE });
        expect(payload.email).toBe('alex.morgan@justice.gov.uk');
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the local API verifies bearer tokens as the JWT authorizer does', () => {
  it("accepts the provider's tokens and hands the handler their claims as API Gateway does", async () => {
    const { accessToken } = await signInAtLocalProvider(idp.issuer, { email: 'sam.security@justice.gov.uk', securityTeam: true });
    const res = await callApi(accessToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      sub: 'local-sam.security@justice.gov.uk',
      email: 'sam.security@justice.gov.uk',
      groups: '[security-test]',
      aud: API_AUDIENCE,
      exp: expect.stringMatching(/^\d+$/),
    });
  });

  it('refuses with 401 a token signed by another key, with HS256, with no signature, for another audience or issuer, or expired', async () => {
    const own = decodeJwt(idp.signTestToken({ email: 'alex.morgan@justice.gov.uk' }));
    const { kid } = decodeProtectedHeader(idp.signTestToken({ email: 'alex.morgan@justice.gov.uk' }));
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const signed = (claims: Record<string, unknown>, alg: string, key: Parameters<SignJWT['sign']>[0]) =>
      new SignJWT({ ...own, ...claims }).setProtectedHeader({ alg, typ: 'at+jwt', kid: kid! }).sign(key);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(own)).toString('base64url')}.`;
    const refused = {
      'another key': await signed({}, 'RS256', otherKey),
      HS256: await signed({}, 'HS256', new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!')),
      'no signature': unsigned,
      'another audience': idp.signTestToken({ email: 'alex.morgan@justice.gov.uk' }, { claims: { aud: 'another-api' } }),
      'another issuer': idp.signTestToken({ email: 'alex.morgan@justice.gov.uk' }, { claims: { iss: 'http://localhost:1' } }),
      expired: idp.signTestToken({ email: 'alex.morgan@justice.gov.uk' }, { now: new Date((now - 3600) * 1000), ttlSeconds: 60 }),
    };
    for (const [what, token] of Object.entries(refused)) {
      const res = await callApi(token);
      expect({ what, status: res.status, body: await res.json() }).toEqual({ what, status: 401, body: { message: 'Unauthorized' } });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    }
    // And the provider's own token, unaltered, is accepted by the same server.
    expect((await callApi(idp.signTestToken({ email: 'alex.morgan@justice.gov.uk' }))).status).toBe(200);
  });
});
