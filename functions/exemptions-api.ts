import { byRoute, httpHandler, json, pathParameter } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { withCurrentDirectory } from '#domain/directory';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { callerOf } from '#web/identity';
import { exemptionForApi, listExemptionsForApi } from '#domain/exemptions';
import { submitExemptionOnce } from '#domain/exemption-idempotency';
import { withdrawalOf, withdrawOffshoringRequest } from '#domain/withdrawal';
import { askExemptionAgain } from '#domain/exemption-ask-again';

/**
 * POST /exemptions: anyone signed in asks for an exemption from the Offshoring Policy or a change to
 * it (Compliance), or records one as a business area's variation (Corporate Security Policy); its
 * approvers are asked at once, as a submission's are (an Idempotency-Key makes a retry safe).
 * GET /policy-exemptions (the pages hold GET /exemptions): one's own, or for the security team all,
 * by `?status=`; GET /policy-exemptions/{requestId}: one, for who asked for it or the security team.
 * POST /exemptions/{requestId}/withdrawal: withdrawn while its approvals wait, as a request is.
 * POST /exemptions/{requestId}/resubmissions: a rejected one asked for again, revised; its approvers
 * are asked again in a new round.
 */
export function exemptionsApi(runtime: Runtime) {
  const withdraw = withdrawOffshoringRequest(runtime);
  return byRoute({
    'POST /exemptions': async (event, context) => {
      const created = await submitExemptionOnce(runtime, callerOf(event, runtime), event.body, event.headers?.['idempotency-key'], context);
      return json(201, created, { Location: `/policy-exemptions/${created.requestId}` });
    },
    'GET /policy-exemptions': async (event) => {
      const exemptions = await listExemptionsForApi(runtime, callerOf(event, runtime), event.queryStringParameters?.status);
      return json(200, { exemptions });
    },
    'GET /policy-exemptions/{requestId}': async (event) =>
      json(200, await exemptionForApi(runtime, callerOf(event, runtime), pathParameter(event, 'requestId'))),
    'POST /exemptions/{requestId}/withdrawal': async (event) => {
      const caller = callerOf(event, runtime);
      const requestId = pathParameter(event, 'requestId');
      return json(200, await withdraw(caller, requestId, withdrawalOf(event.body, event.headers?.['content-type']), 'EXEMPTION'));
    },
    'POST /exemptions/{requestId}/resubmissions': async (event) => {
      const asked = await askExemptionAgain(runtime, callerOf(event, runtime), pathParameter(event, 'requestId'), event.body);
      return json(201, asked, { Location: `/policy-exemptions/${asked.requestId}` });
    },
  });
}

// Routing reads the approver directory in force (a variation's Accounting Officer, the SSA and the CISO).
export const makeHandler = (runtime: Runtime) => httpHandler(withCurrentDirectory(runtime, exemptionsApi(runtime)), { jsonBody: 'optional' });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
