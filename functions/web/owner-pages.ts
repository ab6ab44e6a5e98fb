import type { PageRoute } from './page-handler.ts';

/** Service owners' pages: their requests, the request form, each request's page and its Process 3 routes. */
export const ownerPages: Readonly<Record<string, PageRoute>> = {};
