import type { Finding } from '../../store/records.ts';
import { exemptionInForce } from '../offshoring-policy.ts';
import { exemptionPageLink } from '../exemptions.ts';
import { ukDate } from '../words.ts';
import type { Check } from './check.ts';

export const title = 'Exemptions and variations ending soon or ended';

/** How far ahead an ending exemption is reported, and how long after it ended. */
export const EXEMPTION_WATCH_DAYS = 30;

const shift = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * Offshoring Policy, Compliance and Process 4: an approved exemption lasts until its end date; the
 * security team hears of one ending within 30 days (renew it, or bring the service back in line),
 * and of one that ended in the last 30 (the policy applies in full again). Read from the sparse
 * end-date index, so a run reads only those.
 */
export const exemptions: Check = async ({ runtime, date, counted }) => {
  const { exemptions: ending } = counted(
    await runtime.store.exemptionsEndingBetween(shift(date, -EXEMPTION_WATCH_DAYS), shift(date, EXEMPTION_WATCH_DAYS)),
  );
  // Only exemptions with an end date are in the index (a change to the policy does not end).
  return ending.flatMap((e): Finding[] => {
    const { endDate } = e.exemption;
    if (endDate === undefined) return [];
    const standing = exemptionInForce(endDate, date);
    const what = e.exemption.variation ? `Variation for ${e.exemption.variation.businessArea}` : 'Exemption';
    const scope = e.service ? `${e.service.serviceName} (${e.service.serviceId})` : 'the whole policy';
    return [
      {
        kind: standing === 'EXPIRED' ? 'EXEMPTION_EXPIRED' : 'EXEMPTION_EXPIRING',
        id: e.requestId,
        summary: `${what} ${e.requestId} for ${scope} ${standing === 'EXPIRED' ? 'ended' : 'ends'} on ${ukDate(endDate)}: ${e.exemption.policyClause}`,
        link: exemptionPageLink(runtime.publicBaseUrl, e.requestId),
        details: {
          endDate,
          requester: e.requester.email,
          ...(e.exemption.variation ? { businessArea: e.exemption.variation.businessArea } : {}),
        },
      },
    ];
  });
};
