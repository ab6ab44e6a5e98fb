import { httpHandler, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { openApprovalLink } from '#domain/decisions';
import { errorPage, page, pageSecurityHeaders } from '#web/pages';
import { decisionAction, decisionForm } from '#web/approval-pages';

/**
 * GET /approvals/{approvalId}?token=…: what the emailed link opens. Mail scanners open every link,
 * so this only shows the request and a form; nothing changes until the person presses a button.
 */
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
export const handler = lambdaEntry(makeHandler, dynamoDb);
