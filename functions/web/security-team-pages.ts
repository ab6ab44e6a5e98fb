import type { PageRoute } from './page-handler.ts';

/** The security team's pages: requests in progress, the offshore service register, monitoring. */
export const securityTeamPages: Readonly<Record<string, PageRoute>> = {};
