import { httpHandler, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { DecisionFormSchema, openApprovalLink, recordDecision } from '#domain/decisions';
import { concludeEscalation } from '#domain/rejection-routes';
import { errorPage, page, pageSecurityHeaders } from '#web/pages';
import { html } from '#web/html';
import { toFieldErrors } from '#domain/request';
import { ROLE_TITLES } from '#domain/offshoring-policy';
import { formatDate } from '#email/templates';
import { decisionAction, decisionForm } from './approval-page.ts';

/**
 * POST /approvals/{approvalId} (form: token, decision, reason): records the decision, consumes the
 * link and resumes the workflow. The page then shows what was recorded.
 */
export function submitDecision(runtime: Runtime) {
  return async (event: HttpEvent) => {
    const approvalId = pathParameter(event, 'approvalId');
    // The token travels in the form's action URL (so the gateway's link authorizer sees it), or as a form field.
    const body = (event.body ?? {}) as Record<string, unknown>;
    const form: Record<string, unknown> = { ...body, token: event.queryStringParameters?.token ?? body.token };
    const opened = await openApprovalLink(runtime, approvalId, form.token);
    const parsed = DecisionFormSchema.safeParse(form);
    if (!parsed.success) {
      const values = { decision: String(form.decision ?? ''), reason: String(form.reason ?? '') };
      return page(400, 'Check your answer', decisionForm(opened, decisionAction(runtime, opened, form.token as string), toFieldErrors(parsed.error), values));
    }
    const decided = await recordDecision(runtime, opened, parsed.data);
    if (decided.kind === 'ENDORSEMENT') await concludeEscalation(runtime, decided.requestId, decided);

    const endorsement = decided.kind === 'ENDORSEMENT';
    const word = endorsement ? (decided.status === 'APPROVED' ? 'Endorsed' : 'Declined') : decided.status === 'APPROVED' ? 'Approved' : 'Rejected';
    return page(
      200,
      `Decision recorded: ${word}`,
      html`<h1>Decision recorded: ${word}</h1>
<p class="notice">Thank you. Your decision on <strong>${opened.request.request.serviceName}</strong> (${opened.request.requestId}) is recorded as written evidence:</p>
<table>
<tr><th scope="row">Decision</th><td>${word}</td></tr>
<tr><th scope="row">By</th><td>${decided.name} (${ROLE_TITLES[decided.role]}), ${decided.email}</td></tr>
<tr><th scope="row">At</th><td>${formatDate(decided.decidedAt!)}</td></tr>
<tr><th scope="row">Reason</th><td>${decided.reason ?? '(none given)'}</td></tr>
<tr><th scope="row">Request version</th><td>Round ${decided.round}</td></tr>
</table>
<p>You can close this page. The link you used no longer works.</p>`,
    );
  };
}

export const makeHandler = (runtime: Runtime) =>
  httpHandler(submitDecision(runtime), { formBody: true, render: errorPage, securityHeaders: pageSecurityHeaders(runtime.publicBaseUrl) });
export const handler = lambdaEntry(makeHandler);
