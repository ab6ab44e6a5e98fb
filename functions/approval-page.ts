import { httpHandler, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { openApprovalLink } from '#domain/decisions';
import { errorPage, factsTable, page, pageSecurityHeaders } from '#web/pages';
import { html } from '#web/html';
import { ROLE_TITLES } from '#domain/offshoring-policy';
import { formatDate } from '#email/templates';
import type { OpenedLink } from '#domain/decisions';
import type { FieldError } from '#domain/request';
import { approvalLink } from '#domain/links';

/**
 * The form posts back to the emailed link itself, built on the public base URL: behind a custom
 * domain with a base path (https://…/offshore) a root-relative action would lose the path.
 */
export function decisionAction(runtime: Pick<Runtime, 'publicBaseUrl'>, { approval }: OpenedLink, token: string): string {
  return approvalLink(runtime.publicBaseUrl, approval.approvalId, token);
}

/**
 * GET /approvals/{approvalId}?token=…: what the emailed link opens. Mail scanners open every link,
 * so this only shows the request and a form; nothing changes until the person presses a button.
 */
export function decisionForm({ approval, request }: OpenedLink, action: string, errors: FieldError[] = [], values: { decision?: string; reason?: string } = {}) {
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

export function showApprovalPage(runtime: Runtime) {
  return async (event: HttpEvent) => {
    const approvalId = pathParameter(event, 'approvalId');
    const token = event.queryStringParameters?.token;
    const opened = await openApprovalLink(runtime, approvalId, token);
    return page(200, opened.request.request.serviceName, decisionForm(opened, decisionAction(runtime, opened, token as string)));
  };
}

export const makeHandler = (runtime: Runtime) =>
  httpHandler(showApprovalPage(runtime), { render: errorPage, securityHeaders: pageSecurityHeaders(runtime.publicBaseUrl) });
export const handler = lambdaEntry(makeHandler);
