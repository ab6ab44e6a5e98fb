import * as client from 'openid-client';
import { CLI_CLIENT_ID, CLI_REDIRECT_URI, DEFAULT_IDP_PORT } from './identity-provider.ts';

/**
 * A sign-in at the local identity provider as a person does it, over HTTP: the authorization code
 * flow with PKCE (openid-client), the provider's sign-in form filled in and sent, the redirects
 * followed to the loopback redirect URI, the code exchanged for tokens. `npm run token` and
 * `npm run monitor` use it, so their tokens are the provider's own.
 */

/** The issuer of the running stack's identity provider, from the setting `npm start` reads (IDP_PORT). */
export function localIssuer(env: NodeJS.ProcessEnv = process.env): string {
  return `http://localhost:${env.IDP_PORT || DEFAULT_IDP_PORT}`;
}

/** The provider did not answer at all: no stack is running there. */
export class NoIdentityProvider extends Error {
  override readonly name = 'NoIdentityProvider';
}

/** The provider answered, but not as a sign-in goes. */
export class SignInFailed extends Error {
  override readonly name = 'SignInFailed';
}

/** The network error under a failed fetch (ECONNREFUSED...), however deep openid-client and undici wrapped it. */
function networkCode(error: unknown): string | undefined {
  for (let at = error as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined; at; at = at.cause as typeof at) {
    if (typeof at.code === 'string' && /^E[A-Z]+$/.test(at.code)) return at.code;
    const inner = at.errors?.find((e) => networkCode(e));
    if (inner) return networkCode(inner);
  }
  return undefined;
}

/** Just enough of a cookie jar for one sign-in: the provider's interaction and session cookies. */
class Cookies {
  private readonly values = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) <= Date.now());
      if (!value || expired) this.values.delete(name);
      else this.values.set(name, value);
    }
  }
  header(): string {
    return [...this.values].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface SignedIn {
  accessToken: string;
  idToken: string;
  claims: Record<string, unknown>;
}

/** The client signing in: `npm run token`'s public one unless told (tests sign in as the pages do, too). */
export interface SigningInClient {
  id: string;
  /** Confidential clients only (client_secret_basic). */
  secret?: string;
  redirectUri: string;
}

export async function signInAtLocalProvider(
  issuer: string,
  who: { email: string; securityTeam?: boolean },
  as: SigningInClient = { id: CLI_CLIENT_ID, redirectUri: CLI_REDIRECT_URI },
): Promise<SignedIn> {
  let config: client.Configuration;
  try {
    const auth = as.secret ? client.ClientSecretBasic(as.secret) : client.None();
    config = await client.discovery(new URL(issuer), as.id, undefined, auth, { execute: [client.allowInsecureRequests] });
  } catch (error) {
    const code = networkCode(error);
    // fetch's own failure (nothing listening, a refused port): no answer at all, as against an answer that is not a provider's.
    if (code || (error as Error).message === 'fetch failed')
      throw new NoIdentityProvider(code ?? String((error as Error & { cause?: Error }).cause?.message));
    throw new SignInFailed(`${issuer}: ${(error as Error).message}`);
  }
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorization = client.buildAuthorizationUrl(config, {
    redirect_uri: as.redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });

  const cookies = new Cookies();
  const request = async (url: URL, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: cookies.header() } });
    cookies.take(res);
    return res;
  };
  /** Follows redirects until one leaves the provider for the redirect URI, or a page answers. */
  const follow = async (res: Response, from: URL): Promise<{ url: URL; res: Response }> => {
    let url = from;
    for (let hops = 0; hops < 10; hops++) {
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { url, res };
      url = new URL(location, url);
      if (url.href.startsWith(as.redirectUri)) return { url, res };
      res = await request(url);
    }
    throw new SignInFailed(`${issuer}: too many redirects`);
  };

  const signInPage = await follow(await request(authorization), authorization);
  const html = await signInPage.res.text();
  if (signInPage.res.status !== 200 || !/<input[^>]*type="email"[^>]*name="email"/.test(html)) {
    throw new SignInFailed(`${issuer} did not show its sign-in form (${signInPage.res.status} at ${signInPage.url.href})`);
  }
  const action = new URL(/<form[^>]*action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? signInPage.url.pathname, signInPage.url);
  const fields = new URLSearchParams({ email: who.email, ...(who.securityTeam ? { securityTeam: 'yes' } : {}) });
  const submitted = await request(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
  if (submitted.status === 400) {
    const message = /<p class="error-message"[^>]*>(.*?)<\/p>/s.exec(await submitted.text())?.[1]?.replace(/<[^>]+>/g, '');
    throw new SignInFailed(message ? message.trim() : `${issuer} refused the sign-in`);
  }
  const back = await follow(submitted, action);
  if (!back.url.href.startsWith(as.redirectUri))
    throw new SignInFailed(`${issuer} did not send the sign-in back (${back.res.status} at ${back.url.pathname})`);

  const tokens = await client.authorizationCodeGrant(config, back.url, { pkceCodeVerifier: verifier, expectedState: state });
  if (!tokens.id_token) throw new SignInFailed(`${issuer} issued no ID token`);
  return { accessToken: tokens.access_token, idToken: tokens.id_token, claims: { ...tokens.claims() } };
}
