import { byRoute, httpHandler, json } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { withCurrentDirectory } from '#domain/directory';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { callerOf } from '#web/identity';
import { submitExemption } from '#domain/exemptions';

/**
 * POST /exemptions: anyone signed in asks for an exemption from the Offshoring Policy or a change to
 * it (Compliance), or records one as a business area's variation (Corporate Security Policy); its
 * approvers are asked at once, as a submission's are. Its page and the lists are the pages'.
 */
export function exemptionsApi(runtime: Runtime) {
  return byRoute({
    'POST /exemptions': async (event) => {
      const created = await submitExemption(runtime, callerOf(event, runtime), event.body);
      return json(201, created, { Location: `/exemptions/${created.requestId}` });
    },
  });
}

// Routing reads the approver directory in force (a variation's Accounting Officer, the SSA and the CISO).
export const makeHandler = (runtime: Runtime) => httpHandler(withCurrentDirectory(runtime, exemptionsApi(runtime)), { jsonBody: true });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
