import { SYSTEM, approverOf, type Finding } from '../../store/records.ts';
import { StaleState } from '../../store/errors.ts';
import { escalationLapsedEmail } from '../../email/templates.ts';
import { sendEmail } from '../../email/send.ts';
import type { Check } from './check.ts';

export const title = 'Escalations the Departmental Head did not answer in time (the request returns to REJECTED)';

// Offshoring Policy, Process 3(b): an escalation nobody answers must not hold the request forever.
export const escalations: Check = async ({ runtime, read, overdueChases, requestLink }) => {
  const { clock, store } = runtime;
  const findings: Finding[] = [];
  for (const { approval } of (await overdueChases()).filter((chase) => chase.approval.kind === 'ENDORSEMENT')) {
    const request = await store.getRequest(approval.requestId);
    read(1);
    if (request?.status !== 'ESCALATED' || request.round !== approval.round) continue;
    const at = clock().toISOString();
    const reason = `The ${approval.businessArea} Departmental Head did not respond to the escalation by ${approval.respondBy}`;
    try {
      await store.transition(
        request,
        'ESCALATION_LAPSED',
        { reason, at, set: { escalation: undefined } },
        { eventId: runtime.ids.eventId(), at, type: 'ESCALATION_LAPSED', actor: SYSTEM, round: request.round, details: { ...approverOf(approval), respondBy: approval.respondBy } },
        { lapse: { approval, reason: 'no response in time' } },
      );
    } catch (error) {
      if (error instanceof StaleState) continue; // the Head answered meanwhile
      throw error;
    }
    await sendEmail(runtime, escalationLapsedEmail(request, approval));
    findings.push({ kind: 'ESCALATION_LAPSED', id: request.requestId, summary: `${request.request.serviceName} (${request.requestId}): ${reason}; back to REJECTED`, link: requestLink(request.requestId) });
  }
  return findings;
};
