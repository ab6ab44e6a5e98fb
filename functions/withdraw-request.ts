import { httpHandler, json, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { callerOf } from '#web/identity';
import { ValidationFailed } from '#web/errors';
import { toFieldErrors } from '#domain/request';
import { WithdrawalSchema, withdrawOffshoringRequest } from '#domain/withdrawal';

/** POST /requests/{requestId}/withdrawal: the service owner withdraws the request, optionally saying why. */
export function withdrawRequest(runtime: Runtime) {
  const withdraw = withdrawOffshoringRequest(runtime);
  return async (event: HttpEvent) => {
    const caller = callerOf(event, runtime);
    const requestId = pathParameter(event, 'requestId');
    // No body at all means no reason given. A JSON body must be the object: `""` or `null` is refused, never read as "no body".
    const sentJson = /json/i.test(event.headers?.['content-type'] ?? '');
    const noBody = event.body === undefined || (event.body === '' && !sentJson);
    const parsed = WithdrawalSchema.safeParse(noBody ? {} : event.body);
    if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
    return json(200, await withdraw(caller, requestId, parsed.data));
  };
}

export const makeHandler = (runtime: Runtime) => httpHandler(withdrawRequest(runtime), { jsonBody: 'optional' });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
