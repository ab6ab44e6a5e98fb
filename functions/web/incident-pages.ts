import type { PageRoute, SignedInRequest } from './page-handler.ts';
import { redirect, renderPage } from './render.ts';
import { dateFromParts, errorsForPage } from './forms.ts';
import { pathParameter, type HttpEvent } from './http.ts';
import { UnsupportedMediaType, ValidationFailed } from './errors.ts';
import { listIncidents, readIncident, reportIncident, updateIncident } from '../domain/incidents.ts';
import { INCIDENT_KIND_WORDS, INCIDENT_RECIPIENT_WORDS, INCIDENT_STATUS_WORDS, discoveredInWords, ukTime } from '../domain/words.ts';
import type { IncidentNotification, IncidentRecord } from '../store/records.ts';
import type { FieldError } from '../domain/request.ts';

/**
 * Reporting a suspected personal-data breach or information security incident (Offshoring Policy,
 * Policy), for anyone signed in; the security team's list of incidents and each one's page with a
 * form to record where it stands. The same use cases as the JSON API (functions/domain/incidents.ts).
 * The pages live under /incident-reports: /incidents is the API's.
 */

const tag = (words: { text: string; colour: string }) => ({ text: words.text, classes: `govuk-tag--${words.colour}` });
const pagePath = (incidentId: string) => `/incident-reports/${encodeURIComponent(incidentId)}`;

function assertFormPost(event: HttpEvent): void {
  const type = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new UnsupportedMediaType('Send this form from its page.');
}

/** A UK wall-clock date and time ("2026-11-23", "14:30") as an instant with its offset, or the typed text for the schema to refuse. */
export function ukMoment(date: string, time: string): string {
  const match = /^(\d{1,2})[:.](\d{2})\s*$/.exec(time.trim());
  if (!match || !/^\d{4}-\d{2}-\d{2}$/.test(date) || Number(match[1]) > 23 || Number(match[2]) > 59) return `${date} ${time}`;
  const wall = Date.parse(`${date}T${match[1]!.padStart(2, '0')}:${match[2]}:00Z`);
  // The UK's offset from UTC at that moment: 0 in winter, 1 hour in summer.
  const london = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: 'numeric', hourCycle: 'h23' }).format(new Date(wall));
  const offsetHours = (Number(london) - new Date(wall).getUTCHours() + 24) % 24;
  return new Date(wall - offsetHours * 3_600_000).toISOString();
}

const LABELS: Record<string, string> = {
  kind: 'What you are reporting:',
  serviceId: 'Service:',
  description: 'What happened:',
  discoveredAt: 'When it was discovered:',
  reporter: 'Who is reporting it:',
  'reporter.name': 'Your name:',
  'reporter.email': 'Your email address:',
  status: 'Status:',
  note: 'Note:',
  '': 'The form:',
};
const ANCHORS = { kind: 'kind', discoveredAt: 'discoveredAt-day', status: 'status', reporter: 'reporter-name' };

async function reportForm({ runtime, caller, view }: SignedInRequest, values: Record<string, unknown> = {}, errors: FieldError[] = []) {
  const services = await runtime.store.register.listEntries();
  const { errorList, fieldErrors } = errorsForPage(errors, LABELS, ANCHORS);
  const reporter = (values.reporter as Record<string, string> | undefined) ?? { name: caller.name ?? '', email: caller.email };
  return renderPage(
    'incidents/report.njk',
    {
      ...view,
      section: 'report-incident',
      pageTitle: 'Report a suspected breach or security incident',
      kinds: Object.entries(INCIDENT_KIND_WORDS).map(([value, text]) => ({ value, text, checked: values.kind === value })),
      services: [
        { value: '', text: 'Not about one service in the register' },
        ...services.map((s) => ({ value: s.serviceId, text: `${s.serviceName} (${s.supplierName})`, selected: values.serviceId === s.serviceId })),
      ],
      values: { ...values, reporter, discoveredAt: values.discoveredAt ?? {} },
      errorList,
      fieldErrors,
    },
    { statusCode: errors.length ? 400 : 200 },
  );
}

async function sendReport(request: SignedInRequest) {
  assertFormPost(request.event);
  const { _csrf, ...fields } = request.form;
  const parts = (fields.discoveredAt ?? {}) as Record<string, unknown>;
  const date = dateFromParts(parts);
  const time = typeof parts.time === 'string' ? parts.time.trim() : '';
  const body = {
    ...(typeof fields.kind === 'string' ? { kind: fields.kind } : {}),
    ...(typeof fields.serviceId === 'string' && fields.serviceId !== '' ? { serviceId: fields.serviceId } : {}),
    description: fields.description ?? '',
    discoveredAt: date === undefined ? '' : time ? ukMoment(date, time) : date,
    reporter: fields.reporter,
  };
  try {
    const incident = await reportIncident(request.runtime, request.caller, body);
    return redirect(`${pagePath(incident.incidentId)}?reported=yes`);
  } catch (error) {
    if (error instanceof ValidationFailed) return reportForm(request, fields, error.errors);
    throw error;
  }
}

function notificationInWords(n: IncidentNotification) {
  return [
    { text: INCIDENT_RECIPIENT_WORDS[n.recipient].replace(/^the /, 'The ') },
    { text: n.email },
    n.status === 'SENT'
      ? { text: `Emailed at ${ukTime(n.sentAt ?? n.lastAttemptAt ?? '')} (UK time)` }
      : { text: n.attempts ? `Not sent yet after ${n.attempts} tries: monitoring keeps trying` : 'Being sent' },
  ];
}

function incidentRows(incident: IncidentRecord) {
  const row = (key: string, text: string) => ({ key: { text: key }, value: { text } });
  return [
    row('What it is', INCIDENT_KIND_WORDS[incident.kind]),
    row('Service', incident.serviceId ? `${incident.serviceName ?? ''} (${incident.serviceId})` : 'Not about one service in the register'),
    row('What happened', incident.description),
    row('Discovered', discoveredInWords(incident.discoveredAt)),
    row('Reported', `${ukTime(incident.reportedAt)} (UK time)`),
    row('Reported by', `${incident.reporter.name} (${incident.reporter.email})`),
    ...(incident.approvalAfterBreach
      ? [
          row(
            'Approval after the breach',
            incident.approvalAfterBreach.status === 'NEEDED'
              ? 'Needed: any change to the service’s personal data processing needs a new approval round (a change request)'
              : 'A new approval round for the service has been approved',
          ),
        ]
      : []),
  ];
}

interface IncidentPageState {
  errors?: FieldError[];
  values?: Record<string, unknown>;
}

async function incidentPage(request: SignedInRequest, state: IncidentPageState = {}) {
  const { event, runtime, caller, view } = request;
  const incident = await readIncident(runtime, caller, pathParameter(event, 'incidentId'));
  const params = new URLSearchParams(event.rawQueryString ?? '');
  const { errorList, fieldErrors } = errorsForPage(state.errors ?? [], LABELS, ANCHORS);
  return renderPage(
    'incidents/incident.njk',
    {
      ...view,
      section: caller.securityTeam ? 'incidents' : 'report-incident',
      pageTitle: `${INCIDENT_KIND_WORDS[incident.kind]} ${incident.incidentId}`,
      backLink: caller.securityTeam ? '/incident-reports' : undefined,
      incidentId: incident.incidentId,
      kind: INCIDENT_KIND_WORDS[incident.kind],
      status: tag(INCIDENT_STATUS_WORDS[incident.status]),
      reported: params.get('reported') === 'yes' && !state.errors,
      told: incident.notifications
        .filter((n) => n.recipient !== 'REPORTER')
        .map((n) => `${INCIDENT_RECIPIENT_WORDS[n.recipient]} (${n.email}): ${n.status === 'SENT' ? 'emailed' : 'not sent yet, we keep trying'}`),
      reporterEmail: incident.reporter.email,
      updated: params.get('updated') === 'yes' && !state.errors,
      rows: incidentRows(incident),
      notifications: incident.notifications.map(notificationInWords),
      updates: [...incident.updates].reverse().map((u) => ({
        at: `${ukTime(u.at)} (UK time)`,
        by: u.actor.name ?? u.actor.email,
        status: INCIDENT_STATUS_WORDS[u.status].text,
        note: u.note,
      })),
      canUpdate: caller.securityTeam,
      action: pagePath(incident.incidentId),
      statuses: Object.entries(INCIDENT_STATUS_WORDS).map(([value, w]) => ({
        value,
        text: w.text,
        checked: (state.values?.status ?? incident.status) === value,
      })),
      note: typeof state.values?.note === 'string' ? state.values.note : '',
      errorList,
      fieldErrors,
    },
    { statusCode: state.errors ? 400 : 200 },
  );
}

async function recordUpdate(request: SignedInRequest) {
  assertFormPost(request.event);
  const incidentId = pathParameter(request.event, 'incidentId');
  const { _csrf, ...fields } = request.form;
  try {
    await updateIncident(request.runtime, request.caller, incidentId, fields);
    return redirect(`${pagePath(incidentId)}?updated=yes`);
  } catch (error) {
    if (error instanceof ValidationFailed) return incidentPage(request, { errors: error.errors, values: fields });
    throw error;
  }
}

async function incidentsList({ runtime, caller, view }: SignedInRequest) {
  const incidents = await listIncidents(runtime, caller);
  return renderPage('incidents/list.njk', {
    ...view,
    section: caller.securityTeam ? 'incidents' : 'report-incident',
    pageTitle: caller.securityTeam ? 'Breaches and security incidents' : 'Incidents you reported',
    incidents: incidents.map((i) => {
      const waiting = i.notifications.filter((n) => n.status === 'PENDING').length;
      return [
        { html: `<a class="govuk-link" href="${pagePath(i.incidentId)}">${i.incidentId}</a>` },
        { text: INCIDENT_KIND_WORDS[i.kind] },
        { text: i.serviceName ?? 'Not named' },
        { text: `${ukTime(i.reportedAt)} (UK time)` },
        { text: waiting ? `${waiting} email${waiting === 1 ? '' : 's'} still to send` : 'Everyone told' },
        { html: `<strong class="govuk-tag govuk-tag--${INCIDENT_STATUS_WORDS[i.status].colour}">${INCIDENT_STATUS_WORDS[i.status].text}</strong>` },
      ];
    }),
  });
}

export const incidentPages: Readonly<Record<string, PageRoute>> = {
  'GET /report-an-incident': { access: 'signedIn', page: (request) => reportForm(request) },
  'POST /report-an-incident': { access: 'signedIn', page: sendReport },
  'GET /incident-reports': { access: 'signedIn', page: incidentsList },
  'GET /incident-reports/{incidentId}': { access: 'signedIn', page: (request) => incidentPage(request) },
  'POST /incident-reports/{incidentId}': { access: 'securityTeam', page: recordUpdate },
};
