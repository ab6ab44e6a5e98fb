import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cheerio from 'cheerio';
import { startHarness, type Harness } from './harness.ts';

/**
 * Signing in to the pages through the local identity provider, over HTTP as a browser does it:
 * the service's redirect with PKCE, the provider's sign-in form, the callback, the session cookie.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ identityProviderPort: 0 });
});
afterAll(() => h?.close());

/** A browser's cookies, per host, enough for these redirects. */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();
  lastSetCookies: string[] = [];
  async get(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const jar = this.jars.get(target.host) ?? new Map<string, string>();
    this.jars.set(target.host, jar);
    const res = await fetch(target, {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, cookie: [...jar].map(([n, v]) => `${n}=${v}`).join('; ') },
    });
    this.lastSetCookies = res.headers.getSetCookie();
    for (const line of this.lastSetCookies) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (!value || /max-age=0/i.test(line) || /expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }
  cookie(host: string, name: string): string | undefined {
    return this.jars.get(host)?.get(name);
  }
  /** Follows redirects from `res` while they stay off the service's callback. */
  async follow(res: Response, from: URL, stopAt: (url: URL) => boolean): Promise<{ res: Response; url: URL }> {
    let url = from;
    for (let hop = 0; hop < 10 && res.status >= 300 && res.status < 400; hop++) {
      url = new URL(res.headers.get('location')!, url);
      if (stopAt(url)) return { res, url };
      res = await this.get(url);
    }
    return { res, url };
  }
}

async function signIn(browser: Browser, email: string, options: { securityTeam?: boolean; returnTo?: string } = {}) {
  const base = h.stack.runtime.publicBaseUrl;
  const start = await browser.get(`${base}/sign-in?returnTo=${encodeURIComponent(options.returnTo ?? '/your-requests')}`);
  expect(start.status).toBe(303);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin).toBe(h.stack.identityProvider.issuer);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${base}/sign-in/callback`);
  const transactionCookie = start.headers.getSetCookie().find((c) => c.startsWith('offshore-sign-in='))!;
  expect(transactionCookie).toMatch(/HttpOnly; Secure; SameSite=Lax/);

  const form = await browser.follow(await browser.get(authorize), authorize, () => false);
  const $ = cheerio.load(await form.res.text());
  const action = new URL($('form').attr('action')!, form.url);
  const fields = new URLSearchParams({ email, ...(options.securityTeam ? { securityTeam: 'yes' } : {}) });
  const submitted = await browser.get(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
  const back = await browser.follow(submitted, action, (url) => url.href.startsWith(`${base}/sign-in/callback`));
  expect(back.url.pathname).toBe('/sign-in/callback');
  const callback = await browser.get(back.url);
  return { callback, callbackUrl: back.url };
}

describe('signing in to the pages', () => {
  it('sends someone not signed in to sign in, and back where they were going after', async () => {
    const browser = new Browser();
    const base = h.stack.runtime.publicBaseUrl;
    const before = await browser.get(`${base}/your-requests`);
    expect(before.status).toBe(303);
    expect(before.headers.get('location')).toBe('/sign-in?returnTo=%2Fyour-requests');

    const { callback } = await signIn(browser, 'Alex.Morgan@justice.gov.uk');
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/your-requests');
    const session = callback.headers.getSetCookie().find((c) => c.startsWith('offshore-session='))!;
    expect(session).toMatch(/; Max-Age=28800; HttpOnly; Secure; SameSite=Lax/);
    // The transaction cookie is spent.
    expect(callback.headers.getSetCookie().some((c) => c.startsWith('offshore-sign-in=;'))).toBe(true);

    const start = await browser.get(`${base}/`);
    expect(await start.text()).toMatch(/Signed in as alex\.morgan/i);
  });

  it('knows the security team by the provider’s group claim', async () => {
    const browser = new Browser();
    await signIn(browser, 'sam.security@justice.gov.uk', { securityTeam: true });
    const start = await (await browser.get(`${h.stack.runtime.publicBaseUrl}/`)).text();
    expect(start).toContain('(security team)');
    expect(start).toContain('href="/register"');
  });

  it('refuses a replayed callback and one whose state does not match, and signs no one in', async () => {
    const browser = new Browser();
    const { callbackUrl } = await signIn(browser, 'alex.morgan@justice.gov.uk');
    const replay = await browser.get(callbackUrl);
    // The transaction cookie was spent by the first callback.
    expect(replay.status).toBe(400);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('offshore-session=') && !c.startsWith('offshore-session=;'))).toBe(false);

    const other = new Browser();
    const base = h.stack.runtime.publicBaseUrl;
    await other.get(`${base}/sign-in`);
    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'not-the-state');
    const refused = await other.get(forged);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Signing in did not complete');
  });

  it('never sends people elsewhere after signing in', async () => {
    const browser = new Browser();
    const { callback } = await signIn(browser, 'alex.morgan@justice.gov.uk', { returnTo: '//evil.example/x' });
    expect(callback.headers.get('location')).toBe('/your-requests');
  });

  it('signs out here and at the provider', async () => {
    const browser = new Browser();
    await signIn(browser, 'alex.morgan@justice.gov.uk');
    const base = h.stack.runtime.publicBaseUrl;
    const out = await browser.get(`${base}/sign-out`);
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie()).toContain('offshore-session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax');
    const endSession = new URL(out.headers.get('location')!);
    expect(endSession.origin).toBe(h.stack.identityProvider.issuer);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${base}/`);
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy();
    expect((await browser.get(`${base}/your-requests`)).status).toBe(303);
  });
});
