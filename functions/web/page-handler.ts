import type { Context } from 'aws-lambda';
import type { Runtime } from '../platform/runtime.ts';
import type { WebSettings, WebSettingsSource } from '../platform/web-settings.ts';
import { describeError, httpHandler, securityHeaders, type HttpEvent, type HttpResult } from './http.ts';
import { readForm } from './forms.ts';
import { redirect, renderPage } from './render.ts';
import { SESSION_COOKIE, clearedCookie, cookieKey, csrfMatches, openSession, readCookies, type Session } from './session.ts';
import type { Caller } from './identity.ts';
import { logger } from '../platform/observability.ts';
import { governanceReaderOf } from '../domain/offshoring-policy.ts';

/**
 * The pages of signed-in people: each route says who may see it; the chain reads the session
 * cookie, sends people who are not signed in to sign in (and back here after), checks the CSRF
 * token of every POST, and renders every error as a page in words.
 */
export type Access = 'public' | 'signedIn' | 'securityTeam';

export interface PageRequest {
  event: HttpEvent;
  /** The Lambda invocation's (idempotency reads its remaining time). */
  context: Context;
  runtime: Runtime;
  session?: Session;
  /** Set on every route but 'public' ones (where it is set if someone is signed in). */
  caller?: Caller;
  /** The POSTed form, nested as its field names say (functions/web/forms.ts). */
  form: Record<string, unknown>;
  /** What every page's template gets: the caller for the header, the CSRF token for its forms. */
  view: { caller?: Caller; csrfToken?: string; governanceReader?: boolean };
}

export interface SignedInRequest extends PageRequest {
  session: Session;
  caller: Caller;
}

export type PageRoute =
  | { access: 'public'; page: (request: PageRequest) => Promise<HttpResult> }
  | { access: 'signedIn' | 'securityTeam'; page: (request: SignedInRequest) => Promise<HttpResult> };

const TITLES: Record<number, string> = {
  400: 'There is a problem with what was sent',
  401: 'Sign in to continue',
  403: 'You cannot do this',
  404: 'Page not found',
  409: 'This has already changed',
  410: 'This is no longer possible',
  413: 'What you sent is too large',
  415: 'This page only takes form posts',
};

/** An error as a page: the same status mapping as the API, said in words. */
export function problemPage(statusCode: number, body: Record<string, unknown>, view: PageRequest['view'] = {}): HttpResult {
  const title = TITLES[statusCode] ?? 'Sorry, there is a problem with the service';
  const message =
    statusCode >= 500
      ? 'Something went wrong on our side. Nothing you sent was lost. Try again later.'
      : String(body.message ?? 'Go back and try again.');
  return renderPage(
    'problem.njk',
    {
      ...view,
      title,
      message,
      reference: statusCode >= 500 ? body.awsRequestId : undefined,
      // A 400 says which fields and why, as the API does.
      problems: Array.isArray(body.errors) ? body.errors : undefined,
      next:
        statusCode === 404 || statusCode === 403
          ? { text: 'Go to', href: view.caller ? '/your-requests' : '/', linkText: view.caller ? 'your requests' : 'the start page' }
          : undefined,
    },
    { statusCode },
  );
}

/** The pages' forms are HTML forms: a body sent as anything else (JSON, multipart) is never read as one. */
function isFormPost(event: HttpEvent): boolean {
  const type = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded';
}

const signInPath = (event: HttpEvent) => {
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const method = event.requestContext?.http?.method;
  // After signing in, a GET comes back to where it was; a POST's form is gone, so to its page.
  const back = method === 'GET' ? `${event.rawPath}${query}` : event.rawPath;
  return `/sign-in?returnTo=${encodeURIComponent(back)}`;
};

/** Whether the header offers the governance report: to the security team, and to an area's Accounting Officer or Departmental Head. */
function isGovernanceReader(runtime: Runtime, caller: Caller): boolean {
  const reader = governanceReaderOf(runtime.directory, caller);
  return reader.all || reader.areas.length > 0;
}

export function pageHandler(runtime: Runtime, webSettings: WebSettingsSource, routes: Readonly<Record<string, PageRoute>>) {
  let settings: Promise<WebSettings> | undefined;
  const key = async () => {
    settings ??= webSettings().catch((error) => {
      settings = undefined;
      throw error;
    });
    return cookieKey((await settings).sessionKey);
  };

  const handle = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    const route = routes[event.routeKey];
    if (!route) throw new Error(`No page for route ${event.routeKey}: the catalogue and the function disagree`);
    const cookies = readCookies(event as { cookies?: string[]; headers?: Record<string, string> });
    const session = await openSession(cookies[SESSION_COOKIE], await key(), runtime.clock());
    const view = session ? { caller: session.caller, csrfToken: session.csrf, governanceReader: isGovernanceReader(runtime, session.caller) } : {};
    const method = event.requestContext?.http?.method;
    try {
      if (route.access !== 'public' && !session) {
        // An expired or unreadable cookie is cleared on the way to signing in again.
        return redirect(signInPath(event), cookies[SESSION_COOKIE] ? [clearedCookie(SESSION_COOKIE)] : [], 303);
      }
      if (method === 'POST' && !isFormPost(event)) {
        return problemPage(415, { message: 'This page takes its own form only. Go back to the page and send the form from there.' }, view);
      }
      const form = method === 'POST' ? readForm(event) : {};
      if (method === 'POST' && (!session || !csrfMatches(session, form._csrf))) {
        return problemPage(
          403,
          { message: 'This form has expired or was not sent from this service. Go back, reload the page and try again.' },
          view,
        );
      }
      if (route.access === 'securityTeam' && !session?.caller.securityTeam) {
        return problemPage(403, { message: 'Only the security team can see this page.' }, view);
      }
      const request: PageRequest = { event, context, runtime, session, caller: session?.caller, form, view };
      return await (route.page as (r: PageRequest) => Promise<HttpResult>)(request);
    } catch (error) {
      const { statusCode, body } = describeError(error, context.awsRequestId);
      if (statusCode >= 500) logger.error('Page failed', { error: error as Error });
      else logger.info('Page refused', { statusCode, error: body.error });
      return problemPage(statusCode, body, view);
    }
  };

  return httpHandler(handle, {
    render: (statusCode, body) => problemPage(statusCode, body),
    // The pages send their own Content-Security-Policy, with a nonce per response (functions/web/render.ts).
    securityHeaders: securityHeaders({ contentSecurityPolicy: false as never, referrerPolicy: { policy: 'same-origin' } }),
  });
}
