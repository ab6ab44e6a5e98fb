import type { Finding } from '../../store/records.ts';
import { approvalNeededAfterBreach } from '../offshoring-policy.ts';
import { changeIncident, flagService, incidentPageLink, sendPendingNotifications } from '../incidents.ts';
import { INCIDENT_KIND_WORDS, INCIDENT_RECIPIENT_WORDS, INCIDENT_STATUS_WORDS, ukTime } from '../words.ts';
import { logger } from '../../platform/observability.ts';
import type { Check } from './check.ts';

export const title = 'Open incidents, emails about them still to send, and services needing approval after a breach';

/**
 * Breaches and incidents (Offshoring Policy, Policy): each one still watched (gsi3) is looked at.
 * An email to the DPO, the Operational Security Team or the reporter that failed is sent again, and
 * reported while it still fails; an open incident is reported until the security team closes it; a
 * service with a breach is reported until a new approval round for it is approved (Approval,
 * "following a potential breach"), and flagged if its report could not flag it.
 */
export const incidents: Check = async ({ runtime, counted, serviceLink }) => {
  const findings: Finding[] = [];
  for (let incident of counted(await runtime.store.incidents.watched()).incidents) {
    const id = incident.incidentId;
    const link = incidentPageLink(runtime, id);
    const retried = incident.notifications.filter((n) => n.status === 'PENDING').map((n) => n.recipient);
    if (retried.length) incident = await sendPendingNotifications(runtime, incident, 1);
    for (const n of incident.notifications.filter((x) => retried.includes(x.recipient))) {
      const whom = `${INCIDENT_RECIPIENT_WORDS[n.recipient]} (${n.email})`;
      findings.push(
        n.status === 'PENDING'
          ? { kind: 'NOTIFICATION_PENDING', id, summary: `${id}: ${whom} has still not been emailed after ${n.attempts} tries`, link }
          : { kind: 'NOTIFICATION_SENT_LATE', id, summary: `${id}: ${whom} was emailed only on a later try`, link },
      );
    }
    if (incident.status !== 'CLOSED') {
      findings.push({
        kind: 'OPEN_INCIDENT',
        id,
        summary: `${id}: ${INCIDENT_KIND_WORDS[incident.kind]}${incident.serviceName ? ` at ${incident.serviceName}` : ''}, ${INCIDENT_STATUS_WORDS[incident.status].text.toLowerCase()}, reported at ${ukTime(incident.reportedAt)} (UK time) by ${incident.reporter.name}`,
        link,
        details: { status: incident.status, kind: incident.kind },
      });
    }
    if (!incident.serviceId) continue;
    const entry = await flagService(runtime, incident).catch((error: unknown) => {
      logger.warn('Could not flag the service of an incident', { incidentId: id, error: error as Error });
      return undefined;
    });
    if (incident.approvalAfterBreach?.status !== 'NEEDED' || !approvalNeededAfterBreach(incident)) continue;
    if (entry?.approvalAfterBreach?.incidentIds.includes(id)) {
      findings.push({
        kind: 'APPROVAL_NEEDED_AFTER_BREACH',
        id: incident.serviceId,
        summary: `${entry.serviceName} (${incident.serviceId}): a change to its personal data processing needs a new approval round after the suspected breach ${id}; none approved yet`,
        link: serviceLink(incident.serviceId),
        details: { incidentId: id },
      });
    } else if (entry) {
      // The register's entry no longer asks for it: a CHANGE begun after the breach was approved.
      await changeIncident(runtime, id, (now) => ({
        ...now,
        approvalAfterBreach: { serviceId: incident.serviceId!, status: 'APPROVED', at: runtime.clock().toISOString() },
      }));
    }
  }
  return findings;
};
