import { httpHandler, json, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { callerOf } from '#web/identity';
import { withdrawalOf, withdrawOffshoringRequest } from '#domain/withdrawal';

/** POST /requests/{requestId}/withdrawal: the service owner withdraws the request, optionally saying why. */
export function withdrawRequest(runtime: Runtime) {
  const withdraw = withdrawOffshoringRequest(runtime);
  return async (event: HttpEvent) => {
    const caller = callerOf(event, runtime);
    const requestId = pathParameter(event, 'requestId');
    return json(200, await withdraw(caller, requestId, withdrawalOf(event.body, event.headers?.['content-type'])));
  };
}

export const makeHandler = (runtime: Runtime) => httpHandler(withdrawRequest(runtime), { jsonBody: 'optional' });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
