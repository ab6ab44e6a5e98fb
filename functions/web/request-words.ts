import type { AuditEvent } from '../store/audit.ts';
import type { Actor } from '../store/records.ts';
import type { ApproverDirectory } from '../platform/directory.ts';
import { ROLE_TITLES } from '../domain/offshoring-policy.ts';
import { ukDate, ukDeadline } from '../domain/words.ts';

/**
 * A request's history as people read it: each audit event as who did what, and when, in words
 * (never its type or a role's code), for the MoJ timeline.
 */

/** "Agency or Departmental Senior Information Risk Officer (SIRO), HM Courts & Tribunals Service" */
export function approverRole(role: string, businessArea: string | undefined, directory: ApproverDirectory): string {
  const title = ROLE_TITLES[role as keyof typeof ROLE_TITLES] ?? 'Approver';
  const area = businessArea ? directory.businessAreas[businessArea]?.name : undefined;
  return area ? `${title}, ${area}` : title;
}

export const businessAreaName = (code: string, directory: ApproverDirectory) => directory.businessAreas[code]?.name ?? code;

function who(actor: Actor): string {
  if (actor.kind === 'SYSTEM') return 'the service';
  return actor.name ?? actor.email ?? 'someone';
}

export interface TimelineEntry {
  label: string;
  byline: string;
  at: string;
  text: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One audit event in words. */
export function eventInWords(event: AuditEvent, directory: ApproverDirectory): TimelineEntry {
  const entry = (label: string, text = '') => ({ label, byline: who(event.actor), at: event.at, text });
  const role = (details: { role: string }) => approverRole(details.role, undefined, directory);
  switch (event.type) {
    case 'REQUEST_SUBMITTED':
      return entry(
        'Request submitted',
        `${plural(event.details.requiredApprovers.length, 'approver was', 'approvers were')} asked to decide by ${ukDeadline(event.details.respondBy)}.`,
      );
    case 'REQUEST_RESUBMITTED':
      return entry(
        `Plans adjusted and resubmitted: approval round ${event.round ?? ''}`.trim(),
        `Every required approver was asked again, to decide by ${ukDeadline(event.details.respondBy)}.`,
      );
    case 'MITIGATIONS_PROVIDED':
      return entry(
        event.details.replaceExisting ? 'Mitigations replaced' : 'Mitigations added',
        `${event.details.mitigations.join('\n')}\nEvery required approver was asked again, to decide by ${ukDeadline(event.details.respondBy)}.`,
      );
    case 'ROUND_STARTED_AFTER_ENDORSEMENT':
      return entry(
        'New approval round after the Departmental Head’s endorsement',
        `Every required approver was asked again, to decide by ${ukDeadline(event.details.respondBy)}.`,
      );
    case 'WORKFLOW_START_FAILED':
    case 'WORKFLOW_FAILED':
    case 'RECONCILED_TO_ERROR':
      return entry('The approval round stopped', 'Something went wrong on our side. The security team has been told and will put it right.');
    case 'APPROVAL_REQUESTED':
      return entry(`${role(event.details)} asked to decide`, `${event.details.name}, by ${ukDeadline(event.details.respondBy)}.`);
    case 'APPROVER_REMINDED':
      return entry(`${role(event.details)} reminded`, `${event.details.name}, who has until ${ukDeadline(event.details.respondBy)}.`);
    case 'APPROVER_CHASED':
    case 'APPROVAL_ESCALATED':
      return entry(
        `${role(event.details)} chased`,
        `${event.details.name} had not decided${event.details.escalatedTo ? `; ${event.details.escalatedTo} was told` : ''}.`,
      );
    case 'APPROVAL_LAPSED':
      return entry(
        `${role(event.details)} did not decide in time`,
        `${event.details.name} did not answer by ${ukDeadline(event.details.respondBy)}.`,
      );
    case 'OWNER_CHASED':
      return entry(
        'Service owner told who has not decided',
        event.details.silentApprovers.map((a) => `${approverRole(a.role, undefined, directory)}: ${a.name}`).join('\n'),
      );
    case 'APPROVAL_DECIDED':
      return entry(
        `${role(event.details)} ${event.details.decision === 'APPROVED' ? 'approved' : 'rejected'}`,
        event.details.reason ? `Reason: ${event.details.reason}` : '',
      );
    case 'REQUEST_APPROVED':
      return entry('Request approved', 'Every required approver approved it.');
    case 'REQUEST_REJECTED':
      return entry('Request rejected', event.details.reasons.map((r) => `${approverRole(r.role, undefined, directory)}: ${r.reason}`).join('\n'));
    case 'SERVICE_REGISTERED':
      return entry(
        event.details.updated ? 'Offshore service register updated' : 'Added to the offshore service register',
        `Service ${event.details.serviceId}.`,
      );
    case 'EXISTING_CONTRACT_LISTED':
      return entry(
        event.details.compliance === 'NON_COMPLIANT'
          ? 'Listed in the offshore service register as non-compliant'
          : 'Listed in the offshore service register, under assessment',
        event.details.compliance === 'NON_COMPLIANT'
          ? `Service ${event.details.serviceId}: the existing contract is not approved, and is monitored against its action plan date, ${ukDate(event.details.actionPlanDate)}.`
          : `Service ${event.details.serviceId}: the existing contract is live, so it is monitored while it is assessed.`,
      );
    case 'ESCALATED_TO_DEPARTMENTAL_HEAD':
      return entry(
        `Escalated to the Departmental Head, ${businessAreaName(event.details.businessArea, directory)}`,
        [
          `${event.details.departmentalHead.name} was asked to consider the case for approval:\n${event.details.caseForApproval}`,
          ...(event.details.risksRectified ? [`Residual or inherent risk rectified:\n${event.details.risksRectified}`] : []),
        ].join('\n\n'),
      );
    case 'ESCALATION_DECIDED':
      return entry(
        event.details.decision === 'APPROVED' ? 'Departmental Head endorsed the request' : 'Departmental Head declined to endorse the request',
        event.details.reason ? `Reason: ${event.details.reason}` : '',
      );
    case 'ESCALATION_LAPSED':
      return entry('Departmental Head did not decide in time', 'The request is rejected again, and its routes are open.');
    case 'REQUEST_CLOSED':
      return entry('Request closed', event.details.reason ? `Reason: ${event.details.reason}` : '');
    case 'REQUEST_WITHDRAWN':
      return entry('Request withdrawn', event.details.reason ? `Reason: ${event.details.reason}` : '');
    case 'EMAIL_SENT':
      return entry(`Email sent: ${event.details.subject}`, `To ${event.details.to.join(', ')}.`);
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The MoJ timeline's parameters for the entries, newest first (each entry's text is escaped here, as its macro takes HTML). */
export function timelineParams(entries: readonly TimelineEntry[], headingLevel = 3) {
  const params = {
    headingLevel,
    classes: 'app-wrap',
    items: [...entries]
      .sort((a, b) => b.at.localeCompare(a.at))
      .map((e) => ({
        label: { text: e.label },
        byline: { text: e.byline },
        datetime: { timestamp: e.at, type: 'datetime' },
        html: e.text ? `<p class="govuk-body app-pre-line">${escapeHtml(e.text)}</p>` : '',
      })),
  };
  return params;
}
