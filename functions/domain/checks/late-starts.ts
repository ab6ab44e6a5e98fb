import { lateStartWithoutApproval } from '../offshoring-policy.ts';
import type { Check } from './check.ts';
import { REQUEST_STATUS_WORDS, ukDate } from '../words.ts';

export const title = 'Late-notice requests whose planned start passed without approval';

export const lateStarts: Check = async ({ date, openRequests, requestLink }) =>
  (await openRequests())
    .filter((request) => lateStartWithoutApproval(request, date))
    .map((request) => ({
      kind: 'LATE_START',
      id: request.requestId,
      summary: `${request.request.serviceName} (${request.requestId}): planned start ${ukDate(request.request.plannedStartDate)} has passed and its status is ${REQUEST_STATUS_WORDS[request.status].text}`,
      link: requestLink(request.requestId),
      details: { plannedStartDate: request.request.plannedStartDate, status: request.status },
    }));
