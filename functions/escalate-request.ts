import { httpHandler, json, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { withCurrentDirectory } from '#domain/directory';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { actorOf, callerOf } from '#web/identity';
import { ValidationFailed } from '#web/errors';
import { toFieldErrors } from '#domain/request';
import { EscalationSchema, escalateToDepartmentalHead, loadRejected } from '#domain/rejection-routes';

/** POST /requests/{requestId}/escalations: Process 3(b), escalate to the Departmental Head. */
export function escalateRequest(runtime: Runtime) {
  return async (event: HttpEvent) => {
    const requestId = pathParameter(event, 'requestId');
    const parsed = EscalationSchema.safeParse(event.body);
    if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
    const caller = callerOf(event, runtime);
    const view = await loadRejected(runtime, requestId, caller);
    return json(202, await escalateToDepartmentalHead(runtime, view, parsed.data, actorOf(caller)), { Location: `/requests/${requestId}` });
  };
}

export const makeHandler = (runtime: Runtime) => httpHandler(withCurrentDirectory(runtime, escalateRequest(runtime)), { jsonBody: true });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
