import { CheckSkipped, type Check } from './check.ts';

export const title = 'Services with open incidents';

/** Why the incidents check cannot look: the digest says so rather than report a clean bill of health. */
export const INCIDENTS_NOT_TRACKED =
  'this service does not track incidents (they are reported to the MoJ Operational Security Team), so it cannot say which services have open ones';

export const incidents: Check = async () => {
  throw new CheckSkipped(INCIDENTS_NOT_TRACKED);
};
