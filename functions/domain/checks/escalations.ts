import type { Finding } from '../../store/records.ts';
import type { Check } from './check.ts';
import { ukDeadline } from '../words.ts';

export const title = 'Escalations still waiting for the Departmental Head past their deadline (their workflow did not lapse them)';

// Offshoring Policy, Process 3(b): the endorsement's own branch lapses an unanswered escalation on
// its timer; one still waiting past its deadline means that branch is stuck, and someone must look.
export const escalations: Check = async ({ runtime, read, overdueChases, requestLink }) => {
  const findings: Finding[] = [];
  for (const { approval } of (await overdueChases()).filter((chase) => chase.approval.kind === 'ENDORSEMENT')) {
    const request = await runtime.store.getRequest(approval.requestId);
    read(1);
    if (request?.status !== 'ESCALATED' || request.round !== approval.round) continue;
    findings.push({
      kind: 'ESCALATION_OVERDUE',
      id: request.requestId,
      summary: `${request.request.serviceName} (${request.requestId}): the ${approval.businessArea} Departmental Head's endorsement was due by ${ukDeadline(approval.respondBy)} and the escalation has not lapsed`,
      link: requestLink(request.requestId),
      details: { approvalId: approval.approvalId, respondBy: approval.respondBy },
    });
  }
  return findings;
};
