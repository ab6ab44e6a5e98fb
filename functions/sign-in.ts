import { httpHandler, securityHeaders, type HttpEvent, type HttpResult } from '#web/http';
import type { Runtime } from '#platform/runtime';
import { entryPoint } from '#platform/lambda';
import { systemClock } from '#platform/clock';
import { DEFAULT_SECURITY_TEAM_GROUP, ENV, env, optionalEnv } from '#platform/config';
import { webSettingsFromEnvironment, type WebSettingsSource } from '#platform/web-settings';
import { problemPage } from '#web/page-handler';
import { signInPages } from '#web/sign-in';

/**
 * GET /sign-in, /sign-in/callback, /sign-out: people sign in to the pages through the identity
 * provider. It touches no table, so it is built from the few settings it reads, not the whole runtime.
 */
export type SignInRuntime = Pick<Runtime, 'publicBaseUrl' | 'clock' | 'securityTeamGroup' | 'webSettings'>;

export const makeHandler = (runtime: SignInRuntime, webSettings: WebSettingsSource = runtime.webSettings ?? webSettingsFromEnvironment) => {
  const pages = signInPages(runtime, webSettings);
  const routes: Record<string, (event: HttpEvent) => Promise<HttpResult>> = {
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

export const handler = entryPoint(
  (): SignInRuntime => ({
    publicBaseUrl: env(ENV.publicBaseUrl).replace(/\/+$/, ''),
    clock: systemClock,
    securityTeamGroup: optionalEnv(ENV.securityTeamGroup) ?? DEFAULT_SECURITY_TEAM_GROUP,
  }),
  makeHandler,
);
