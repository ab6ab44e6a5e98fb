import { httpHandler, json, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { actorOf, callerOf } from '#web/identity';
import { assertSameServiceOwner, beginNewRound, loadRejected } from '#domain/rejection-routes';
import { checkServiceReference, validateOffshoringRequest } from '#domain/request-checks';

/** POST /requests/{requestId}/resubmissions: Process 3(a), adjust plans so that approval is granted. */
export function resubmitRequest(runtime: Runtime) {
  return async (event: HttpEvent) => {
    const requestId = pathParameter(event, 'requestId');
    const adjusted = validateOffshoringRequest(event.body, runtime.directory);
    const caller = callerOf(event, runtime);
    const view = await loadRejected(runtime, requestId, caller);
    assertSameServiceOwner(view.request, adjusted);
    const serviceBeforeChange = await checkServiceReference(runtime, adjusted, caller);
    const body = await beginNewRound(runtime, {
      view,
      event: 'ADJUST_PLANS',
      request: adjusted,
      serviceBeforeChange,
      actor: actorOf(caller),
      audit: { type: 'REQUEST_RESUBMITTED', details: { previousRound: view.request.round } },
    });
    return json(201, body, { Location: `/requests/${requestId}` });
  };
}

export const makeHandler = (runtime: Runtime) => httpHandler(resubmitRequest(runtime), { jsonBody: true });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions);
