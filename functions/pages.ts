import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { webSettingsFromEnvironment, type WebSettingsSource } from '#platform/web-settings';
import { pageHandler } from '#web/page-handler';
import { startPage } from '#web/start-page';
import { ownerPages } from '#web/owner-pages';
import { securityTeamPages } from '#web/security-team-pages';
import { directoryPages } from '#web/directory-pages';
import { withCurrentDirectory } from '#domain/directory';
import { incidentPages } from '#web/incident-pages';
import { exemptionPages } from '#web/exemption-pages';

/**
 * The pages of service owners and the security team. They call the same use cases as the JSON
 * API, never the API over HTTP.
 */
const pageRoutes = (runtime: Runtime, webSettings: WebSettingsSource) =>
  pageHandler(runtime, webSettings, {
    'GET /': startPage,
    ...ownerPages,
    ...securityTeamPages,
    ...directoryPages,
    ...incidentPages,
    ...exemptionPages,
  });

/** Every page sees the approver directory in force when its request arrived (read once per request). */
export const makeHandler = (runtime: Runtime, webSettings: WebSettingsSource = runtime.webSettings ?? webSettingsFromEnvironment) =>
  withCurrentDirectory(runtime, pageRoutes(runtime, webSettings));

export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
