import * as z from 'zod';
import { exemptionsInForceFor, exemptionsInWords } from '../domain/exemptions-in-force.ts';
import type { PageRoute, SignedInRequest } from './page-handler.ts';
import { redirect, renderPage } from './render.ts';
import { dateFromParts, errorsForPage } from './forms.ts';
import { pathParameter, type HttpEvent } from './http.ts';
import { Forbidden, NotFound, UnsupportedMediaType, ValidationFailed } from './errors.ts';
import { actorOf, ownsService } from './identity.ts';
import { toFieldErrors, type FieldError } from '../domain/request.ts';
import { countryName } from '../domain/countries.ts';
import { OPEN_STATUSES } from '../domain/lifecycle.ts';
import { requestsInProgress } from '../domain/in-progress.ts';
import {
  ReviewSchema,
  ServiceFilterSchema,
  complianceOf,
  getRegisterEntry,
  listRegister,
  recordReview,
  registerHistory,
} from '../domain/register.ts';
import { listRuns, runMonitoring } from '../domain/monitoring.ts';
import {
  MAX_REVIEW_ACTIONS,
  ROLE_TITLES,
  reviewActionOverdue,
  reviewStatus,
  type ReviewOutcome,
  type ReviewStatus,
} from '../domain/offshoring-policy.ts';
import {
  APPROVAL_STATUS_WORDS,
  CHANGE_TYPE_WORDS,
  COMPLIANCE_WORDS,
  CONTRACT_CRITICALITY_WORDS,
  DATA_CATEGORY_WORDS,
  INCIDENT_KIND_WORDS,
  REQUEST_STATUS_WORDS,
  locationInWords,
  roleInWords,
  ukDate,
  ukTime,
} from '../domain/words.ts';
import {
  COMPLIANCE_STATUSES,
  type Finding,
  type MonitoringRun,
  type RegisterEntry,
  type RegisterVersion,
  type ReviewAction,
} from '../store/records.ts';

/**
 * The security team's pages: requests in progress, the offshore service register with each
 * service's page and its review form, and continual monitoring with "run now". They call the same
 * use cases as the JSON API. Filters are GET query parameters, so every filter works without
 * JavaScript and can be bookmarked.
 */

type Role = Parameters<typeof roleInWords>[0];
const roleWords = (role: string, businessArea?: string) => `${roleInWords(role as Role) ?? 'Approver'}${businessArea ? `, ${businessArea}` : ''}`;
const tag = (words: { text: string; colour: string }) => ({ text: words.text, classes: `govuk-tag--${words.colour}` });

export const REVIEW_STATUS_WORDS: Record<ReviewStatus, { text: string; colour: string }> = {
  OVERDUE: { text: 'Review overdue', colour: 'red' },
  DUE_SOON: { text: 'Review due within 30 days', colour: 'yellow' },
  OK: { text: 'Review not due', colour: 'green' },
};

/** A review's outcome in words (Process 4). */
export const REVIEW_OUTCOME_WORDS: Record<ReviewOutcome, { text: string; colour: string }> = {
  SATISFACTORY: { text: 'Satisfactory', colour: 'green' },
  ACTIONS_NEEDED: { text: 'Actions needed', colour: 'orange' },
};

/** An action a review asked for, in words, saying if its date has passed. */
const actionInWords = (action: ReviewAction, today: string) =>
  `${action.what}: due by ${ukDate(action.dueBy)}${reviewActionOverdue(action, today) ? ' (overdue)' : ''}`;

/** A filter's query, one value per parameter (the forms send one; a repeated parameter keeps its first). */
function query(event: HttpEvent): Record<string, string> {
  const params = new URLSearchParams(event.rawQueryString ?? '');
  const values: Record<string, string> = {};
  for (const [name, value] of params) if (!(name in values) && value.trim() !== '') values[name] = value;
  return values;
}

/** A link to the same list with one filter taken off, for the MoJ filter's "selected filters" tags. */
function without(values: Record<string, string>, name: string, path: string): string {
  const rest = new URLSearchParams(Object.entries(values).filter(([n]) => n !== name));
  return rest.size ? `${path}?${rest}` : path;
}

const option = (value: string, text: string, selected: string | undefined) => ({ value, text, selected: value === selected });
const today = (clock: () => Date) => clock().toISOString().slice(0, 10);

/** The forms here are HTML forms: a body sent as anything else is refused before it is read. */
function assertFormPost(event: HttpEvent): void {
  const type = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new UnsupportedMediaType('Send this form from its page.');
}

// Requests in progress.

const InProgressQuery = z.strictObject({
  businessArea: z.string().trim().toUpperCase().optional(),
  status: z.enum(OPEN_STATUSES as [string, ...string[]], 'choose a status from the list').optional(),
  lateNotice: z.literal('yes', 'tick the box or leave it empty').optional(),
});

async function requestsInProgressPage({ event, runtime, view }: SignedInRequest) {
  const values = query(event);
  const parsed = InProgressQuery.safeParse(values);
  if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
  const filter = parsed.data;
  const found = await requestsInProgress(runtime, {
    ...(filter.businessArea ? { businessArea: filter.businessArea } : {}),
    ...(filter.status ? { status: filter.status as (typeof OPEN_STATUSES)[number] } : {}),
    ...(filter.lateNotice ? { lateNotice: true } : {}),
  });
  const path = '/requests-in-progress';
  const selected = [
    filter.businessArea && { heading: 'Business area', text: filter.businessArea, name: 'businessArea' },
    filter.status && { heading: 'Status', text: REQUEST_STATUS_WORDS[filter.status as keyof typeof REQUEST_STATUS_WORDS].text, name: 'status' },
    filter.lateNotice && { heading: 'Notice', text: 'Late notice only', name: 'lateNotice' },
  ].filter((s): s is { heading: string; text: string; name: string } => !!s);
  return renderPage('security/requests-in-progress.njk', {
    ...view,
    section: 'in-progress',
    pageTitle: 'Requests in progress',
    selectedFilters: selected.map((s) => ({ heading: { text: s.heading }, items: [{ href: without(values, s.name, path), text: s.text }] })),
    businessAreas: [
      option('', 'Any business area', filter.businessArea),
      ...Object.keys(runtime.directory.businessAreas)
        .sort()
        .map((a) => option(a, a, filter.businessArea)),
    ],
    statuses: [option('', 'Any status', filter.status), ...OPEN_STATUSES.map((s) => option(s, REQUEST_STATUS_WORDS[s].text, filter.status))],
    lateNotice: !!filter.lateNotice,
    requests: found
      .sort((a, b) => (a.nextDeadline ?? '~').localeCompare(b.nextDeadline ?? '~'))
      .map(({ request, waitingFor, nextDeadline }) => ({
        requestId: request.requestId,
        href: `/offshoring-requests/${encodeURIComponent(request.requestId)}`,
        serviceName: request.request.serviceName,
        businessAreas: request.request.businessAreas.join(', '),
        status: tag(REQUEST_STATUS_WORDS[request.status]),
        lateNotice: request.lateNotice,
        round: request.round,
        submitted: ukDate(request.submittedAt),
        waitingFor: waitingFor.map((a) => `${roleWords(a.role, a.businessArea)}: ${a.name}`),
        nextDeadline: nextDeadline ? ukTime(nextDeadline) : undefined,
      })),
  });
}

// The register.

async function registerPage({ event, runtime, view }: SignedInRequest) {
  const values = query(event);
  const parsed = ServiceFilterSchema.safeParse(values);
  if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
  const filter = parsed.data;
  const [services, all] = await Promise.all([listRegister(runtime, filter), listRegister(runtime, {})]);
  const path = '/register';
  const countries = [...new Set(all.flatMap((s) => s.offshoreLocations.map((l) => l.country)))].sort((a, b) =>
    countryName(a).localeCompare(countryName(b)),
  );
  const areas = [...new Set([...Object.keys(runtime.directory.businessAreas), ...all.flatMap((s) => s.businessAreas)])].sort();
  const selected = [
    filter.businessArea && { heading: 'Business area', text: filter.businessArea, name: 'businessArea' },
    filter.country && { heading: 'Country', text: countryName(filter.country), name: 'country' },
    filter.reviewStatus && { heading: 'Review', text: REVIEW_STATUS_WORDS[filter.reviewStatus].text, name: 'reviewStatus' },
    filter.compliance && { heading: 'Compliance', text: COMPLIANCE_WORDS[filter.compliance].text, name: 'compliance' },
  ].filter((s): s is { heading: string; text: string; name: string } => !!s);
  return renderPage('security/register.njk', {
    ...view,
    section: 'register',
    pageTitle: 'Offshore service register',
    selectedFilters: selected.map((s) => ({ heading: { text: s.heading }, items: [{ href: without(values, s.name, path), text: s.text }] })),
    businessAreas: [option('', 'Any business area', filter.businessArea), ...areas.map((a) => option(a, a, filter.businessArea))],
    countries: [option('', 'Any country', filter.country), ...countries.map((c) => option(c, countryName(c), filter.country))],
    reviewStatuses: [
      { value: '', text: 'Any', checked: !filter.reviewStatus },
      ...(Object.keys(REVIEW_STATUS_WORDS) as ReviewStatus[]).map((s) => ({
        value: s,
        text: REVIEW_STATUS_WORDS[s].text,
        checked: filter.reviewStatus === s,
      })),
    ],
    services: services.map((s) => ({
      serviceId: s.serviceId,
      href: `/register/${encodeURIComponent(s.serviceId)}`,
      serviceName: s.serviceName,
      supplierName: s.supplierName,
      businessAreas: s.businessAreas.join(', '),
      countries: s.offshoreLocations.map((l) => countryName(l.country)).join(', '),
      reviewDue: ukDate(s.reviewDue),
      reviewDueSort: s.reviewDue,
      reviewStatus: tag(REVIEW_STATUS_WORDS[s.reviewStatus as ReviewStatus]),
      compliance: tag(COMPLIANCE_WORDS[s.compliance]),
      actionPlanDate: s.compliance === 'NON_COMPLIANT' && s.existingContract ? ukDate(s.existingContract.actionPlanDate) : undefined,
    })),
    complianceStatuses: [
      { value: '', text: 'Any', checked: !filter.compliance },
      ...COMPLIANCE_STATUSES.map((c) => ({ value: c, text: COMPLIANCE_WORDS[c].text, checked: filter.compliance === c })),
    ],
  });
}

/** The service as the security team reads it: every fact in words. */
function serviceRows(entry: RegisterEntry, status: ReviewStatus, today: string) {
  const row = (key: string, text: string) => ({ key: { text: key }, value: { text } });
  return [
    row('Service', entry.serviceName),
    row('Supplier', entry.supplierName),
    row('Type of change', CHANGE_TYPE_WORDS[entry.changeType]),
    row('Business areas', entry.businessAreas.join(', ')),
    row('Data classification', entry.dataClassification),
    row('Kinds of data', entry.dataCategories.map((c) => DATA_CATEGORY_WORDS[c]).join(', ')),
    row('Where and what happens offshore', entry.offshoreLocations.map(locationInWords).join('; ')),
    row('Service owner', `${entry.serviceOwner.name} (${entry.serviceOwner.email})`),
    row('Compliance', `${COMPLIANCE_WORDS[complianceOf(entry)].text}: ${COMPLIANCE_WORDS[complianceOf(entry)].detail.toLowerCase()}`),
    entry.approvedAt
      ? row('Approved', `${ukTime(entry.approvedAt)} (UK time), request ${entry.requestId}, round ${entry.round}`)
      : row(
          'Listed',
          `${entry.complianceSince ? `${ukTime(entry.complianceSince)} (UK time), ` : ''}request ${entry.requestId}, round ${entry.round}`,
        ),
    // Offshoring Policy, Process: an existing contract's criticality, variations and their cost, and the owner's action plan.
    ...(entry.existingContract
      ? [
          row('Criticality to the MoJ', CONTRACT_CRITICALITY_WORDS[entry.existingContract.criticality]),
          row('Contract ends or can be broken', ukDate(entry.existingContract.endOrBreakDate)),
          row('Variations it would need', entry.existingContract.variationsRequired),
          row('Their cost or other implications', entry.existingContract.variationCost),
          row('Action plan date', ukDate(entry.existingContract.actionPlanDate)),
        ]
      : []),
    row('Last reviewed', entry.lastReviewedAt ? `${ukTime(entry.lastReviewedAt)} (UK time)` : 'Not reviewed yet'),
    row('Next review due', `${ukDate(entry.reviewDue)} (${REVIEW_STATUS_WORDS[status].text.toLowerCase()})`),
    row('Open actions from reviews', entry.reviewActions?.length ? entry.reviewActions.map((a) => actionInWords(a, today)).join('; ') : 'None'),
    row('Register version', String(entry.version)),
    // Offshoring Policy: breaches and incidents reported against the service, and the approval a breach makes due.
    row(
      'Breaches and incidents',
      entry.incidents?.length
        ? entry.incidents
            .map((i) => `${i.incidentId}: ${INCIDENT_KIND_WORDS[i.kind].toLowerCase()}, reported ${ukTime(i.reportedAt)} (UK time)`)
            .join('; ')
        : 'None reported',
    ),
    ...(entry.approvalAfterBreach
      ? [
          row(
            'Approval needed',
            `Any change to its personal data processing needs a new approval round, since the breach reported ${ukTime(entry.approvalAfterBreach.since)} (UK time)`,
          ),
        ]
      : []),
  ];
}

/** When a version was written: its review, its approval or its listing, whichever came last. */
const versionWritten = (v: RegisterEntry) =>
  [v.lastReviewedAt, v.approvedAt, v.complianceSince]
    .filter((at): at is string => !!at)
    .sort()
    .at(-1) ?? '';

/** A review form's action rows as typed: what, and the due date's three fields. */
interface ActionRow {
  what: string;
  dueBy: { day: string; month: string; year: string };
}

interface ServicePageState {
  errors?: ReturnType<typeof errorsForPage>;
  notes?: string;
  outcome?: string;
  actionRows?: ActionRow[];
  statusCode?: number;
}

/** Blank rows for the review form: the open actions first (a review needing actions restates what is still needed), then room for more. */
function actionRowsFor(entry: RegisterEntry): ActionRow[] {
  const open = (entry.reviewActions ?? []).map((a) => {
    const [year = '', month = '', day = ''] = a.dueBy.split('-');
    return { what: a.what, dueBy: { day: String(Number(day)), month: String(Number(month)), year } };
  });
  const blank = { what: '', dueBy: { day: '', month: '', year: '' } };
  return [...open, ...Array.from({ length: Math.max(3, open.length + 2) - open.length }, () => blank)].slice(0, MAX_REVIEW_ACTIONS);
}

/** A review in the service's history: its outcome and actions, or (a review recorded before reviews had outcomes) its notes alone. */
function reviewInHistory(v: RegisterVersion) {
  const at = `${ukTime(versionWritten(v))} (UK time)`;
  if (!v.review) return { at, outcome: undefined, text: v.reason, actions: [] };
  return {
    at,
    outcome: tag(REVIEW_OUTCOME_WORDS[v.review.outcome]),
    text: `Reviewed by ${v.review.reviewedBy}: ${v.review.notes}`,
    actions: (v.review.actions ?? []).map((a) => `${a.what}: due by ${ukDate(a.dueBy)}`),
  };
}

async function servicePage({ event, runtime, view, caller }: SignedInRequest, state: ServicePageState = {}) {
  const serviceId = pathParameter(event, 'serviceId');
  const entry = await getRegisterEntry(runtime, serviceId);
  if (!entry) throw new NotFound(`There is no service ${serviceId} in the offshore service register.`, { serviceId });
  // Its service owner may read it too (the review-due email links here); only the security team records reviews.
  if (!caller.securityTeam && !ownsService(caller, entry)) throw new Forbidden(`Only the security team and the owner of ${serviceId} can see it.`);
  const status = reviewStatus(entry.reviewDue, today(runtime.clock));
  const versions = await registerHistory(runtime, serviceId);
  const reviewed = new URLSearchParams(event.rawQueryString ?? '').get('reviewed') === 'yes';
  const exemptionsInForce = exemptionsInWords(await exemptionsInForceFor(runtime, entry));
  return renderPage(
    'security/service.njk',
    {
      ...view,
      exemptionsInForce,
      section: caller.securityTeam ? 'register' : 'owner',
      pageTitle: entry.serviceName,
      backLink: caller.securityTeam ? '/register' : '/your-requests',
      serviceId,
      serviceName: entry.serviceName,
      reviewStatus: tag(REVIEW_STATUS_WORDS[status]),
      compliance: tag(COMPLIANCE_WORDS[complianceOf(entry)]),
      rows: serviceRows(entry, status, today(runtime.clock)),
      approvals: entry.approvals.map((a) => [
        { text: roleWords(a.role) },
        { text: a.name },
        { text: a.decidedAt ? `${ukTime(a.decidedAt)} (UK time)` : 'Not recorded' },
      ]),
      versions: [...versions]
        .sort((a, b) => b.version - a.version)
        .map((v) => [{ text: String(v.version) }, { text: `${ukTime(versionWritten(v))} (UK time)` }, { text: v.reason || 'Not recorded' }]),
      reviews: versions
        .filter((v) => v.review || v.reason.startsWith('Reviewed by'))
        .sort((a, b) => b.version - a.version)
        .map(reviewInHistory),
      success: reviewed && !state.errors ? `Review recorded. The next review is due by ${ukDate(entry.reviewDue)}.` : undefined,
      action: `/register/${encodeURIComponent(serviceId)}/reviews`,
      notes: state.notes ?? '',
      outcome: state.outcome ?? '',
      actionRows: state.actionRows ?? actionRowsFor(entry),
      errorList: state.errors?.errorList ?? [],
      fieldErrors: state.errors?.fieldErrors ?? {},
    },
    { statusCode: state.statusCode ?? 200 },
  );
}

/** The review form's action rows as typed (anything that is not a row is left for the schema to refuse). */
function typedActionRows(value: unknown): ActionRow[] | undefined {
  const rows = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : undefined;
  if (!rows?.every((row) => row && typeof row === 'object' && !Array.isArray(row))) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return rows.map((row: Record<string, unknown>) => {
    const date = (row.dueBy && typeof row.dueBy === 'object' ? row.dueBy : {}) as Record<string, unknown>;
    return { what: str(row.what), dueBy: { day: str(date.day), month: str(date.month), year: str(date.year) } };
  });
}

/** The review form as the API's body: blank action rows dropped; answers each action's form row, for the error links. */
function reviewFromForm(fields: Record<string, unknown>): { body: Record<string, unknown>; formRow: number[]; rows?: ActionRow[] } {
  const { actions, ...rest } = fields;
  if (actions === undefined) return { body: rest, formRow: [] };
  const rows = typedActionRows(actions);
  if (!rows) return { body: { ...rest, actions }, formRow: [] };
  const formRow: number[] = [];
  const listed = rows.flatMap((row, i) => {
    const dueBy = dateFromParts(row.dueBy);
    if (!row.what.trim() && dueBy === undefined) return [];
    formRow.push(i);
    return [{ what: row.what, ...(dueBy === undefined ? {} : { dueBy }) }];
  });
  return { body: listed.length ? { ...rest, actions: listed } : rest, formRow, rows };
}

const REVIEW_LABELS = {
  outcome: 'Outcome:',
  notes: 'Review notes:',
  actions: 'Actions:',
  'actions.*.what': 'Action:',
  'actions.*.dueBy': 'Action due by:',
  '': 'The form:',
};

async function recordReviewPage(request: SignedInRequest) {
  const { event, runtime, caller, form } = request;
  assertFormPost(event);
  const serviceId = pathParameter(event, 'serviceId');
  const entry = await getRegisterEntry(runtime, serviceId);
  if (!entry) throw new NotFound(`There is no service ${serviceId} in the offshore service register.`, { serviceId });
  const { _csrf, ...fields } = form;
  const { body, formRow, rows } = reviewFromForm(fields);
  const shownAgain = (errors: readonly FieldError[]) => {
    // An action's error names its row on the form, where blank rows were left out of the review.
    const onForm = errors.map((e) => ({ ...e, path: e.path.replace(/^actions\.(\d+)/, (_, i) => `actions.${formRow[Number(i)] ?? i}`) }));
    return servicePage(request, {
      errors: errorsForPage(onForm, REVIEW_LABELS),
      notes: typeof fields.notes === 'string' ? fields.notes : '',
      outcome: typeof fields.outcome === 'string' ? fields.outcome : '',
      ...(rows ? { actionRows: rows } : {}),
      statusCode: 400,
    });
  };
  const review = ReviewSchema.safeParse(body);
  if (!review.success) return shownAgain(toFieldErrors(review.error));
  try {
    await recordReview(runtime, entry, { review: review.data, actor: actorOf(caller) });
  } catch (error) {
    if (error instanceof ValidationFailed) return shownAgain(error.errors);
    throw error;
  }
  return redirect(`/register/${encodeURIComponent(serviceId)}?reviewed=yes`);
}

// Monitoring.

const EXECUTION_WORDS: Record<string, string> = {
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'timed out',
  ABORTED: 'stopped',
};

/**
 * A finding's summary, made sure to be in words: any ISO date, time or code a check's summary
 * carries (reconciliation names request and execution statuses) is said as people read it.
 */
export function findingInWords(summary: string): string {
  const codes: Record<string, string> = {
    ...Object.fromEntries(Object.entries(REQUEST_STATUS_WORDS).map(([code, w]) => [code, w.text.charAt(0).toLowerCase() + w.text.slice(1)])),
    ...Object.fromEntries(Object.entries(APPROVAL_STATUS_WORDS).map(([code, w]) => [code, w.text.charAt(0).toLowerCase() + w.text.slice(1)])),
    ...ROLE_TITLES,
    ...EXECUTION_WORDS,
  };
  return summary
    .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g, (iso) => `${ukTime(iso)} (UK time)`)
    .replace(/\b\d{4}-\d{2}-\d{2}\b/g, (date) => ukDate(date))
    .replace(/\b[A-Z][A-Z_]{2,}[A-Z]\b/g, (code) => codes[code] ?? code);
}

const CHECK_STATUS: Record<'OK' | 'FAILED' | 'SKIPPED', { text: string; colour: string }> = {
  OK: { text: 'Nothing found', colour: 'green' },
  FAILED: { text: 'Failed', colour: 'red' },
  SKIPPED: { text: 'Skipped', colour: 'grey' },
};

/** A finding's link as a path on this site, where it points here (findings carry full addresses for the digest email). */
function findingHref(link: string | undefined, publicBaseUrl: string): string | undefined {
  if (!link) return undefined;
  const base = publicBaseUrl.replace(/\/+$/, '');
  return link.startsWith(`${base}/`) ? link.slice(base.length) : link;
}

function runInWords(run: MonitoringRun, publicBaseUrl: string) {
  const findings = (run.checks ?? []).reduce((n, c) => n + c.count, 0);
  return {
    date: run.date,
    heading: `Run for ${ukDate(run.date)}`,
    status: run.status === 'COMPLETED' ? 'Finished' : 'Still running',
    startedAt: `${ukTime(run.startedAt)} (UK time)`,
    finishedAt: run.finishedAt ? `${ukTime(run.finishedAt)} (UK time)` : undefined,
    findings: findings === 0 ? 'Nothing found' : `${findings} finding${findings === 1 ? '' : 's'}`,
    digest: run.digest ? `Emailed to ${run.digest.to} at ${ukTime(run.digest.sentAt)} (UK time)` : undefined,
    checks: (run.checks ?? []).map((c) => ({
      title: c.title,
      status: tag(c.status === 'OK' && c.count > 0 ? { text: `${c.count} found`, colour: 'orange' } : CHECK_STATUS[c.status]),
      error: c.error ? findingInWords(c.error) : undefined,
      items: c.items.map((f: Finding) => ({ text: findingInWords(f.summary), href: findingHref(f.link, publicBaseUrl) })),
      more: c.count > c.items.length ? c.count - c.items.length : 0,
    })),
  };
}

async function monitoringPage(
  { event, runtime, view }: SignedInRequest,
  refused?: { statusCode: number; errorList: { text: string; href: string }[] },
) {
  const runs = await listRuns(runtime);
  const params = new URLSearchParams(event.rawQueryString ?? '');
  const ran = params.get('ran');
  const ranRun = ran ? runs.find((r) => r.date === ran) : undefined;
  let success: string | undefined;
  if (ranRun) {
    const words = runInWords(ranRun, runtime.publicBaseUrl);
    success =
      params.get('repeated') === 'yes'
        ? `Today’s checks had already run, so they were not run again: ${words.findings.toLowerCase()}.`
        : `Today’s checks ran: ${words.findings.toLowerCase()}. The security team was emailed the digest.`;
  }
  return renderPage(
    'security/monitoring.njk',
    {
      ...view,
      section: 'monitoring',
      pageTitle: 'Continual monitoring',
      success: refused ? undefined : success,
      errorList: refused?.errorList ?? [],
      runs: runs.map((r) => runInWords(r, runtime.publicBaseUrl)),
    },
    { statusCode: refused?.statusCode ?? 200 },
  );
}

async function runNow(request: SignedInRequest) {
  const { event, runtime, form } = request;
  assertFormPost(event);
  const { _csrf, ...fields } = form;
  // The button sends run=now and nothing else: any other form was not sent from this page, and never starts a run.
  const names = Object.keys(fields);
  if (names.length !== 1 || fields.run !== 'now') {
    return monitoringPage(request, {
      statusCode: 400,
      errorList: [{ text: 'Use the “Run today’s checks now” button: running the checks takes no options', href: '#run-now' }],
    });
  }
  const run = await runMonitoring(runtime);
  return redirect(`/monitoring?ran=${run.date}${run.repeated ? '&repeated=yes' : ''}`);
}

export const securityTeamPages: Readonly<Record<string, PageRoute>> = {
  'GET /requests-in-progress': { access: 'securityTeam', page: requestsInProgressPage },
  'GET /register': { access: 'securityTeam', page: registerPage },
  'GET /register/{serviceId}': { access: 'signedIn', page: (request) => servicePage(request) },
  'POST /register/{serviceId}/reviews': { access: 'securityTeam', page: recordReviewPage },
  'GET /monitoring': { access: 'securityTeam', page: (request) => monitoringPage(request) },
  'POST /monitoring': { access: 'securityTeam', page: runNow },
};
