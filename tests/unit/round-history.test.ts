import { describe, expect, it } from 'vitest';
import { changesInRound, requestRounds } from '../../functions/domain/round-history.ts';
import type { RequestView } from '../../functions/store/requests.ts';
import type { AuditEvent } from '../../functions/store/audit.ts';
import { AT, approvalRecord, requestRecord, roundRecord } from './store/mock-table.ts';

/**
 * A request's rounds as the API and the pages read them: from each round's own item, and for a
 * request stored before rounds had items, from what the request and its trail still hold.
 */
const plan = { requiredApprovers: [], lateNotice: false, respondBy: AT };
const owner = { kind: 'SERVICE_OWNER' as const, email: 'priya.shah@justice.gov.uk' };
const submitted: AuditEvent = { eventId: 'E1', at: AT, type: 'REQUEST_SUBMITTED', actor: owner, round: 1, details: plan };
const resubmitted = (round: number, previousRequest?: RequestView['request']['request']): AuditEvent => ({
  eventId: `E${round}`,
  at: `2026-12-0${round}T10:00:00.000Z`,
  type: 'REQUEST_RESUBMITTED',
  actor: owner,
  round,
  details: { ...plan, previousRound: round - 1, ...(previousRequest ? { previousRequest } : {}) },
});

const first = roundRecord().request;
const second = { ...first, supplierName: 'Southwind Transcription Ltd' };
const third = { ...second, plannedStartDate: '2027-06-01' };

describe('requestRounds', () => {
  it('reads each round from its own item, with its approvals', () => {
    const view: RequestView = {
      request: requestRecord({ round: 2, request: second }),
      approvals: [approvalRecord({ round: 1, approvalId: 'A1' }), approvalRecord({ round: 2, approvalId: 'A2' })],
      audit: [submitted, resubmitted(2)],
      rounds: [roundRecord(), roundRecord({ round: 2, start: 'RESUBMITTED', request: second })],
    };
    const rounds = requestRounds(view);
    expect(rounds.map((r) => [r.round, r.source, r.request?.supplierName, r.approvals.map((a) => a.approvalId)])).toEqual([
      [1, 'ROUND', first.supplierName, ['A1']],
      [2, 'ROUND', 'Southwind Transcription Ltd', ['A2']],
    ]);
    expect(changesInRound(rounds, 2)).toEqual([{ what: 'Supplier', before: first.supplierName, after: 'Southwind Transcription Ltd' }]);
  });

  // A request stored before rounds had items: every round start rewrote the request item with that
  // round's request, so it holds the current round's; an earlier round's is in the next
  // resubmission's event where that event carries it, and otherwise was not kept.
  it('reads a request without round items: the request item is the current round, a resubmission event the round before', () => {
    const view: RequestView = {
      request: requestRecord({ round: 3, request: third }),
      approvals: [approvalRecord({ round: 1, approvalId: 'A1' }), approvalRecord({ round: 3, approvalId: 'A3' })],
      audit: [submitted, resubmitted(2), resubmitted(3, second)],
      rounds: [],
    };
    const rounds = requestRounds(view);
    expect(rounds.map((r) => [r.round, r.source, r.start, r.startedAt, r.request?.supplierName])).toEqual([
      [1, 'NOT_KEPT', 'SUBMITTED', AT, undefined],
      [2, 'AUDIT', 'RESUBMITTED', '2026-12-02T10:00:00.000Z', 'Southwind Transcription Ltd'],
      [3, 'REQUEST', 'RESUBMITTED', '2026-12-03T10:00:00.000Z', 'Southwind Transcription Ltd'],
    ]);
    expect(rounds[2]!.request).toEqual(third);
    expect(rounds[0]!.approvals.map((a) => a.approvalId)).toEqual(['A1']);
    expect(changesInRound(rounds, 2)).toBeUndefined();
    expect(changesInRound(rounds, 3)!.map((c) => c.what)).toEqual(['Planned start date']);
  });

  it('prefers a round item to the request item for the current round', () => {
    const view: RequestView = {
      request: requestRecord({ round: 1, request: second }),
      approvals: [],
      audit: [submitted],
      rounds: [roundRecord()],
    };
    expect(requestRounds(view)[0]).toMatchObject({ source: 'ROUND', request: first });
  });
});
