import { httpHandler, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { withCurrentDirectory } from '#domain/directory';
import { dynamoDb } from '#platform/clients/dynamodb';
import { openApprovalLink } from '#domain/decisions';
import { approverPageHeaders, decisionPage, linkProblemPage } from '#web/approval-pages';

/**
 * GET /approvals/{approvalId}?token=…: what the emailed link opens. Mail scanners open every link,
 * so this only shows the request and a form; nothing changes until the person sends the form.
 */
export function showApprovalPage(runtime: Runtime) {
  return async (event: HttpEvent) => {
    const approvalId = pathParameter(event, 'approvalId');
    const token = event.queryStringParameters?.token;
    const opened = await openApprovalLink(runtime, approvalId, token);
    return decisionPage(runtime, opened, token as string);
  };
}

// Read-only (table: 'read'): before the directory is first saved, the seed is in force unsaved.
export const makeHandler = (runtime: Runtime) =>
  withCurrentDirectory(
    runtime,
    httpHandler(showApprovalPage(runtime), { render: linkProblemPage(runtime), securityHeaders: approverPageHeaders() }),
    { seed: false },
  );
export const handler = lambdaEntry(makeHandler, dynamoDb);
