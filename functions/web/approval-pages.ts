import type { Runtime } from '#platform/runtime';
import type { OpenedLink } from '#domain/decisions';
import type { FieldError } from '#domain/request';
import type { ApprovalRecord } from '#store/records';
import { approvalLink } from '#domain/links';
import { ROLE_TITLES } from '#domain/offshoring-policy';
import { formatDate } from '#email/templates';
import { factsTable } from './pages.ts';
import { html } from './html.ts';

/** The approver's pages: the decision form (GET, and again with errors) and what was recorded (POST). */

/**
 * The form posts back to the emailed link itself, built on the public base URL: behind a custom
 * domain with a base path (https://…/offshore) a root-relative action would lose the path.
 */
export function decisionAction(runtime: Pick<Runtime, 'publicBaseUrl'>, { approval }: OpenedLink, token: string): string {
  return approvalLink(runtime.publicBaseUrl, approval.approvalId, token);
}

/** The request and the decision form; with the problems, and what was typed, when a POST was refused. */
export function decisionForm(
  { approval, request }: OpenedLink,
  action: string,
  errors: FieldError[] = [],
  values: { decision?: string; reason?: string } = {},
) {
  const endorsement = approval.kind === 'ENDORSEMENT';
  const [yes, no] = endorsement ? ['Endorse', 'Decline'] : ['Approve', 'Reject'];
  const errorFor = (path: string) => errors.find((e) => e.path === path)?.message;
  return html`<h1>${endorsement ? 'Endorse an escalated offshoring request' : 'Offshoring approval'}: ${request.request.serviceName}</h1>
<p>You are deciding as <strong>${ROLE_TITLES[approval.role]}</strong>${approval.businessArea ? html` for ${approval.businessArea}` : ''} (${approval.name}). Please decide by ${formatDate(approval.respondBy)}.</p>
${request.lateNotice ? html`<p class="late">Urgent: ${request.lateNoticeReason}</p>` : ''}
${errors.length ? html`<div class="error" role="alert"><h2>There is a problem</h2><ul>${errors.map((e) => html`<li>${e.path ? `${e.path}: ` : ''}${e.message}</li>`)}</ul></div>` : ''}
${factsTable(request)}
<form method="post" action="${action}">
<label for="reason">Reason${endorsement ? '' : ' (required to reject, optional to approve)'}</label>
${errorFor('reason') ? html`<p class="late">${errorFor('reason')}</p>` : ''}
<textarea id="reason" name="reason" maxlength="5000">${values.reason ?? ''}</textarea>
<button class="approve" type="submit" name="decision" value="APPROVE">${yes}</button>
<button class="reject" type="submit" name="decision" value="REJECT">${no}</button>
</form>`;
}

/** What was recorded, as the approver sees it after deciding. */
export function decisionRecorded(opened: OpenedLink, decided: ApprovalRecord) {
  const endorsement = decided.kind === 'ENDORSEMENT';
  const word = endorsement ? (decided.status === 'APPROVED' ? 'Endorsed' : 'Declined') : decided.status === 'APPROVED' ? 'Approved' : 'Rejected';
  return {
    title: `Decision recorded: ${word}`,
    body: html`<h1>Decision recorded: ${word}</h1>
<p class="notice">Thank you. Your decision on <strong>${opened.request.request.serviceName}</strong> (${opened.request.requestId}) is recorded as written evidence:</p>
<table>
<tr><th scope="row">Decision</th><td>${word}</td></tr>
<tr><th scope="row">By</th><td>${decided.name} (${ROLE_TITLES[decided.role]}), ${decided.email}</td></tr>
<tr><th scope="row">At</th><td>${formatDate(decided.decidedAt!)}</td></tr>
<tr><th scope="row">Reason</th><td>${decided.reason ?? '(none given)'}</td></tr>
<tr><th scope="row">Request version</th><td>Round ${decided.round}</td></tr>
</table>
<p>You can close this page. The link you used no longer works.</p>`,
  };
}
