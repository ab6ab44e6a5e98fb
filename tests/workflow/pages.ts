import * as cheerio from 'cheerio';
import qs from 'qs';
import type { LocalStack } from '../../local/stack.ts';
import { SESSION_COOKIE, cookieKey, sealSession } from '../../functions/web/session.ts';

/**
 * A person using the pages, for workflow tests: signed in with a session cookie sealed as the
 * sign-in callback seals it (the e2e tests sign in through the local identity provider itself),
 * following no redirects, posting forms with the session's CSRF token as the pages' forms do.
 */
export interface PageVisitor {
  get(path: string): Promise<PageResponse>;
  /** Posts a form; `_csrf` is added unless given. Fields nest as the pages' field names (qs). */
  post(path: string, fields: Record<string, unknown>): Promise<PageResponse>;
  csrf: string;
  cookie: string;
}

export interface PageResponse {
  status: number;
  /** Redirect target, if any. */
  location: string | null;
  html: string;
  $: cheerio.CheerioAPI;
  headers: Headers;
}

export interface Person {
  email: string;
  name?: string;
  securityTeam?: boolean;
  /** The identity provider's subject; derived from the email by default, as the local provider does. */
  sub?: string;
}

async function respond(res: Response): Promise<PageResponse> {
  const html = await res.text();
  return { status: res.status, location: res.headers.get('location'), html, $: cheerio.load(html), headers: res.headers };
}

export async function signedIn(stack: LocalStack, person: Person | null): Promise<PageVisitor> {
  const csrf = 'test-csrf-token-0123456789';
  let cookie = '';
  if (person) {
    const sealed = await sealSession(
      {
        caller: {
          sub: person.sub ?? `local-${person.email.toLowerCase()}`,
          email: person.email.toLowerCase(),
          ...(person.name ? { name: person.name } : {}),
          securityTeam: person.securityTeam ?? false,
        },
        csrf,
      },
      cookieKey(stack.sessionKey),
      // The stack's own clock, which a test may have moved: the session is as fresh as the service sees it.
      stack.runtime.clock(),
    );
    cookie = `${SESSION_COOKIE}=${sealed}`;
  }
  const headers = (): Record<string, string> => (cookie ? { cookie } : {});
  return {
    csrf,
    cookie,
    get: async (path) => respond(await fetch(`${stack.apiUrl}${path}`, { redirect: 'manual', headers: headers() })),
    post: async (path, fields) =>
      respond(
        await fetch(`${stack.apiUrl}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
          body: qs.stringify({ _csrf: csrf, ...fields }, { arrayFormat: 'indices' }),
        }),
      ),
  };
}

/** The GOV.UK error summary's messages and their links, in order. */
export function errorSummary($: cheerio.CheerioAPI): { text: string; href: string }[] {
  return $('.govuk-error-summary__list a')
    .map((_, a) => ({ text: $(a).text().trim(), href: $(a).attr('href') ?? '' }))
    .get();
}
