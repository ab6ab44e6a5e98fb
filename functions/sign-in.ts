import { httpHandler, securityHeaders, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { webSettingsFromEnvironment, type WebSettingsSource } from '#platform/web-settings';
import { problemPage } from '#web/page-handler';
import { signInPages } from '#web/sign-in';

/** GET /sign-in, /sign-in/callback, /sign-out: people sign in to the pages through the identity provider. */
export const makeHandler = (runtime: Runtime, webSettings: WebSettingsSource = runtime.webSettings ?? webSettingsFromEnvironment) => {
  const pages = signInPages(runtime, webSettings);
  const routes: Record<string, (event: HttpEvent) => Promise<import('#web/http').HttpResult>> = {
    'GET /sign-in': pages.start,
    'GET /sign-in/callback': pages.callback,
    'GET /sign-out': pages.signOut,
  };
  return httpHandler(
    async (event) => {
      const route = routes[event.routeKey];
      if (!route) throw new Error(`No handler for route ${event.routeKey}: the catalogue and the function disagree`);
      return route(event);
    },
    {
      render: (statusCode, body) => problemPage(statusCode, body),
      securityHeaders: securityHeaders({ contentSecurityPolicy: false as never, referrerPolicy: { policy: 'same-origin' } }),
    },
  );
};

export const handler = lambdaEntry(makeHandler);
