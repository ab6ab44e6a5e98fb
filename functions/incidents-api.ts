import { byRoute, httpHandler, json, pathParameter } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { ses } from '#platform/clients/ses';
import { callerOf } from '#web/identity';
import { listIncidents, readIncident, reportIncident, updateIncident } from '#domain/incidents';

/**
 * Suspected personal-data breaches and information security incidents (Offshoring Policy, Policy):
 * POST /incidents (anyone signed in), GET /incidents (the security team: all; anyone else: theirs),
 * GET /incidents/{incidentId}, POST /incidents/{incidentId}/updates (the security team).
 */
export function incidentsApi(runtime: Runtime) {
  return byRoute({
    'POST /incidents': async (event) => json(201, await reportIncident(runtime, callerOf(event, runtime), event.body)),
    'GET /incidents': async (event) => {
      const incidents = await listIncidents(runtime, callerOf(event, runtime));
      return json(200, { incidents, count: incidents.length });
    },
    'GET /incidents/{incidentId}': async (event) =>
      json(200, await readIncident(runtime, callerOf(event, runtime), pathParameter(event, 'incidentId'))),
    'POST /incidents/{incidentId}/updates': async (event) =>
      json(201, await updateIncident(runtime, callerOf(event, runtime), pathParameter(event, 'incidentId'), event.body)),
  });
}

export const makeHandler = (runtime: Runtime) => httpHandler(incidentsApi(runtime), { jsonBody: true });
export const handler = lambdaEntry(makeHandler, dynamoDb, ses);
