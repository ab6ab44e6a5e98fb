import { httpHandler, json, pathParameter, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { actorOf, callerOf } from '#web/identity';
import { ValidationFailed } from '#web/errors';
import { toFieldErrors } from '#domain/request';
import { MitigationsSchema, beginNewRound, loadRejected } from '#domain/rejection-routes';

/** POST /requests/{requestId}/mitigations: Process 3(c), additional or alternative mitigations. */
export function addMitigations(runtime: Runtime) {
  return async (event: HttpEvent) => {
    const requestId = pathParameter(event, 'requestId');
    const parsed = MitigationsSchema.safeParse(event.body);
    if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
    const caller = callerOf(event, runtime);
    const view = await loadRejected(runtime, requestId, caller);
    const { mitigations, replaceExisting } = parsed.data;
    const previous = view.request.request.mitigations;
    const body = await beginNewRound(runtime, {
      view,
      event: 'PROVIDE_MITIGATIONS',
      request: { ...view.request.request, mitigations: replaceExisting ? mitigations : [...previous, ...mitigations] },
      actor: actorOf(caller),
      audit: { type: 'MITIGATIONS_PROVIDED', details: { previousRound: view.request.round, mitigations, replaceExisting } },
    });
    return json(201, body, { Location: `/requests/${requestId}` });
  };
}

export const makeHandler = (runtime: Runtime) => httpHandler(addMitigations(runtime), { jsonBody: true });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions);
