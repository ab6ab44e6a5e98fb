import type { PageRoute } from './page-handler.ts';
import { renderPage } from './render.ts';

/** What the service is for, and the way in: "Start now", or "Sign in" to see one's requests. */
export const startPage: PageRoute = {
  access: 'public',
  page: async ({ view }) => renderPage('start.njk', { ...view }),
};
