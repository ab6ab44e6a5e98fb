import { createPrivateKey, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { errors, type Account, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import * as z from 'zod';
import { DEFAULT_SECURITY_TEAM_GROUP } from '../functions/platform/config.ts';
import { DEFAULT_OIDC_AUDIENCE } from '../infra/settings.ts';

/**
 * The department's identity provider, on this machine: a real OpenID Provider (oidc-provider) with
 * its own sign-in screen that asks only for an email address and whether you are in the security
 * team. The pages sign people in against it with the same OpenID Connect code flow they use on AWS,
 * and the local API verifies its RS256 access tokens by its JWKS, as API Gateway's JWT authorizer
 * does. Nothing here is a password check: it is for this machine only.
 */

export const DEFAULT_IDP_PORT = 8006;
/** The pages' client: confidential, as the department registers it. */
export const WEB_CLIENT_ID = 'offshore-approvals-web';
/** Not a secret: it only has to match between `npm start` and the pages it serves. */
export const DEFAULT_OIDC_CLIENT_SECRET = 'local-development-only-not-a-secret';
/** `npm run token` and `npm run monitor`: a public client (PKCE) on a loopback redirect, as a command-line app registers. */
export const CLI_CLIENT_ID = 'offshore-approvals-cli';
export const CLI_REDIRECT_URI = 'http://127.0.0.1/callback';
/** The API's audience, as the JWT authorizer on AWS expects it. */
export const API_AUDIENCE = DEFAULT_OIDC_AUDIENCE;
/** The API as a resource indicator (RFC 8707 wants an absolute URI); its tokens' audience is API_AUDIENCE. */
export const API_RESOURCE = `urn:${API_AUDIENCE}:api`;
/** Long enough for a working day with one `npm run token`. */
const ACCESS_TOKEN_TTL_SECONDS = 12 * 3600;

/** Who signs in: the claims every token of theirs carries. */
export interface LocalIdentity {
  email: string;
  /** @default the part of the email address before the @ */
  name?: string;
  /** e.g. ['offshore-security'] for the security team. */
  groups?: string[];
  /** @default derived from the lowercased email address, so it is the same at every sign-in */
  sub?: string;
}

export interface IdentityProviderOptions {
  /** 0 picks a free one. @default 8006 */
  port?: number;
  /** Where it listens. @default 127.0.0.1 */
  host?: string;
  /** The service's base URL: the pages' redirect URIs hang off it. */
  publicBaseUrl: string;
  /** @default a fixed development value */
  clientSecret?: string;
  /** The group the "I am in the security team" box puts people in. @default offshore-security */
  securityTeamGroup?: string;
  /** Keeps the signing key across restarts (tokens already handed out stay valid); in memory when unset. */
  keysFile?: string;
}

export interface TestTokenOptions {
  now?: Date;
  ttlSeconds?: number;
  /** Claims to set or replace (e.g. another `aud`), to show what the API refuses. */
  claims?: Record<string, unknown>;
}

export interface IdentityProvider {
  /** `http://localhost:<port>`, the `iss` of every token. */
  issuer: string;
  jwksUri: string;
  clientId: string;
  clientSecret: string;
  /**
   * An access token as the provider issues it after a sign-in (same key, claims and lifetime), without
   * the browser round trip: for tests, which sign in hundreds of times.
   */
  signTestToken(identity: LocalIdentity, options?: TestTokenOptions): string;
  close(): Promise<void>;
}

export const subjectOf = (email: string) => `local-${email.trim().toLowerCase()}`;

const claimsOf = (identity: LocalIdentity) => {
  const email = identity.email.trim();
  return {
    sub: identity.sub ?? subjectOf(email),
    email,
    name: identity.name ?? email.split('@')[0]!,
    groups: identity.groups ?? [],
  };
};

async function signingKey(keysFile: string | undefined): Promise<JWK> {
  if (keysFile) {
    try {
      return JSON.parse(await readFile(keysFile, 'utf8')) as JWK;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const key = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
  if (keysFile) {
    await writeFile(keysFile, JSON.stringify(key), { mode: 0o600 });
    await chmod(keysFile, 0o600);
  }
  return key;
}

type Stored = Record<string, unknown> & { uid?: string; grantId?: string; consumed?: number };

/**
 * Sessions, codes and grants, in this provider's memory only (oidc-provider's own quick-start store
 * is shared by every provider in the process, and says so at every start).
 */
function memoryAdapter(): NonNullable<Configuration['adapter']> {
  const items = new Map<string, { payload: Stored; expiresAt: number }>();
  const live = (key: string) => {
    const item = items.get(key);
    if (item && item.expiresAt <= Date.now()) items.delete(key);
    return item && item.expiresAt > Date.now() ? item.payload : undefined;
  };
  return class {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }
    key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Stored, expiresIn: number) {
      items.set(this.key(id), { payload, expiresAt: Date.now() + (expiresIn ?? 365 * 86_400) * 1000 });
    }
    async find(id: string) {
      return live(this.key(id));
    }
    async findByUid(uid: string) {
      for (const [key, item] of items) if (key.startsWith(`${this.model}:`) && item.payload.uid === uid) return live(key);
      return undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      items.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, item] of items) if (item.payload.grantId === grantId) items.delete(key);
    }
  } as never;
}

const SignInForm = z.object({
  email: z.email({ error: 'Enter an email address in the correct format, like name@example.gov.uk' }),
  securityTeam: z.literal('yes').optional(),
});

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The provider's own pages: GOV.UK-like, plain HTML, no external assets, readable without CSS. */
function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Local identity provider</title>
<style>
  body { margin: 0; font-family: Arial, sans-serif; font-size: 19px; line-height: 1.3; color: #0b0c0c; background: #fff; }
  header { background: #0b0c0c; color: #fff; padding: 10px 15px; border-bottom: 10px solid #1d70b8; font-weight: bold; }
  main { max-width: 640px; padding: 20px 15px 40px; margin: 0 auto; }
  h1 { font-size: 32px; margin: 0 0 20px; }
  .hint { color: #505a5f; margin: 0 0 10px; }
  label { display: block; font-weight: bold; margin-bottom: 5px; }
  input[type=email] { box-sizing: border-box; width: 100%; font: inherit; padding: 5px; border: 2px solid #0b0c0c; }
  input:focus, button:focus { outline: 3px solid #fd0; outline-offset: 0; box-shadow: inset 0 0 0 2px #0b0c0c; }
  .field { margin-bottom: 30px; }
  .field--error { border-left: 5px solid #d4351c; padding-left: 15px; }
  .field--error input[type=email] { border-color: #d4351c; }
  .error-message { color: #d4351c; font-weight: bold; margin: 0 0 10px; }
  .error-summary { border: 5px solid #d4351c; padding: 15px; margin-bottom: 30px; }
  .error-summary a { color: #d4351c; font-weight: bold; }
  .checkbox { display: flex; gap: 10px; align-items: center; }
  .checkbox input { width: 32px; height: 32px; margin: 0; }
  .checkbox label { font-weight: normal; margin: 0; }
  button { font: inherit; color: #fff; background: #00703c; border: 0; box-shadow: 0 2px 0 #002d18; padding: 8px 10px; cursor: pointer; }
</style>
</head>
<body>
<header>Local identity provider (for this machine only)</header>
<main id="main-content">
${body}
</main>
</body>
</html>`;
}

function signInPage(uid: string, clientName: string, given: { email?: string; securityTeam?: boolean; error?: string }): string {
  const error = given.error
    ? `<div class="error-summary" role="alert" tabindex="-1" autofocus><h2>There is a problem</h2><ul><li><a href="#email">${escapeHtml(given.error)}</a></li></ul></div>`
    : '';
  return page(
    given.error ? 'Error: Sign in' : 'Sign in',
    `${error}<h1>Sign in</h1>
<p>${escapeHtml(clientName)} asks who you are. This stands in for your department's sign-in: there is no password.</p>
<form method="post" action="/interaction/${encodeURIComponent(uid)}" novalidate>
  <div class="field${given.error ? ' field--error' : ''}">
    <label for="email">Email address</label>
    ${given.error ? `<p class="error-message" id="email-error"><span>Error:</span> ${escapeHtml(given.error)}</p>` : ''}
    <input type="email" id="email" name="email" autocomplete="email" spellcheck="false" value="${escapeHtml(given.email ?? '')}"${given.error ? ' aria-describedby="email-error" aria-invalid="true"' : ''}>
  </div>
  <div class="field checkbox">
    <input type="checkbox" id="securityTeam" name="securityTeam" value="yes"${given.securityTeam ? ' checked' : ''}>
    <label for="securityTeam">I am in the security team</label>
  </div>
  <button type="submit">Sign in</button>
</form>`,
  );
}

/** Everything a first-party client asks for: the OpenID scopes it requested and the API. */
function grantFor(provider: Provider, clientId: string, accountId: string, scope: unknown) {
  const grant = new provider.Grant({ clientId, accountId });
  grant.addOIDCScope(typeof scope === 'string' ? scope : 'openid');
  grant.addResourceScope(API_RESOURCE, 'api');
  return grant;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 10_000) req.destroy(new Error('form too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startIdentityProvider(options: IdentityProviderOptions): Promise<IdentityProvider> {
  const host = options.host ?? '127.0.0.1';
  const clientSecret = options.clientSecret ?? DEFAULT_OIDC_CLIENT_SECRET;
  const securityTeamGroup = options.securityTeamGroup ?? DEFAULT_SECURITY_TEAM_GROUP;
  const publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');
  const key = await signingKey(options.keysFile);
  const privateKey: KeyObject = createPrivateKey({ key: key as never, format: 'jwk' });

  // The server holds its port first: the issuer is its URL, and the provider is built with it.
  let provider: Provider | undefined;
  const server = createServer((req, res) => {
    if (!provider) return void res.writeHead(503).end('starting');
    void serve(provider, req, res).catch((error: Error) => {
      console.error(`Local identity provider: ${error.message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('The local identity provider failed: see the terminal running npm start.');
    });
  });
  const port = await listen(server, options.port ?? DEFAULT_IDP_PORT, host);
  const issuer = `http://localhost:${port}`;

  /** Who signed in last with each subject: the claims the provider puts in their tokens. */
  const accounts = new Map<string, ReturnType<typeof claimsOf>>();
  const account = (accountId: string): Account | undefined => {
    const claims = accounts.get(accountId);
    return claims && { accountId, claims: () => claims };
  };

  const configuration: Configuration = {
    clients: [
      {
        client_id: WEB_CLIENT_ID,
        client_name: 'Offshore approvals',
        client_secret: clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [`${publicBaseUrl}/sign-in/callback`],
        post_logout_redirect_uris: [`${publicBaseUrl}/`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        client_id: CLI_CLIENT_ID,
        client_name: 'npm run token',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: [CLI_REDIRECT_URI],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [key as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // Groups come with every sign-in, whatever the scopes, as the department's provider sends them.
    claims: { openid: ['sub', 'groups'], email: ['email'], profile: ['name'] },
    scopes: ['openid', 'email', 'profile'],
    // ID tokens carry the person's claims even in the code flow (the pages read them from there).
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => account(id),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Both clients are the service's own: no consent screen, everything they ask for is granted.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, params } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grant = grantFor(ctx.oidc.provider, client.clientId, session.accountId, params?.scope);
      await grant.save();
      return grant;
    },
    extraTokenClaims: (_ctx, token) => {
      const claims = 'accountId' in token && typeof token.accountId === 'string' ? accounts.get(token.accountId) : undefined;
      return claims && { email: claims.email, name: claims.name, groups: claims.groups };
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== API_RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: 'api',
            audience: API_AUDIENCE,
            accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Grant: ACCESS_TOKEN_TTL_SECONDS,
      Session: ACCESS_TOKEN_TTL_SECONDS,
    },
    adapter: memoryAdapter(),
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'There is a problem',
        `<h1>There is a problem</h1><p>${escapeHtml(String(out.error_description ?? out.error))}</p><p>Go back to the service and sign in again.</p>`,
      );
    },
  };
  provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  async function serve(oidc: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const uid = /^\/interaction\/([\w-]+)$/.exec(new URL(req.url ?? '/', issuer).pathname)?.[1];
    if (!uid) return void callback(req, res);
    const html = (body: string, status = 200) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY' }).end(body);
    };
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await oidc.interactionDetails(req, res);
    } catch (error) {
      if (!(error instanceof errors.SessionNotFound)) throw error;
      return html(
        page(
          'Sign in again',
          '<h1>Sign in again</h1><p>This sign-in has expired or was finished already. Go back to the service and sign in again.</p>',
        ),
        400,
      );
    }
    const clientName = (await oidc.Client.find(String(details.params.client_id)))?.clientName ?? 'A service';
    if (details.prompt.name === 'consent') {
      // A native client is always asked for consent: granted here, as for every first-party client.
      const grant = grantFor(oidc, String(details.params.client_id), String(details.session?.accountId), details.params.scope);
      return void (await oidc.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true }));
    }
    if (req.method === 'GET') return html(signInPage(uid, clientName, {}));
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'GET, POST' }).end();
    const form = await readForm(req);
    const given = { email: form.get('email')?.trim() ?? '', securityTeam: form.get('securityTeam') === 'yes' };
    const parsed = SignInForm.safeParse({ email: given.email, securityTeam: form.get('securityTeam') ?? undefined });
    if (!parsed.success) {
      return html(signInPage(uid, clientName, { ...given, error: given.email ? parsed.error.issues[0]!.message : 'Enter your email address' }), 400);
    }
    const claims = claimsOf({ email: parsed.data.email, groups: parsed.data.securityTeam ? [securityTeamGroup] : [] });
    accounts.set(claims.sub, claims);
    await oidc.interactionFinished(req, res, { login: { accountId: claims.sub } }, { mergeWithLastSubmission: false });
  }

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    clientId: WEB_CLIENT_ID,
    clientSecret,
    signTestToken(identity, { now = new Date(), ttlSeconds = ACCESS_TOKEN_TTL_SECONDS, claims: replaced = {} } = {}) {
      const iat = Math.floor(now.getTime() / 1000);
      const claims = claimsOf(identity);
      const header = { alg: 'RS256', typ: 'at+jwt', kid: key.kid };
      const payload = {
        ...claims,
        iss: issuer,
        aud: API_AUDIENCE,
        client_id: WEB_CLIENT_ID,
        jti: randomUUID(),
        iat,
        exp: iat + ttlSeconds,
        ...replaced,
      };
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${encode(header)}.${encode(payload)}`;
      return `${unsigned}.${sign('sha256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sign out: one button, on the provider's own page (its form carries the provider's CSRF token). */
function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  ctx.type = 'html';
  ctx.body = page(
    'Sign out',
    `<h1>Sign out</h1><p>Sign out of the local identity provider? You will need to sign in again to use the service.</p>
${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`,
  );
}
