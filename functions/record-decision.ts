import { httpHandler, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { DecisionFormSchema, openApprovalLink, recordDecision } from '#domain/decisions';
import { concludeEscalation } from '#domain/rejection-routes';
import { errorPage, page, pageSecurityHeaders } from '#web/pages';
import { toFieldErrors } from '#domain/request';
import { decisionAction, decisionForm, decisionRecorded } from '#web/approval-pages';

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

    const recorded = decisionRecorded(opened, decided);
    return page(200, recorded.title, recorded.body);
  };
}

export const makeHandler = (runtime: Runtime) =>
  httpHandler(submitDecision(runtime), { formBody: true, render: errorPage, securityHeaders: pageSecurityHeaders(runtime.publicBaseUrl) });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
