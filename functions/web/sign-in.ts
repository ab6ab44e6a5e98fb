import * as oidc from 'openid-client';
import type { Runtime } from '../platform/runtime.ts';
import type { WebSettings, WebSettingsSource } from '../platform/web-settings.ts';
import type { HttpEvent, HttpResult } from './http.ts';
import { callerFromClaims } from './identity.ts';
import { problemPage } from './page-handler.ts';
import { redirect } from './render.ts';
import {
  SESSION_COOKIE,
  SESSION_SECONDS,
  SIGN_IN_COOKIE,
  clearedCookie,
  cookie,
  cookieKey,
  newCsrfToken,
  openSession,
  openSignIn,
  readCookies,
  sealSession,
  sealSignIn,
} from './session.ts';

/**
 * Sign-in to the pages: OpenID Connect's authorization code flow with PKCE, a state and a nonce,
 * against the department's identity provider on AWS and the local provider in local mode: the same
 * code, only the issuer differs. The ID token's claims become the session; API clients keep
 * using bearer tokens checked by the JWT authorizer.
 */

const SIGN_IN_PATH = '/sign-in';

/** Where to go after signing in: a path of this service only, never another site. */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\') || /[\r\n]/.test(value)) {
    return '/your-requests';
  }
  return value;
}

/** Plain HTTP only for a provider on this machine (local mode); anything else must be https. */
function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

export function signInPages(runtime: Pick<Runtime, 'publicBaseUrl' | 'clock' | 'securityTeamGroup'>, webSettings: WebSettingsSource) {
  let client: Promise<{ config: oidc.Configuration; settings: WebSettings }> | undefined;
  const connect = () => {
    client ??= (async () => {
      const settings = await webSettings();
      const issuer = new URL(settings.issuer);
      const config = await oidc.discovery(
        issuer,
        settings.clientId,
        settings.clientSecret,
        undefined,
        isLoopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
      return { config, settings };
    })().catch((error) => {
      client = undefined;
      throw error;
    });
    return client;
  };
  const redirectUri = () => `${runtime.publicBaseUrl}${SIGN_IN_PATH}/callback`;

  const start = async (event: HttpEvent): Promise<HttpResult> => {
    const { config, settings } = await connect();
    const transaction = {
      codeVerifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      returnTo: safeReturnTo(event.queryStringParameters?.returnTo),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri(),
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(transaction.codeVerifier),
      code_challenge_method: 'S256',
      state: transaction.state,
      nonce: transaction.nonce,
    });
    const sealed = await sealSignIn(transaction, cookieKey(settings.sessionKey), runtime.clock());
    return redirect(url.href, [cookie(SIGN_IN_COOKIE, sealed, 600, SIGN_IN_PATH)]);
  };

  const callback = async (event: HttpEvent): Promise<HttpResult> => {
    const { config, settings } = await connect();
    const key = cookieKey(settings.sessionKey);
    const transaction = await openSignIn(readCookies(event as { headers?: Record<string, string> })[SIGN_IN_COOKIE], key, runtime.clock());
    const again = { message: 'Your sign-in took too long, or was started in another browser window. Sign in again.' };
    if (!transaction) return problemPage(400, again);
    if (event.queryStringParameters?.error) {
      return problemPage(401, { message: `The identity provider did not sign you in (${event.queryStringParameters.error}). Sign in again.` });
    }
    const current = new URL(`${redirectUri()}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: transaction.codeVerifier,
        expectedState: transaction.state,
        expectedNonce: transaction.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      // A replayed or forged callback, or a code the provider no longer honours.
      return problemPage(400, { message: `Signing in did not complete (${(error as Error).message}). Sign in again.` });
    }
    const caller = callerFromClaims(tokens.claims() as Record<string, unknown> | undefined, runtime.securityTeamGroup);
    if (!caller) return problemPage(403, { message: 'Your account has no email address, which this service needs to know who you are.' });
    const session = { caller, csrf: newCsrfToken(), ...(tokens.id_token ? { idToken: tokens.id_token } : {}) };
    const sealed = await sealSession(session, key, runtime.clock());
    return redirect(transaction.returnTo, [cookie(SESSION_COOKIE, sealed, SESSION_SECONDS), clearedCookie(SIGN_IN_COOKIE, SIGN_IN_PATH)]);
  };

  const signOut = async (event: HttpEvent): Promise<HttpResult> => {
    const { config, settings } = await connect();
    const session = await openSession(
      readCookies(event as { headers?: Record<string, string> })[SESSION_COOKIE],
      cookieKey(settings.sessionKey),
      runtime.clock(),
    );
    const cleared = [clearedCookie(SESSION_COOKIE)];
    // Signing out at the provider too, so the next person at this browser is asked who they are.
    if (config.serverMetadata().end_session_endpoint) {
      const url = oidc.buildEndSessionUrl(config, {
        post_logout_redirect_uri: `${runtime.publicBaseUrl}/`,
        ...(session?.idToken ? { id_token_hint: session.idToken } : {}),
      });
      return redirect(url.href, cleared);
    }
    return redirect('/', cleared);
  };

  return { start, callback, signOut };
}
