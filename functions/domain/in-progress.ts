import type { Runtime } from '../platform/runtime.ts';
import type { ApprovalRecord, RequestRecord } from '../store/records.ts';
import type { OPEN_STATUSES } from './lifecycle.ts';

/**
 * Requests in progress, for the security team: every request still open (its lifecycle has a next
 * step), with whoever is still to decide in its current round and the next deadline among them.
 */
export interface InProgressFilter {
  businessArea?: string;
  status?: (typeof OPEN_STATUSES)[number];
  lateNotice?: boolean;
}

export interface RequestInProgress {
  request: RequestRecord;
  /** Approvals (or the Departmental Head's endorsement) of the current round still waiting. */
  waitingFor: ApprovalRecord[];
  nextDeadline?: string;
}

export async function requestsInProgress(runtime: Runtime, filter: InProgressFilter = {}): Promise<RequestInProgress[]> {
  const { requests } = await runtime.store.openRequests();
  const wanted = requests.filter(
    (r) =>
      (!filter.businessArea || r.request.businessAreas.includes(filter.businessArea)) &&
      (!filter.status || r.status === filter.status) &&
      (filter.lateNotice === undefined || r.lateNotice === filter.lateNotice),
  );
  return Promise.all(
    wanted.map(async (request) => {
      const view = await runtime.store.getRequestView(request.requestId);
      const waitingFor = (view?.approvals ?? []).filter((a) => a.round === request.round && a.status === 'PENDING');
      const nextDeadline = waitingFor.map((a) => a.respondBy).sort()[0];
      return { request: view?.request ?? request, waitingFor, ...(nextDeadline ? { nextDeadline } : {}) };
    }),
  );
}
