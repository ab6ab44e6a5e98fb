import { httpHandler, json, type HttpEvent } from '#shared/http';
import { lambdaEntry, type Runtime } from '#shared/runtime';
import { listRuns, runMonitoring } from '#shared/monitoring';
import { assertSecurityTeam, callerOf } from '#shared/identity';

/**
 * GET /monitoring/runs: recent runs with their findings. POST /monitoring/runs: run today's checks
 * now (the security team, or `npm run monitor` locally); if today's run exists it is returned and
 * no second digest is sent.
 */
export function monitoringApi(runtime: Runtime) {
  return async (event: HttpEvent) => {
    assertSecurityTeam(callerOf(event, runtime));
    if (event.requestContext.http.method === 'POST') {
      const run = await runMonitoring(runtime);
      return json(run.repeated ? 200 : 201, run);
    }
    return json(200, { runs: await listRuns(runtime) });
  };
}

export const makeHandler = (runtime: Runtime) => httpHandler(monitoringApi(runtime));
export const handler = lambdaEntry(makeHandler);
