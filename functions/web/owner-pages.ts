import { setTimeout as sleep } from 'node:timers/promises';
import { awaitsDecision } from '../domain/lifecycle.ts';
import { ValidationFailed } from './errors.ts';
import { ownsRequest } from './identity.ts';
import { InvalidPageToken } from '../store/paging.ts';
import type { PageRoute, SignedInRequest } from './page-handler.ts';
import { renderPage } from './render.ts';
import { readableRequest, stillToDecide } from './owner-views.ts';
import { approverRole } from './request-words.ts';
import { newRequestPages } from './new-request-pages.ts';
import { requestPageRoute } from './request-page.ts';
import { rejectionRoutePages } from './rejection-route-pages.ts';

/** Service owners' pages: their requests, the request form, each request's page and its Process 3 routes. */

const yourRequests: PageRoute = {
  access: 'signedIn',
  page: async ({ runtime, caller, event, view }) => {
    const next = event.queryStringParameters?.next;
    if (next !== undefined && !/^[A-Za-z0-9_-]{1,2000}$/.test(next)) {
      throw new ValidationFailed([{ path: 'next', message: 'must be the next page link from the previous page' }]);
    }
    // Listed by the owner's email, kept only where the caller is the owner, as GET /requests lists them.
    const page = await runtime.store.listByOwner(caller.email, 20, next).catch((error: unknown) => {
      if (error instanceof InvalidPageToken) throw new ValidationFailed([{ path: 'next', message: 'is not a page of your requests' }]);
      throw error;
    });
    const requests = await Promise.all(
      page.requests
        .filter((r) => ownsRequest(caller, r))
        .map(async (record) => {
          const full = awaitsDecision(record.status) ? await runtime.store.getRequestView(record.requestId) : undefined;
          const waiting = full ? stillToDecide(full, runtime) : { roles: [] };
          return { requestId: record.requestId, serviceName: record.request.serviceName, status: record.status, ...waiting };
        }),
    );
    return renderPage('owner/your-requests.njk', { ...view, requests, next: page.next });
  },
};

/** A view of a request just submitted: a double click's second answer may arrive while the first is storing it. */
async function submittedRequest(request: SignedInRequest) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readableRequest(request);
    } catch (error) {
      if ((error as Error).name !== 'NotFound' || attempt >= 10) throw error;
      await sleep(200);
    }
  }
}

const confirmation: PageRoute = {
  access: 'signedIn',
  page: async (request) => {
    const view = await submittedRequest(request);
    const { directory } = request.runtime;
    const round = view.approvals.filter((a) => a.round === view.request.round && a.kind === 'APPROVAL');
    return renderPage('owner/confirmation.njk', {
      ...request.view,
      requestId: view.request.requestId,
      serviceName: view.request.request.serviceName,
      approvers: view.request.requiredApprovers.map((a) => ({ role: approverRole(a.role, a.businessArea, directory), name: a.name })),
      respondBy: round.map((a) => a.respondBy).sort()[0],
      lateNotice: view.request.lateNotice,
      ownerEmail: view.request.request.serviceOwner.email,
    });
  },
};

export const ownerPages: Readonly<Record<string, PageRoute>> = {
  'GET /your-requests': yourRequests,
  ...newRequestPages,
  'GET /offshoring-requests/{requestId}': requestPageRoute,
  'GET /offshoring-requests/{requestId}/confirmation': confirmation,
  ...rejectionRoutePages,
};
