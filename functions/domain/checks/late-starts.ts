import { lateStartWithoutApproval } from '../offshoring-policy.ts';
import type { Check } from './check.ts';
import { REQUEST_STATUS_WORDS, ukDate } from '../words.ts';

export const title = 'Requests whose planned start passed without approval';

/**
 * Reads the open requests (the sparse open-request index, read once per run and shared with
 * reconciliation): a request leaves that index when approved, closed or withdrawn, so what is read
 * is what is still open, never the whole table.
 */
export const lateStarts: Check = async ({ date, openRequests, requestLink }) =>
  (await openRequests())
    .filter((request) => lateStartWithoutApproval(request, date))
    .map((request) => ({
      kind: 'LATE_START',
      id: request.requestId,
      summary: `${request.request.serviceName} (${request.requestId}): planned start ${ukDate(request.request.plannedStartDate)} has passed and its status is ${REQUEST_STATUS_WORDS[request.status].text}`,
      link: requestLink(request.requestId),
      details: { plannedStartDate: request.request.plannedStartDate, status: request.status, lateNotice: request.lateNotice },
    }));
