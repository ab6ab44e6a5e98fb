import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { webSettingsFromEnvironment, type WebSettingsSource } from '#platform/web-settings';
import { pageHandler } from '#web/page-handler';
import { startPage } from '#web/start-page';
import { ownerPages } from '#web/owner-pages';
import { securityTeamPages } from '#web/security-team-pages';
import { incidentPages } from '#web/incident-pages';

/**
 * The pages of service owners and the security team. They call the same use cases as the JSON
 * API, never the API over HTTP.
 */
export const makeHandler = (runtime: Runtime, webSettings: WebSettingsSource = runtime.webSettings ?? webSettingsFromEnvironment) =>
  pageHandler(runtime, webSettings, {
    'GET /': startPage,
    ...ownerPages,
    ...securityTeamPages,
    ...incidentPages,
  });

export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
