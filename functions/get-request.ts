import { httpHandler, json, pathParameter, type HttpEvent } from '#shared/http';
import { lambdaEntry, type Runtime } from '#shared/runtime';
import { NotFound } from '#shared/errors';
import { assertCanRead, callerOf } from '#shared/identity';
import type { RequestView } from '#shared/store/request-store';

/** The request as its service owner and the security team see it: never tokens or internal keys. */
export function presentRequest({ request, approvals, audit }: RequestView) {
  const current = approvals.filter((a) => a.round === request.round);
  const present = (a: (typeof approvals)[number]) => ({
    approvalId: a.approvalId,
    round: a.round,
    role: a.role,
    ...(a.businessArea ? { businessArea: a.businessArea } : {}),
    name: a.name,
    email: a.email,
    status: a.status,
    decidedAt: a.decidedAt ?? null,
    reason: a.reason ?? null,
  });
  return {
    requestId: request.requestId,
    status: request.status,
    statusReason: request.statusReason ?? null,
    round: request.round,
    submittedAt: request.submittedAt,
    updatedAt: request.updatedAt,
    lateNotice: request.lateNotice,
    noticeDays: request.noticeDays,
    lateNoticeReason: request.lateNoticeReason ?? null,
    request: request.request,
    requiredApprovers: request.requiredApprovers.map(({ role, name, email }) => ({ role, name, email })),
    approvals: current.map(present),
    earlierRounds: approvals.filter((a) => a.round !== request.round).map(present),
    audit: audit.map(({ eventId, at, type, actor, round, details }) => ({ eventId, at, type, actor, round, details })),
  };
}

/** GET /requests/{requestId} */
export function getOffshoringRequest(runtime: Runtime) {
  return async (event: HttpEvent) => {
    const caller = callerOf(event, runtime);
    const requestId = pathParameter(event, 'requestId');
    const view = await runtime.store.getRequestView(requestId);
    if (!view) throw new NotFound(`No offshoring request ${requestId}`, { requestId });
    assertCanRead(caller, view.request);
    return json(200, presentRequest(view));
  };
}

export const makeHandler = (runtime: Runtime) => httpHandler(getOffshoringRequest(runtime));
export const handler = lambdaEntry(makeHandler);
