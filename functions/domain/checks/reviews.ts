import type { Finding } from '../../store/records.ts';
import { dueSoonHorizon, reviewStatus } from '../offshoring-policy.ts';
import { reviewDueEmail } from '../../email/templates.ts';
import { sendEmail } from '../../email/send.ts';
import { logger } from '../../platform/observability.ts';
import type { Check } from './check.ts';
import { ukDate } from '../words.ts';

export const title = 'Services whose review is due within 30 days or overdue';

/** Register entries whose review is due soon or overdue; each owner is told once per review date. */
export const reviews: Check = async ({ runtime, date, counted, serviceLink }) => {
  const { store } = runtime;
  const { entries } = counted(await store.register.dueForReview(`${dueSoonHorizon(date)}#\uffff`));
  const findings: Finding[] = [];
  for (const entry of entries) {
    const status = reviewStatus(entry.reviewDue, date);
    if (status === 'OK') continue;
    if (entry.dueSoonNotifiedFor !== entry.reviewDue) {
      // The owner is told once per review date, however many runs see it.
      await sendEmail(runtime, reviewDueEmail(entry, status === 'OVERDUE', serviceLink(entry.serviceId)));
      await store.register
        .recordReviewReminder(entry)
        .catch((error) => logger.warn('Register entry changed while notifying its owner', { serviceId: entry.serviceId, error }));
    }
    findings.push({
      kind: status,
      id: entry.serviceId,
      summary: `${entry.serviceName} (${entry.supplierName}): review ${status === 'OVERDUE' ? 'overdue since' : 'due by'} ${ukDate(entry.reviewDue)}; owner ${entry.serviceOwner.email}`,
      link: serviceLink(entry.serviceId),
      details: { reviewDue: entry.reviewDue, serviceOwner: entry.serviceOwner.email },
    });
  }
  return findings;
};
