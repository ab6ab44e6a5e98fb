import type { PageRoute, SignedInRequest } from './page-handler.ts';
import { redirect, renderPage } from './render.ts';
import { dateFromParts, errorsForPage } from './forms.ts';
import { pathParameter, type HttpEvent, type HttpResult } from './http.ts';
import { Conflict, Forbidden, UnsupportedMediaType, ValidationFailed } from './errors.ts';
import { ownsService } from './identity.ts';
import { exemptionIdForKey, exemptionStanding, listExemptions, readExemption, type ExemptionStanding } from '../domain/exemptions.ts';
import { WithdrawalSchema, withdrawOffshoringRequest } from '../domain/withdrawal.ts';
import { submitExemptionOnce } from '../domain/exemption-idempotency.ts';
import { toFieldErrors } from '../domain/request.ts';
import {
  GOVERNANCE_KINDS,
  financialYear,
  financialYearOf,
  governanceKindInWords,
  governanceReport,
  governanceReportCsv,
  governanceReportFor,
  reportPeriod,
  type GovernanceReport,
} from '../domain/governance-report.ts';
import { governanceReaderOf } from '../domain/offshoring-policy.ts';
import { exemptionFacts, exemptionScope, revisableFacts } from '../email/exemption-templates.ts';
import { exemptionRounds } from '../domain/exemption-rounds.ts';
import { askExemptionAgain, canAskAgain, loadRejectedExemption } from '../domain/exemption-ask-again.ts';
import { APPROVAL_STATUS_WORDS, EXEMPTION_STANDING_WORDS, roleInWords, ukDate, ukTime } from '../domain/words.ts';
import type { ExemptionRecord } from '../store/exemptions.ts';
import type { ApprovalRecord } from '../store/records.ts';
import type { FieldError } from '../domain/request.ts';

/**
 * Exemptions from the Offshoring Policy and business areas' variations (Offshoring Policy,
 * Compliance; Corporate Security Policy): the form, each exemption's page (with its confirmation),
 * the lists (anyone: their own; the security team: all, in force and ended), and the yearly
 * governance report as a page and a CSV download for the security team (every business area) and
 * each area's Accounting Officer and Departmental Head (their own). The same use cases as the JSON
 * API (functions/domain/exemptions.ts).
 */

const pagePath = (requestId: string) => `/exemptions/${encodeURIComponent(requestId)}`;

const tagHtml = (s: ExemptionStanding) =>
  `<strong class="govuk-tag govuk-tag--${EXEMPTION_STANDING_WORDS[s].colour}">${EXEMPTION_STANDING_WORDS[s].text}</strong>`;
const roleWords = (role: string) => roleInWords(role as Parameters<typeof roleInWords>[0]) ?? role;
const todayOf = (request: SignedInRequest) => request.runtime.clock().toISOString().slice(0, 10);
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function assertFormPost(event: HttpEvent): void {
  const type = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new UnsupportedMediaType('Send this form from its page.');
}

const LABELS: Record<string, string> = {
  requestType: 'What you ask for:',
  policyClause: 'Which part of the policy:',
  justification: 'Justification:',
  serviceId: 'Service:',
  endDate: 'End date:',
  variation: 'Variation:',
  'variation.businessArea': 'Business area:',
  '': 'The form:',
};
const ANCHORS = { endDate: 'endDate-day', variation: 'variation-businessArea', requestType: 'requestType' };

async function askForm({ runtime, caller, view }: SignedInRequest, values: Record<string, unknown> = {}, errors: FieldError[] = []) {
  const services = (await runtime.store.register.listEntries()).filter((s) => caller.securityTeam || ownsService(caller, s));
  const { errorList, fieldErrors } = errorsForPage(errors, LABELS, ANCHORS);
  const chosenArea = (values.variation as Record<string, unknown> | undefined)?.businessArea;
  return renderPage(
    'exemptions/new.njk',
    {
      ...view,
      section: 'exemptions',
      pageTitle: 'Ask for an exemption from the Offshoring Policy',
      services: [
        { value: '', text: 'None: the whole policy' },
        ...services.map((s) => ({ value: s.serviceId, text: `${s.serviceName} (${s.supplierName})`, selected: values.serviceId === s.serviceId })),
      ],
      areas: [
        { value: '', text: 'Not a variation' },
        ...Object.entries(runtime.directory.businessAreas).map(([code, area]) => ({ value: code, text: area.name, selected: chosenArea === code })),
      ],
      values: { ...values, endDate: values.endDate ?? {} },
      // Made when the form is first shown and kept through its corrections: the ask's idempotency key, so a double click asks once.
      formId: typeof values.formId === 'string' && FORM_ID.test(values.formId) ? values.formId : runtime.ids.eventId(),
      errorList,
      fieldErrors,
    },
    { statusCode: errors.length ? 400 : 200 },
  );
}

const FORM_ID = /^[A-Za-z0-9_-]{8,64}$/;

async function sendAsk(request: SignedInRequest) {
  assertFormPost(request.event);
  const { _csrf, formId, ...fields } = request.form;
  const key = typeof formId === 'string' && FORM_ID.test(formId) ? `page-form:${formId}` : undefined;
  const { variation } = fields;
  // "Not a variation" is the blank choice; anything else goes to the schema as sent.
  const notAVariation =
    variation === undefined || (typeof variation === 'object' && variation !== null && (variation as Record<string, unknown>).businessArea === '');
  const endDate = dateFromParts(fields.endDate);
  // A change to the policy leaves the exemption's questions blank: blank, they are not sent.
  const policyChange = fields.requestType === 'POLICY_CHANGE';
  const body = {
    ...(fields.requestType === undefined ? {} : { requestType: fields.requestType }),
    policyClause: fields.policyClause ?? '',
    justification: fields.justification ?? '',
    ...(typeof fields.serviceId === 'string' && fields.serviceId !== '' ? { serviceId: fields.serviceId } : {}),
    ...(policyChange && endDate === undefined ? {} : { endDate: endDate ?? '' }),
    ...(notAVariation ? {} : { variation }),
  };
  try {
    const created = await submitExemptionOnce(request.runtime, request.caller, body, key, request.context);
    return redirect(`${pagePath(created.requestId)}?asked=yes`);
  } catch (error) {
    if (error instanceof ValidationFailed) return askForm(request, { ...fields, formId }, error.errors);
    // The same form's first click is still asking: its page shows it once it is stored.
    if (key && (error as Error).name === 'IdempotencyAlreadyInProgressError')
      return redirect(`${pagePath(exemptionIdForKey(request.caller.sub, key))}?asked=yes`);
    throw error;
  }
}

async function exemptionPage(request: SignedInRequest) {
  const { event, runtime, caller, view } = request;
  const exemption = await readExemption(runtime, caller, pathParameter(event, 'requestId'));
  const record = exemption.request;
  const standing = exemptionStanding(record, todayOf(request));
  const row = (key: string, text: string) => ({ key: { text: key }, value: { text } });
  const asked = new URLSearchParams(event.rawQueryString ?? '').get('asked') === 'yes';
  // In the order the policy names them: the SSA, the CISO, then any Accounting Officer.
  const order = (role: string) => record.requiredApprovers.findIndex((r) => r.role === role);
  const approvals = exemption.approvals.filter((a) => a.round === record.round).sort((a, b) => order(a.role) - order(b.role));
  const mine = record.submittedBy.sub === caller.sub;
  return renderPage('exemptions/exemption.njk', {
    ...view,
    section: 'exemptions',
    pageTitle:
      record.exemption.requestType === 'POLICY_CHANGE'
        ? 'Request to change the Offshoring Policy'
        : record.exemption.variation
          ? `Variation for ${record.exemption.variation.businessArea}`
          : 'Exemption from the Offshoring Policy',
    backLink: '/exemptions',
    requestId: record.requestId,
    asked: asked && standing === 'PENDING_APPROVAL',
    withdraw: standing === 'PENDING_APPROVAL' && mine,
    askAgain: mine && canAskAgain(record),
    round: record.round,
    reasons: reasonRows(record),
    // Each earlier round as its approvers saw it, with what they decided: the evidence a later round does not replace.
    earlierRounds: exemptionRounds(exemption)
      .filter((r) => r.round < record.round)
      .reverse()
      .map((r) => ({
        round: r.round,
        rows: r.exemption ? revisableFacts(record, r.exemption).map(([key, text]) => row(key, text)) : [],
        decisions: r.approvals.map(decisionCells),
      })),
    respondBy: approvals[0] ? ukTime(approvals[0].respondBy) : '',
    approvers: approvals.map((a) => `${roleWords(a.role)}: ${a.name} (${a.email})`),
    standing: { text: EXEMPTION_STANDING_WORDS[standing].text, classes: `govuk-tag--${EXEMPTION_STANDING_WORDS[standing].colour}` },
    rows: [
      ...exemptionFacts(record).map(([key, text]) => row(key, text)),
      row('Asked for', `${ukTime(record.submittedAt)} (UK time)`),
      ...(record.approvedAt ? [row('In force since', `${ukTime(record.approvedAt)} (UK time)`)] : []),
    ],
    approvals: approvals.map(decisionCells),
  });
}

const decisionCells = (a: ApprovalRecord) => [
  { html: `${escapeHtml(roleWords(a.role))}<br><span class="govuk-body-s">${escapeHtml(a.name)}</span>` },
  { text: APPROVAL_STATUS_WORDS[a.status].text },
  { text: a.decidedAt ? `${ukTime(a.decidedAt)} (UK time)` : '' },
  { text: a.reason ?? '' },
];

/** Why it was rejected: each approver who did not approve, and their reason. */
const reasonRows = (record: ExemptionRecord) =>
  (record.rejectionReasons ?? []).map((r) => ({
    key: { text: `${r.name}, ${roleWords(r.role)}` },
    value: { text: `${r.status === 'LAPSED' ? 'Did not decide in time' : 'Rejected it'}: ${r.reason}` },
  }));

const inWords = (parts: string[]) => (parts.length < 2 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`);

/** Its clause, justification and end date as a form's values (the date in its three boxes). */
function formValues(exemption: ExemptionRecord['exemption']) {
  const [year, month, day] = exemption.endDate?.split('-') ?? [];
  return { policyClause: exemption.policyClause, justification: exemption.justification, endDate: { day, month, year } };
}

// A rejected exemption asked for again, revised, by the person who asked for it: its service and any
// variation stay (another is a new exemption); the reasons it was rejected are beside the form.
async function askAgainForm(request: SignedInRequest, values?: Record<string, unknown>, errors: FieldError[] = []) {
  const { runtime, caller, view, event } = request;
  // Read as the exemption page reads it first: someone else's is 404 here as there.
  await readExemption(runtime, caller, pathParameter(event, 'requestId'));
  const exemption = await loadRejectedExemption(runtime, caller, pathParameter(event, 'requestId'));
  const record = exemption.request;
  const { errorList, fieldErrors } = errorsForPage(errors, LABELS, ANCHORS);
  const row = (key: string, text: string) => ({ key: { text: key }, value: { text } });
  return renderPage(
    'exemptions/ask-again.njk',
    {
      ...view,
      section: 'exemptions',
      pageTitle: record.exemption.requestType === 'POLICY_CHANGE' ? 'Ask for this change to the policy again' : 'Ask for this exemption again',
      policyChange: record.exemption.requestType === 'POLICY_CHANGE',
      backLink: pagePath(record.requestId),
      requestId: record.requestId,
      round: record.round,
      approverWords: inWords(record.requiredApprovers.map((a) => `the ${roleWords(a.role)}`)),
      reasons: reasonRows(record),
      fixed: [
        row('Scope', exemptionScope(record)),
        row('Variation', record.exemption.variation ? `Agreed by the Accounting Officer of ${record.exemption.variation.businessArea}` : 'No'),
      ],
      values: values ?? formValues(record.exemption),
      errorList,
      fieldErrors,
    },
    { statusCode: errors.length ? 400 : 200 },
  );
}

async function sendAskAgain(request: SignedInRequest) {
  assertFormPost(request.event);
  const { policyClause, justification, endDate } = request.form;
  const values = { policyClause, justification, endDate: endDate ?? {} };
  const requestId = pathParameter(request.event, 'requestId');
  await readExemption(request.runtime, request.caller, requestId);
  const date = dateFromParts(endDate);
  try {
    // A change to the policy's form has no end date: none is sent (an exemption's blank date is, and refused).
    await askExemptionAgain(request.runtime, request.caller, requestId, {
      policyClause: policyClause ?? '',
      justification: justification ?? '',
      ...(endDate === undefined && date === undefined ? {} : { endDate: date ?? '' }),
    });
    return redirect(`${pagePath(requestId)}?asked=yes`);
  } catch (error) {
    if (error instanceof ValidationFailed) return askAgainForm(request, values, error.errors);
    throw error;
  }
}

function listRow(e: ExemptionRecord, today: string) {
  return [
    { html: `<a class="govuk-link" href="${pagePath(e.requestId)}">${escapeHtml(e.requestId)}</a>` },
    { text: e.exemption.policyClause },
    { text: e.service ? `${e.service.serviceName} (${e.service.serviceId})` : 'The whole policy' },
    { text: e.exemption.variation ? e.exemption.variation.businessArea : 'No' },
    { text: e.exemption.endDate ? ukDate(e.exemption.endDate) : 'None' },
    { html: tagHtml(exemptionStanding(e, today)) },
  ];
}

async function exemptionsList(request: SignedInRequest) {
  const { runtime, caller, view } = request;
  const today = todayOf(request);
  const exemptions = await listExemptions(runtime, caller);
  const withStanding = (...standings: ExemptionStanding[]) =>
    exemptions.filter((e) => standings.includes(exemptionStanding(e, today))).map((e) => listRow(e, today));
  return renderPage('exemptions/list.njk', {
    ...view,
    section: 'exemptions',
    pageTitle: caller.securityTeam ? 'Exemptions and variations' : 'Your exemptions',
    groups: [
      { title: 'In force', rows: withStanding('ACTIVE') },
      { title: 'Waiting for approval', rows: withStanding('PENDING_APPROVAL') },
      { title: 'Ended', rows: withStanding('EXPIRED') },
      { title: 'Agreed changes to the policy', rows: withStanding('AGREED') },
      { title: 'Rejected, withdrawn or in error', rows: withStanding('REJECTED', 'WITHDRAWN', 'ERROR') },
    ],
  });
}

/**
 * The report a signed-in person may read: the security team every business area's, an Accounting
 * Officer or Departmental Head in the directory in force their own areas' (403 for anyone else).
 */
async function readableReport({ runtime, caller, event }: SignedInRequest): Promise<GovernanceReport> {
  const reader = governanceReaderOf(runtime.directory, caller);
  if (!reader.all && reader.areas.length === 0) {
    throw new Forbidden('Only the security team and a business area’s Accounting Officer or Departmental Head can see the governance report.');
  }
  const period = reportPeriod(event.queryStringParameters, runtime.clock());
  return governanceReportFor(await governanceReport(runtime, period), reader);
}

const KIND_HEADINGS: Record<(typeof GOVERNANCE_KINDS)[number], string> = {
  VARIATION: 'Variations',
  EXEMPTION: 'Exemptions',
  INCIDENT: 'Incidents',
  APPROVAL: 'Approvals',
  NON_COMPLIANT: 'Non-compliant contracts',
  REJECTED_OR_CLOSED: 'Rejected or closed',
};

async function reportPage(request: SignedInRequest) {
  const { runtime, view, event } = request;
  if (event.queryStringParameters?.format === 'csv') return reportCsv(request);
  const report = await readableReport(request);
  const { period } = report;
  const current = financialYearOf(runtime.clock());
  const start = Number(current.from.slice(0, 4));
  // The last five financial years and calendar years to choose from, the one shown among them.
  const periods = [
    ...Array.from({ length: 5 }, (_, i) => financialYear(start - i)),
    ...Array.from({ length: 5 }, (_, i) => {
      const year = Number(runtime.clock().toISOString().slice(0, 4)) - i;
      return { id: String(year), name: `Calendar year ${year}` };
    }),
  ];
  if (!periods.some((p) => p.id === period.id)) periods.push(period);
  return renderPage('governance/report.njk', {
    ...view,
    section: 'governance',
    pageTitle: `Governance report: ${period.name}`,
    period,
    days: `${ukDate(period.from)} to ${ukDate(period.to)}`,
    csvHref: `/governance-report.csv?${period.id.startsWith('FY') ? 'period' : 'year'}=${encodeURIComponent(period.id)}`,
    periodLinks: periods.map((p) => ({
      text: p.name,
      href: `/governance-report?${p.id.startsWith('FY') ? 'period' : 'year'}=${encodeURIComponent(p.id)}`,
      current: p.id === period.id,
    })),
    summaryHead: [{ text: 'Business area' }, ...GOVERNANCE_KINDS.map((k) => ({ text: KIND_HEADINGS[k], format: 'numeric' }))],
    summary: report.areas.map((a) => [{ text: a.name }, ...GOVERNANCE_KINDS.map((k) => ({ text: String(a.counts[k]), format: 'numeric' }))]),
    areas: report.areas.map((a) => ({
      businessArea: a.businessArea,
      name: a.name,
      rows: a.items.map((i) => [
        { text: governanceKindInWords(i.kind) },
        { text: i.reference },
        { text: i.summary },
        { text: ukDate(i.date) },
        { text: i.status },
      ]),
    })),
  });
}

async function reportCsv(request: SignedInRequest): Promise<HttpResult> {
  const report = await readableReport(request);
  return {
    statusCode: 200,
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="governance-report-${report.period.id}.csv"`,
      'Cache-Control': 'no-store',
    },
    body: governanceReportCsv(report),
  };
}

// Withdrawal while its approvals wait, by the person who asked for it, with their reason: the API lets a
// client leave it out, but a person withdrawing says why, and the trail keeps it.
async function withdrawalPage(request: SignedInRequest, values: Record<string, unknown> = {}, errors: FieldError[] = []) {
  const { runtime, caller, view, event } = request;
  const exemption = await readExemption(runtime, caller, pathParameter(event, 'requestId'));
  if (exemption.request.submittedBy.sub !== caller.sub) throw new Forbidden('Only the person who asked for this exemption can withdraw it.');
  if (exemption.request.status !== 'PENDING_APPROVAL')
    throw new Conflict('This exemption is no longer waiting for its approvals, so it can no longer be withdrawn.');
  const { errorList, fieldErrors } = errorsForPage(errors, { reason: 'Why:', '': 'The form:' }, {});
  return renderPage(
    'exemptions/withdraw.njk',
    {
      ...view,
      section: 'exemptions',
      pageTitle: 'Withdraw your exemption',
      backLink: pagePath(exemption.request.requestId),
      record: exemption.request,
      values,
      errorList,
      fieldErrors,
    },
    { statusCode: errors.length ? 400 : 200 },
  );
}

async function sendWithdrawal(request: SignedInRequest) {
  assertFormPost(request.event);
  const requestId = pathParameter(request.event, 'requestId');
  const values = { reason: request.form.reason };
  const parsed = WithdrawalSchema.safeParse(values);
  if (!parsed.success) return withdrawalPage(request, values, toFieldErrors(parsed.error));
  if (!parsed.data.reason) return withdrawalPage(request, values, [{ path: 'reason', message: 'must not be empty' }]);
  // Read as the exemption page reads it first: someone else's is 404 here as there.
  await readExemption(request.runtime, request.caller, requestId);
  await withdrawOffshoringRequest(request.runtime)(request.caller, requestId, parsed.data, 'EXEMPTION');
  return redirect(pagePath(requestId));
}

export const exemptionPages: Readonly<Record<string, PageRoute>> = {
  'GET /exemptions/new': { access: 'signedIn', page: (request) => askForm(request) },
  'POST /exemptions/new': { access: 'signedIn', page: sendAsk },
  'GET /exemptions': { access: 'signedIn', page: exemptionsList },
  'GET /exemptions/{requestId}': { access: 'signedIn', page: exemptionPage },
  'GET /exemptions/{requestId}/withdraw': { access: 'signedIn', page: (request) => withdrawalPage(request) },
  'POST /exemptions/{requestId}/withdraw': { access: 'signedIn', page: sendWithdrawal },
  'GET /exemptions/{requestId}/ask-again': { access: 'signedIn', page: (request) => askAgainForm(request) },
  'POST /exemptions/{requestId}/ask-again': { access: 'signedIn', page: sendAskAgain },
  // The security team, and Accounting Officers and Departmental Heads for their own areas (readableReport).
  'GET /governance-report': { access: 'signedIn', page: reportPage },
  'GET /governance-report.csv': { access: 'signedIn', page: reportCsv },
};
