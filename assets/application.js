// Progressive enhancement only: every page works without this script.
import { initAll as initGovukFrontend } from 'govuk-frontend';
import { initAll as initMojFrontend } from '@ministryofjustice/frontend';

initGovukFrontend();
initMojFrontend();
