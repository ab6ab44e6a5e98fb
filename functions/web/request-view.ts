import type { RequestView } from '#store/requests';

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
