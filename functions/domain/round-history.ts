import type { RequestView } from '../store/requests.ts';
import type { AuditEvent } from '../store/audit.ts';
import type { Actor, ApprovalRecord, RoundRecord, ServiceBeforeChange } from '../store/records.ts';
import type { OffshoringRequest } from './request.ts';
import { requestChanges } from './round-changes.ts';
import type { ServiceChange } from './service-change.ts';

/**
 * Every approval round of a request with the request content its approvers decided on and their
 * decisions (Offshoring Policy, Process 2: approvals "obtained and documented"), read from the
 * rounds' own append-only ROUND items.
 */
export interface RoundEvidence {
  round: number;
  /** How the round started; undefined when neither its ROUND item nor the trail says. */
  start?: RoundRecord['start'];
  startedAt?: string;
  startedBy?: Actor;
  /** The request as this round's approvers were asked to approve it; undefined where it was not kept. */
  request?: OffshoringRequest;
  serviceBeforeChange?: ServiceBeforeChange;
  /** The approver directory version its approvers were chosen from; undefined where it was not recorded. */
  directoryVersion?: number;
  /**
   * Where the content was read: the round's own item; the request item (the current round of a
   * request stored without ROUND items); a later resubmission's audit event; or nowhere.
   */
  source: 'ROUND' | 'REQUEST' | 'AUDIT' | 'NOT_KEPT';
  /** This round's approvals (and a Departmental Head's endorsement made in it), with their decisions. */
  approvals: ApprovalRecord[];
}

const START_EVENTS: Partial<Record<AuditEvent['type'], RoundRecord['start']>> = {
  REQUEST_SUBMITTED: 'SUBMITTED',
  REQUEST_RESUBMITTED: 'RESUBMITTED',
  MITIGATIONS_PROVIDED: 'MITIGATIONS_PROVIDED',
  ROUND_STARTED_AFTER_ENDORSEMENT: 'ENDORSED',
};

/** The event that started `round`, for rounds without a ROUND item. */
function startEvent(audit: readonly AuditEvent[], round: number): AuditEvent | undefined {
  return audit.find((e) => START_EVENTS[e.type] !== undefined && (e.round ?? 1) === round);
}

/**
 * Rounds 1 to the request's current round, oldest first. A request stored before rounds had their
 * own items has none: its current request item is the current round's content (every round start
 * rewrote it with that round's request), and an earlier round's content is read from the next
 * round's resubmission event when that event carries it, else it was not kept.
 */
export function requestRounds(view: RequestView): RoundEvidence[] {
  const { request, approvals, audit, rounds } = view;
  const last = Math.max(request.round, ...rounds.map((r) => r.round));
  return Array.from({ length: last }, (_, i) => i + 1).map((round): RoundEvidence => {
    const decided = approvals.filter((a) => a.round === round);
    const stored = rounds.find((r) => r.round === round);
    if (stored) {
      return {
        round,
        start: stored.start,
        startedAt: stored.startedAt,
        startedBy: stored.startedBy,
        request: stored.request,
        ...(stored.serviceBeforeChange ? { serviceBeforeChange: stored.serviceBeforeChange } : {}),
        ...(stored.directoryVersion === undefined ? {} : { directoryVersion: stored.directoryVersion }),
        source: 'ROUND',
        approvals: decided,
      };
    }
    const started = startEvent(audit, round);
    const how = started ? { start: START_EVENTS[started.type]!, startedAt: started.at, startedBy: started.actor } : {};
    if (round === request.round) {
      return {
        round,
        ...how,
        request: request.request,
        ...(request.serviceBeforeChange ? { serviceBeforeChange: request.serviceBeforeChange } : {}),
        ...(request.directoryVersion === undefined ? {} : { directoryVersion: request.directoryVersion }),
        source: 'REQUEST',
        approvals: decided,
      };
    }
    const next = startEvent(audit, round + 1);
    const kept = next?.type === 'REQUEST_RESUBMITTED' ? next.details.previousRequest : undefined;
    return kept ? { round, ...how, request: kept, source: 'AUDIT', approvals: decided } : { round, ...how, source: 'NOT_KEPT', approvals: decided };
  });
}

/** What round `round` changed in the request from the round before it, field by field; undefined when either was not kept. */
export function changesInRound(rounds: readonly RoundEvidence[], round: number): ServiceChange[] | undefined {
  const before = rounds.find((r) => r.round === round - 1)?.request;
  const after = rounds.find((r) => r.round === round)?.request;
  return before && after ? requestChanges(before, after) : undefined;
}
