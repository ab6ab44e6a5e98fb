import type { Context } from 'aws-lambda';
import { httpHandler, json, type HttpEvent } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { withCurrentDirectory } from '#domain/directory';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { callerOf } from '#web/identity';
import { submitOffshoringRequest } from '#domain/submission';
import { validateOffshoringRequest } from '#domain/request-checks';

/** POST /requests: a service owner submits an offshoring request (an Idempotency-Key makes a retry safe). */
export function intake(runtime: Runtime) {
  const submit = submitOffshoringRequest(runtime);
  return async (event: HttpEvent, context: Context) => {
    const caller = callerOf(event, runtime);
    const request = validateOffshoringRequest(event.body, runtime.directory);
    const created = await submit(caller, request, event.headers?.['idempotency-key'], context);
    return json(201, created, { Location: `/requests/${created.requestId}` });
  };
}

export const makeHandler = (runtime: Runtime) => httpHandler(withCurrentDirectory(runtime, intake(runtime)), { jsonBody: true });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
