import { httpHandler, json, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { withCurrentDirectory } from '#domain/directory';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { callerOf } from '#web/identity';
import { validateOffshoringRequest } from '#domain/request-checks';
import { resubmitAdjustedRequest } from '#domain/adjust-and-mitigate';

/** POST /requests/{requestId}/resubmissions: Process 3(a), adjust plans so that approval is granted. */
export function resubmitRequest(runtime: Runtime) {
  return async (event: HttpEvent) => {
    const requestId = pathParameter(event, 'requestId');
    const adjusted = validateOffshoringRequest(event.body, runtime.directory);
    const body = await resubmitAdjustedRequest(runtime, callerOf(event, runtime), requestId, adjusted);
    return json(201, body, { Location: `/requests/${requestId}` });
  };
}

export const makeHandler = (runtime: Runtime) => httpHandler(withCurrentDirectory(runtime, resubmitRequest(runtime)), { jsonBody: true });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
