import type { Check } from './check.ts';
import { roleInWords, ukDeadline } from '../words.ts';

export const title = 'Approvals waiting past a reminder, chase or lapse that did not happen';

/** Approvals whose branch should have moved on (reminded, chased or lapsed) and did not. */
export const missedChases: Check = async ({ overdueChases, requestLink }) => {
  const late = (await overdueChases()).filter(({ approval }) => approval.kind !== 'ENDORSEMENT');
  return late.map(({ approval, dueAt }) => ({
    kind: 'MISSED_CHASE',
    id: approval.approvalId,
    summary: `${roleInWords(approval.role)}: ${approval.name}, on ${approval.requestId}: next step was due at ${ukDeadline(dueAt)} and has not happened`,
    link: requestLink(approval.requestId),
    details: { requestId: approval.requestId, dueAt, remindedAt: approval.remindedAt ?? null, chasedAt: approval.chasedAt ?? null },
  }));
};
