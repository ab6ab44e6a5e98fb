import * as z from 'zod';
import { byRoute, httpHandler, json } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { withCurrentDirectory } from '#domain/directory';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { listRuns, runMonitoring } from '#domain/monitoring';
import { assertSecurityTeam, callerOf } from '#web/identity';
import { ValidationFailed } from '#web/errors';
import { toFieldErrors } from '#domain/request';

/** Running the checks takes no options: no body, or an empty JSON object. */
const RunRequestSchema = z.strictObject({}, 'send no body (or {}): a run takes no options');

/**
 * GET /monitoring/runs: recent runs with their findings. POST /monitoring/runs: run today's checks
 * now (the security team, or `npm run monitor` locally); if today's run exists it is returned and
 * no second digest is sent. A body the route does not take is refused, not ignored: a refused body
 * never starts a run.
 */
export function monitoringApi(runtime: Runtime) {
  return byRoute({
    'GET /monitoring/runs': async (event) => {
      assertSecurityTeam(callerOf(event, runtime));
      return json(200, { runs: await listRuns(runtime) });
    },
    'POST /monitoring/runs': async (event) => {
      assertSecurityTeam(callerOf(event, runtime));
      // A JSON `""` is a body, not the absence of one.
      const sentJson = /json/i.test(event.headers?.['content-type'] ?? '');
      if (event.body !== undefined && (event.body !== '' || sentJson)) {
        const parsed = RunRequestSchema.safeParse(event.body);
        if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
      }
      const run = await runMonitoring(runtime);
      return json(run.repeated ? 200 : 201, run);
    },
  });
}

export const makeHandler = (runtime: Runtime) => httpHandler(withCurrentDirectory(runtime, monitoringApi(runtime)), { jsonBody: 'optional' });
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
