import type { Actor } from '../store/records.ts';
import type { ExemptionRecord, ExemptionRound, ExemptionView } from '../store/exemptions.ts';

/**
 * An exemption's rounds (Offshoring Policy, Compliance; Process 2's "obtained and documented"): each
 * round's content as its approvers saw it, kept beside their decisions when it is asked for again.
 */

/** A round's evidence: the exemption as its approvers are asked to approve it, taken from the record as the round starts. */
export function exemptionRoundOf(
  record: Pick<ExemptionRecord, 'requestId' | 'round' | 'exemption' | 'requiredApprovers' | 'directoryVersion'>,
  start: ExemptionRound['start'],
  at: string,
  actor: Actor,
): ExemptionRound {
  return {
    requestId: record.requestId,
    round: record.round,
    start,
    startedAt: at,
    startedBy: actor,
    exemption: record.exemption,
    requiredApprovers: record.requiredApprovers,
    ...(record.directoryVersion === undefined ? {} : { directoryVersion: record.directoryVersion }),
  };
}

/**
 * Every round of an exemption, oldest first: the exemption as that round's approvers saw it, and
 * their decisions. A round asked for before rounds were kept has its content on the record alone.
 */
export function exemptionRounds(view: ExemptionView) {
  const { request } = view;
  return Array.from({ length: request.round }, (_, i) => i + 1).map((round) => {
    const kept = view.rounds.find((r) => r.round === round);
    const content = kept ?? (round === request.round ? exemptionRoundOf(request, 'SUBMITTED', request.submittedAt, request.submittedBy) : undefined);
    return {
      round,
      ...(content ? { start: content.start, startedAt: content.startedAt, exemption: content.exemption } : {}),
      approvals: view.approvals.filter((a) => a.round === round),
    };
  });
}
