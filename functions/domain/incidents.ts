import * as z from 'zod';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runtime } from '../platform/runtime.ts';
import { INCIDENT_KINDS, approvalNeededAfterBreach, incidentRecipients, isPersonalDataBreach } from './offshoring-policy.ts';
import { PersonSchema, text, toFieldErrors } from './request.ts';
import { INCIDENT_STATUSES, type IncidentNotification, type IncidentRecord, type RegisterEntry } from '../store/records.ts';
import { StaleState, TransactionConflict } from '../store/errors.ts';
import { actorOf, type Caller } from '../web/identity.ts';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../web/errors.ts';
import { incidentReceiptEmail, incidentReportEmail } from '../email/incident-templates.ts';
import { sendEmail } from '../email/send.ts';
import { logger } from '../platform/observability.ts';

/**
 * Suspected personal-data breaches and information security incidents (Offshoring Policy, Policy;
 * Corporate Security Policy: managing and reporting security incidents). A report is stored first,
 * then whoever the policy names is emailed at once, with retries; an email that still fails stays
 * PENDING for continual monitoring to send. The service it names is flagged and its review made
 * due; after a breach the service needs a new approval round (offshoring-policy.ts).
 */

/** A report as the API and the page take it; `discoveredAt` is a date, or a date and time. */
export const IncidentReportSchema = z.strictObject({
  kind: z.enum(INCIDENT_KINDS, 'choose whether it is a personal data breach, a security incident, or both'),
  serviceId: z
    .string()
    .regex(/^SVC-[0-9A-Z]+$/, 'must be a service id from the register, e.g. SVC-…')
    .optional(),
  description: text(5000),
  discoveredAt: z.union([z.iso.date(), z.iso.datetime({ offset: true })], 'must be a date (YYYY-MM-DD) or a date and time'),
  reporter: PersonSchema.optional(),
});
export type IncidentReport = z.infer<typeof IncidentReportSchema>;

/** A status update by the security team: where the incident stands, and what was done. */
export const IncidentUpdateSchema = z.strictObject({
  status: z.enum(INCIDENT_STATUSES, 'choose open, contained or closed'),
  note: text(5000),
});

/** When it was discovered cannot be later than now (a date: later than today). */
export function discoveredInFuture(discoveredAt: string, now: Date): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(discoveredAt) ? discoveredAt > now.toISOString().slice(0, 10) : Date.parse(discoveredAt) > now.getTime();
}

export const incidentPageLink = (runtime: Pick<Runtime, 'publicBaseUrl'>, incidentId: string) =>
  `${runtime.publicBaseUrl}/incident-reports/${encodeURIComponent(incidentId)}`;

/** Reads a report's body: 400 with field paths for anything wrong, including a service the register does not have. */
export async function parseIncidentReport(runtime: Runtime, body: unknown): Promise<{ report: IncidentReport; entry?: RegisterEntry }> {
  const parsed = IncidentReportSchema.safeParse(body);
  if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
  const report = parsed.data;
  const errors = discoveredInFuture(report.discoveredAt, runtime.clock()) ? [{ path: 'discoveredAt', message: 'must not be in the future' }] : [];
  const entry = report.serviceId ? await runtime.store.register.getEntry(report.serviceId) : undefined;
  if (report.serviceId && !entry) errors.push({ path: 'serviceId', message: 'is not a service in the offshore service register' });
  if (errors.length) throw new ValidationFailed(errors);
  return { report, ...(entry ? { entry } : {}) };
}

/** POST /incidents and the report page: store it, tell whom the policy says at once, flag the service. */
export async function reportIncident(runtime: Runtime, caller: Caller, body: unknown): Promise<IncidentRecord> {
  const { report, entry } = await parseIncidentReport(runtime, body);
  const reportedAt = runtime.clock().toISOString();
  const reporter = report.reporter ?? { name: caller.name ?? caller.email, email: caller.email };
  const pending = (recipient: IncidentNotification['recipient'], person: { name: string; email: string }): IncidentNotification => ({
    recipient,
    ...person,
    status: 'PENDING',
    attempts: 0,
  });
  const incident: IncidentRecord = {
    incidentId: runtime.ids.incidentId(),
    kind: report.kind,
    ...(entry ? { serviceId: entry.serviceId, serviceName: entry.serviceName } : {}),
    description: report.description,
    discoveredAt: report.discoveredAt,
    reporter,
    reportedBy: actorOf(caller),
    reportedAt,
    status: 'OPEN',
    updates: [],
    notifications: [...incidentRecipients(report.kind).map((r) => pending(r, runtime.incidentContacts[r])), pending('REPORTER', reporter)],
    ...(entry && approvalNeededAfterBreach({ kind: report.kind, serviceId: entry.serviceId })
      ? { approvalAfterBreach: { serviceId: entry.serviceId, status: 'NEEDED' as const } }
      : {}),
    version: 1,
  };
  await runtime.store.incidents.create(incident);
  const told = await sendPendingNotifications(runtime, incident, SEND_TRIES);
  // The report stands whatever happens to the flag: monitoring flags the service if this fails.
  if (entry) await flagService(runtime, incident).catch((error) => logger.error('Could not flag the service', { error: error as Error }));
  return told;
}

/** Tries of each email when a report is made (the SDK retries each try too); monitoring tries again later. */
const SEND_TRIES = 3;

/** The email a notification stands for. */
function messageFor(runtime: Runtime, incident: IncidentRecord, n: IncidentNotification) {
  const link = incidentPageLink(runtime, incident.incidentId);
  if (n.recipient === 'REPORTER') return incidentReceiptEmail(incident, incidentRecipients(incident.kind), link);
  return incidentReportEmail(incident, { name: n.name, email: n.email }, n.recipient, link);
}

/**
 * Sends each email still PENDING, up to `tries` times, and records each outcome on the incident.
 * An email is sent before it is recorded, so one whose recording is lost may be sent twice: for a
 * breach report, twice is better than never.
 */
export async function sendPendingNotifications(runtime: Runtime, incident: IncidentRecord, tries: number): Promise<IncidentRecord> {
  let current = incident;
  for (const n of incident.notifications.filter((x) => x.status === 'PENDING')) {
    let outcome: Partial<IncidentNotification> = {};
    let attempts = 0;
    for (let attempt = 1; attempt <= tries; attempt++) {
      attempts++;
      try {
        const messageId = await sendEmail(runtime, messageFor(runtime, current, n));
        outcome = { status: 'SENT', sentAt: runtime.clock().toISOString(), ...(messageId ? { messageId } : {}), lastError: undefined };
        break;
      } catch (error) {
        outcome = { lastError: `${(error as Error).name}: ${(error as Error).message}`.slice(0, 300) };
        logger.warn('Incident email not sent', { incidentId: incident.incidentId, recipient: n.recipient, attempt, error: error as Error });
        if (attempt < tries) await sleep(100 * attempt);
      }
    }
    const at = runtime.clock().toISOString();
    current = await changeIncident(runtime, current.incidentId, (now) => ({
      ...now,
      notifications: now.notifications.map((x) =>
        x.recipient === n.recipient && x.status === 'PENDING' ? { ...x, ...outcome, attempts: x.attempts + attempts, lastAttemptAt: at } : x,
      ),
    }));
  }
  return current;
}

/** Applies a change to the incident as it is now, again if another change was saved first. */
export async function changeIncident(runtime: Runtime, incidentId: string, change: (now: IncidentRecord) => IncidentRecord): Promise<IncidentRecord> {
  for (let attempt = 1; ; attempt++) {
    const now = await runtime.store.incidents.get(incidentId);
    if (!now) throw new NotFound(`No incident ${incidentId}`, { incidentId });
    const next = { ...change(now), version: now.version + 1 };
    try {
      await runtime.store.incidents.save(next, now.version);
      return next;
    } catch (error) {
      if (!(error instanceof StaleState || error instanceof TransactionConflict) || attempt >= 5) throw error;
    }
  }
}

/**
 * The service's register entry is flagged with the incident and its review made due today; after a
 * breach it needs a new approval round (Offshoring Policy, Approval, "following a potential
 * breach"). Writes a register version; does nothing if the entry already names the incident.
 */
export async function flagService(runtime: Runtime, incident: IncidentRecord): Promise<RegisterEntry | undefined> {
  if (!incident.serviceId) return undefined;
  for (let attempt = 1; ; attempt++) {
    const entry = await runtime.store.register.getEntry(incident.serviceId);
    if (!entry || entry.incidents?.some((i) => i.incidentId === incident.incidentId)) return entry;
    const breach = isPersonalDataBreach(incident.kind);
    const next: RegisterEntry = {
      ...entry,
      version: entry.version + 1,
      incidents: [...(entry.incidents ?? []), { incidentId: incident.incidentId, kind: incident.kind, reportedAt: incident.reportedAt }],
      reviewDue: runtime.clock().toISOString().slice(0, 10),
      dueSoonNotifiedFor: undefined,
      ...(breach
        ? {
            approvalAfterBreach: {
              incidentIds: [...(entry.approvalAfterBreach?.incidentIds ?? []), incident.incidentId],
              since: incident.reportedAt,
            },
          }
        : {}),
    };
    const why = breach ? 'review due now, and a new approval round before any change to its personal data processing' : 'review due now';
    try {
      await runtime.store.register.putRegisterVersion(next, {
        reason: `${incident.incidentId} reported (${incident.kind === 'SECURITY_INCIDENT' ? 'security incident' : 'suspected personal data breach'}): ${why}`,
        replaces: entry.version,
      });
      return next;
    } catch (error) {
      if (!(error instanceof StaleState || error instanceof TransactionConflict) || attempt >= 5) throw error;
    }
  }
}

/**
 * Whether the caller may read the incident: the security team, or whoever reported it (by subject:
 * a later holder of the same email address is someone else). A reporter named by someone else has
 * the receipt.
 */
export function mayRead(caller: Caller, incident: IncidentRecord): boolean {
  return caller.securityTeam || (incident.reportedBy.sub !== undefined && incident.reportedBy.sub === caller.sub);
}

export async function readIncident(runtime: Runtime, caller: Caller, incidentId: string): Promise<IncidentRecord> {
  const incident = await runtime.store.incidents.get(incidentId);
  if (!incident) throw new NotFound(`No incident ${incidentId}`, { incidentId });
  if (!mayRead(caller, incident)) throw new Forbidden(`Only the security team or whoever reported ${incidentId} may see it`);
  return incident;
}

/** The security team sees every incident; anyone else the ones they reported. */
export async function listIncidents(runtime: Runtime, caller: Caller): Promise<IncidentRecord[]> {
  if (caller.securityTeam) return runtime.store.incidents.list();
  return (await runtime.store.incidents.listReportedBy(caller.email)).filter((i) => mayRead(caller, i));
}

/** The security team records where an incident stands, with a note (Corporate Security Policy: managing security incidents). */
export async function updateIncident(runtime: Runtime, caller: Caller, incidentId: string, body: unknown): Promise<IncidentRecord> {
  if (!caller.securityTeam) throw new Forbidden('Only the security team may update an incident');
  const parsed = IncidentUpdateSchema.safeParse(body);
  if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
  const seen = await readIncident(runtime, caller, incidentId);
  const at = runtime.clock().toISOString();
  const next: IncidentRecord = {
    ...seen,
    status: parsed.data.status,
    updates: [...seen.updates, { at, actor: actorOf(caller), status: parsed.data.status, note: parsed.data.note }],
    version: seen.version + 1,
  };
  try {
    await runtime.store.incidents.save(next, seen.version);
  } catch (error) {
    if (error instanceof StaleState)
      throw new Conflict(`Another update to ${incidentId} was saved first; reload it to see where it stands`, { incidentId });
    throw error;
  }
  return next;
}
