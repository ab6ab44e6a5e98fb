import type { RequestView } from '#store/requests';
import { changesInRound, requestRounds } from '#domain/round-history';

/** The request as its service owner and the security team see it: never tokens or internal keys. */
export function presentRequest(view: RequestView) {
  const { request, approvals, audit } = view;
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
    // The approver directory version the current round's approvers were chosen from; null where it was not recorded.
    directoryVersion: request.directoryVersion ?? null,
    approvals: current.map(present),
    earlierRounds: approvals.filter((a) => a.round !== request.round).map(present),
    // Each round with the request its approvers decided on and their decisions (Process 2: "obtained and documented").
    rounds: requestRounds(view).map((r, _, rounds) => ({
      round: r.round,
      start: r.start ?? null,
      startedAt: r.startedAt ?? null,
      startedBy: r.startedBy ?? null,
      request: r.request ?? null,
      serviceBeforeChange: r.serviceBeforeChange ?? null,
      directoryVersion: r.directoryVersion ?? null,
      recordedIn: r.source,
      changes: r.round > 1 ? (changesInRound(rounds, r.round) ?? null) : null,
      approvals: r.approvals.map(present),
    })),
    audit: audit.map(({ eventId, at, type, actor, round, details }) => ({ eventId, at, type, actor, round, details })),
  };
}
