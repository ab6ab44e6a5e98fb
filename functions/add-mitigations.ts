import { httpHandler, json, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { withCurrentDirectory } from '#domain/directory';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { callerOf } from '#web/identity';
import { ValidationFailed } from '#web/errors';
import { toFieldErrors } from '#domain/request';
import { MitigationsSchema } from '#domain/rejection-routes';
import { provideMitigations } from '#domain/adjust-and-mitigate';

/** POST /requests/{requestId}/mitigations: Process 3(c), additional or alternative mitigations. */
export function addMitigations(runtime: Runtime) {
  return async (event: HttpEvent) => {
    const requestId = pathParameter(event, 'requestId');
    const parsed = MitigationsSchema.safeParse(event.body);
    if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
    const body = await provideMitigations(runtime, callerOf(event, runtime), requestId, parsed.data);
    return json(201, body, { Location: `/requests/${requestId}` });
  };
}

export const makeHandler = (runtime: Runtime) => httpHandler(withCurrentDirectory(runtime, addMitigations(runtime)), { jsonBody: true });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
