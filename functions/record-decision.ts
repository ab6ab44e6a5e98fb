import { httpHandler, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { withCurrentDirectory } from '#domain/directory';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { DecisionFormSchema, openApprovalLink, recordDecision, resumeRecordedDecision } from '#domain/decisions';
import { AlreadyDecided, Conflict } from '#web/errors';
import { concludeEscalation } from '#domain/rejection-routes';
import { toFieldErrors } from '#domain/request';
import { approverPageHeaders, decisionPage, decisionRecordedPage, linkProblemPage } from '#web/approval-pages';

/**
 * POST /approvals/{approvalId} (form: token, decision, reason): records the decision, consumes the
 * link and resumes the workflow. The page then shows what was recorded and what happens next. A
 * reason sent with an approval is kept with it as a comment.
 */
export function submitDecision(runtime: Runtime) {
  return async (event: HttpEvent) => {
    const approvalId = pathParameter(event, 'approvalId');
    // The token travels in the form's action URL (so the gateway's link authorizer sees it), or as a form field.
    const body = (event.body ?? {}) as Record<string, unknown>;
    const form: Record<string, unknown> = { ...body, token: event.queryStringParameters?.token ?? body.token };
    const opened = await openApprovalLink(runtime, approvalId, form.token).catch(async (error: unknown) => {
      // Sent again after it was recorded: still 409, and whatever the first try left undone is done now.
      if (error instanceof AlreadyDecided) await finishRecordedDecision(runtime, approvalId, form.token);
      throw error;
    });
    const parsed = DecisionFormSchema.safeParse(form);
    if (!parsed.success) {
      const text = (value: unknown) => (typeof value === 'string' ? value : '');
      const values = { decision: text(form.decision), reason: text(form.reason) };
      return decisionPage(runtime, opened, form.token as string, { errors: toFieldErrors(parsed.error), values }, 400);
    }
    const decided = await recordDecision(runtime, opened, parsed.data);
    if (decided.kind === 'ENDORSEMENT') await concludeEscalation(runtime, decided.requestId, decided);
    return decisionRecordedPage(runtime, opened, decided);
  };
}

/** What follows a recorded decision, done again where it was cut short: the workflow resumed, an endorsement's effect. */
async function finishRecordedDecision(runtime: Runtime, approvalId: string, token: unknown): Promise<void> {
  const recorded = await resumeRecordedDecision(runtime, approvalId, token);
  if (recorded?.kind !== 'ENDORSEMENT' || (await runtime.store.getRequest(recorded.requestId))?.status !== 'ESCALATED') return;
  await concludeEscalation(runtime, recorded.requestId, recorded).catch((error: unknown) => {
    // Something else moved the request on meanwhile: nothing is left to finish.
    if (!(error instanceof Conflict)) throw error;
  });
}

// An endorsed escalation starts a new round: its approvers come from the directory in force.
export const makeHandler = (runtime: Runtime) =>
  withCurrentDirectory(
    runtime,
    httpHandler(submitDecision(runtime), { formBody: true, render: linkProblemPage(runtime), securityHeaders: approverPageHeaders() }),
  );
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
