import { byRoute, httpHandler, json } from '#web/http';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { actorOf, assertSecurityTeam, callerOf } from '#web/identity';
import { directoryHistory, parseDirectoryEdit, saveDirectoryVersion } from '#domain/directory';

/**
 * The approver directory over HTTP, for the security team: GET /directory/versions (the current
 * version and every version before it) and POST /directory/versions (a whole new version, made
 * from the version in `basedOnVersion`, with a note saying why).
 */
export function directoryApi(runtime: Runtime) {
  return byRoute({
    'GET /directory/versions': async (event) => {
      assertSecurityTeam(callerOf(event, runtime));
      return json(200, await directoryHistory(runtime));
    },
    'POST /directory/versions': async (event) => {
      const caller = callerOf(event, runtime);
      assertSecurityTeam(caller);
      const saved = await saveDirectoryVersion(runtime, actorOf(caller), parseDirectoryEdit(event.body));
      return json(201, saved, { Location: '/directory/versions' });
    },
  });
}

export const makeHandler = (runtime: Runtime) => httpHandler(directoryApi(runtime), { jsonBody: true });
export const handler = lambdaEntry(makeHandler, dynamoDb);
