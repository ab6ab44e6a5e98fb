import { byRoute, httpHandler, json, pathParameter } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { NotFound, ValidationFailed } from '#web/errors';
import { assertCanRead, callerOf, ownsRequest } from '#web/identity';
import { presentRequest } from '#web/request-view';
import { InvalidPageToken } from '#store/paging';

/** GET /requests lists the caller's own requests, newest first; GET /requests/{requestId} shows one. */
export function getOffshoringRequest(runtime: Runtime) {
  return byRoute({
    'GET /requests': async (event) => {
      const caller = callerOf(event, runtime);
      const next = event.queryStringParameters?.next;
      if (next !== undefined && !/^[A-Za-z0-9_-]{1,2000}$/.test(next))
        throw new ValidationFailed([{ path: 'next', message: 'must be the next token from the previous page' }]);
      // Listed by the owner's email, kept only where the caller is the owner (by subject once recorded).
      const page = await runtime.store.listByOwner(caller.email, 50, next).catch((error: unknown) => {
        // A token the caller changed, or took from another owner's listing: never handed to DynamoDB.
        if (error instanceof InvalidPageToken) throw new ValidationFailed([{ path: 'next', message: error.message }]);
        throw error;
      });
      return json(200, {
        requests: page.requests
          .filter((r) => ownsRequest(caller, r))
          .map((r) => ({
            requestId: r.requestId,
            serviceName: r.request.serviceName,
            status: r.status,
            round: r.round,
            submittedAt: r.submittedAt,
            updatedAt: r.updatedAt,
            lateNotice: r.lateNotice,
          })),
        ...(page.next ? { next: page.next } : {}),
      });
    },
    'GET /requests/{requestId}': async (event) => {
      const caller = callerOf(event, runtime);
      const requestId = pathParameter(event, 'requestId');
      const view = await runtime.store.getRequestView(requestId);
      if (!view) throw new NotFound(`No offshoring request ${requestId}`, { requestId });
      await assertCanRead(runtime, caller, view.request);
      return json(200, presentRequest(view));
    },
  });
}

export const makeHandler = (runtime: Runtime) => httpHandler(getOffshoringRequest(runtime));
export const handler = lambdaEntry(makeHandler, dynamoDb);
