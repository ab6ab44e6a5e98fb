import type { Runtime } from '#platform/runtime';
import type { OpenedLink } from '#domain/decisions';
import type { FieldError } from '#domain/request';
import type { ApprovalRecord, RequestRecord } from '#store/records';
import type { AuditEvent } from '#store/audit';
import type { RequestView } from '#store/requests';
import { approvalLink } from '#domain/links';
import { COMPLIANCE_CLAUSE, ROLE_REASONS } from '#domain/offshoring-policy';
import { changesInRound, requestRounds, type RoundEvidence } from '#domain/round-history';
import { serviceChanges } from '#domain/service-change';
import {
  APPROVAL_STATUS_WORDS,
  BUSINESS_CRITICALITY_WORDS,
  CHANGE_TYPE_WORDS,
  SERVICE_OWNER_IS_IAO,
  DATA_CATEGORY_WORDS,
  REQUEST_STATUS_WORDS,
  existingContractInWords,
  locationInWords,
  roleInWords,
  ukDate,
  ukTime,
} from '#domain/words';
import { securityHeaders, type HttpResult } from './http.ts';
import { renderPage } from './render.ts';
import { isExemption, isExemptionView, type ExemptionRecord } from '#store/exemptions';
import { exemptionRounds } from '#domain/exemption-rounds';
import { exemptionsInForceFor, exemptionsInWords } from '#domain/exemptions-in-force';
import { anExemptionWhat, exemptionFacts, exemptionWhat, revisableFacts } from '#email/exemption-templates';

/**
 * The approver's pages, reached by the emailed link alone (no session, no sign-in): the decision
 * form, what was recorded, and a page in words for a link that no longer works.
 */

type Role = Parameters<typeof roleInWords>[0];
const roleWords = (role: string, businessArea?: string) => {
  const words = roleInWords(role as Role) ?? 'Approver';
  return businessArea ? `${words}, ${businessArea}` : words;
};

/**
 * Where the decision form may post: the approval links under the public base URL, which is where
 * the form's action points (it may be another origin than the one serving the page, e.g. the
 * API's own URL behind a custom domain, and may carry a base path).
 */
export function formActionSource(publicBaseUrl: string): string {
  const base = new URL(`${publicBaseUrl.replace(/\/+$/, '')}/approvals/`);
  return `${base.origin}${base.pathname}`;
}

/**
 * The form posts back to the emailed link itself, built on the public base URL: behind a custom
 * domain with a base path (https://…/offshore) a root-relative action would lose the path.
 */
export function decisionAction(runtime: Pick<Runtime, 'publicBaseUrl'>, { approval }: Pick<OpenedLink, 'approval'>, token: string): string {
  return approvalLink(runtime.publicBaseUrl, approval.approvalId, token);
}

/**
 * The security headers of the approver's pages: the page sends its own CSP (with its nonce), and
 * no Referer ever leaves them, since their address carries the link's token.
 */
export const approverPageHeaders = () => securityHeaders({ contentSecurityPolicy: false as never, referrerPolicy: { policy: 'no-referrer' } });

/**
 * A page rendered as every page is, with two changes to its CSP: nothing is allowed by default
 * (each kind of content is named), and the form may post to the links' own address.
 */
function approverPage(runtime: Pick<Runtime, 'publicBaseUrl'>, view: string, context: Record<string, unknown>, statusCode: number): HttpResult {
  return renderPage(view, context, {
    statusCode,
    headers: { 'Referrer-Policy': 'no-referrer' },
    policy: { nothingByDefault: true, formAction: formActionSource(runtime.publicBaseUrl) },
  });
}

interface Row {
  key: { text: string };
  value: { text?: string; html?: string };
}
const row = (key: string, text: string): Row => ({ key: { text: key }, value: { text } });

/** The request as an approver reads it: every fact in words. */
function requestRows(record: RequestRecord): Row[] {
  const r = record.request;
  const rows = [
    row('Reference', record.requestId),
    row('Service', r.serviceName),
    row('Supplier', r.supplierName),
    row('Type of change', CHANGE_TYPE_WORDS[r.changeType]),
  ];
  if (r.businessCriticality) rows.push(row('Business criticality', BUSINESS_CRITICALITY_WORDS[r.businessCriticality]));
  if (record.serviceBeforeChange) {
    const s = record.serviceBeforeChange;
    rows.push(row('Registered service', `${s.serviceId}: ${s.serviceName} (register version ${s.version})`));
  }
  rows.push(
    row('Business areas', r.businessAreas.join(', ')),
    row('Data classification', r.dataClassification),
    row('Kinds of data', r.dataCategories.map((c) => DATA_CATEGORY_WORDS[c]).join(', ')),
    row('Where and what happens offshore', r.offshoreLocations.map(locationInWords).join('; ')),
    row('Planned start date', ukDate(r.plannedStartDate)),
    row('Service owner', `${r.serviceOwner.name} (${r.serviceOwner.email})`),
    // Corporate Security Policy: information risks are owned by Information Asset Owners; by default the service owner.
    row(
      'Information Asset Owner',
      r.informationAssetOwner ? `${r.informationAssetOwner.name} (${r.informationAssetOwner.email})` : SERVICE_OWNER_IS_IAO,
    ),
  );
  if (r.contractManager) rows.push(row('Contract manager', `${r.contractManager.name} (${r.contractManager.email})`));
  if (r.existingContract) rows.push(...existingContractInWords(r.existingContract).map(([key, value]) => row(key, value)));
  rows.push(row('Approval round', String(record.round)));
  return rows;
}

const statusTag = (status: ApprovalRecord['status']) => ({
  text: APPROVAL_STATUS_WORDS[status].text,
  classes: `govuk-tag--${APPROVAL_STATUS_WORDS[status].colour}`,
});

/** A decision as people read it: who, in what role, what, when, why. */
const decisionInWords = (a: ApprovalRecord) => ({
  round: a.round,
  role: roleWords(a.role, a.businessArea),
  name: a.name,
  status: statusTag(a.status),
  decidedAt: a.decidedAt ? ukTime(a.decidedAt) : undefined,
  reason: a.reason,
});

/** What started a round after the first: the adjusted request (against the round before, from the stored rounds), the mitigations, or the endorsement. */
function whatChanged(view: RequestView, rounds: readonly RoundEvidence[], round: number) {
  const start = view.audit.find(
    (e): e is Extract<AuditEvent, { type: 'REQUEST_RESUBMITTED' | 'MITIGATIONS_PROVIDED' | 'ROUND_STARTED_AFTER_ENDORSEMENT' }> =>
      e.round === round && (e.type === 'REQUEST_RESUBMITTED' || e.type === 'MITIGATIONS_PROVIDED' || e.type === 'ROUND_STARTED_AFTER_ENDORSEMENT'),
  );
  if (!start) return undefined;
  switch (start.type) {
    case 'REQUEST_RESUBMITTED':
      return {
        summary: 'The service owner adjusted the plans and sent the request again.',
        changes: changesInRound(rounds, round),
      };
    case 'MITIGATIONS_PROVIDED':
      return {
        summary: start.details.replaceExisting
          ? 'The service owner replaced the mitigations with these:'
          : 'The service owner added these mitigations:',
        mitigations: start.details.mitigations,
      };
    case 'ROUND_STARTED_AFTER_ENDORSEMENT':
      return { summary: 'The Departmental Head endorsed the service owner’s case for approval, so every approver is asked again.' };
  }
}

/**
 * The last round this approver was asked in before this one (the round they saw); for someone new
 * to the request, the round before this one.
 */
function roundSeen(view: RequestView, approval: ApprovalRecord): number | undefined {
  if (approval.round <= 1) return undefined;
  const earlier = view.approvals
    .filter(
      (a) => a.kind === 'APPROVAL' && a.round < approval.round && a.role === approval.role && a.email.toLowerCase() === approval.email.toLowerCase(),
    )
    .map((a) => a.round);
  return earlier.length ? Math.max(...earlier) : approval.round - 1;
}

/** What each round after the one they saw changed, oldest first. */
function changesSince(view: RequestView, seen: number | undefined) {
  if (seen === undefined) return [];
  const rounds = requestRounds(view);
  return rounds
    .filter((r) => r.round > seen && r.round <= view.request.round)
    .flatMap(({ round }) => {
      const changed = whatChanged(view, rounds, round);
      return changed ? [{ round, ...changed }] : [];
    });
}

export interface DecisionFormState {
  errors?: FieldError[];
  values?: { decision?: string; reason?: string };
}

/** The problems of a refused decision, for the error summary (linked to each field) and inline. */
function decisionErrors(errors: readonly FieldError[], endorsement: boolean) {
  const errorList: { text: string; href: string }[] = [];
  const fieldErrors: Record<string, string> = {};
  for (const error of errors) {
    const field = error.path === 'reason' ? 'reason' : 'decision';
    if (fieldErrors[field]) continue;
    let text: string;
    if (field === 'decision') text = endorsement ? 'Choose whether you endorse or decline' : 'Choose whether you approve or reject';
    else if (/give a reason/.test(error.message))
      text = endorsement ? 'You must give a reason when you decline' : 'You must give a reason when you reject';
    else text = `Your reason ${error.message}`;
    fieldErrors[field] = text;
    errorList.push({ text, href: `#${field}` });
  }
  return { errorList, fieldErrors };
}

/** The decision form, with the request, who else is asked, and for later rounds what changed and why. */
export async function decisionPage(
  runtime: Runtime,
  opened: OpenedLink,
  token: string,
  state: DecisionFormState = {},
  statusCode = 200,
): Promise<HttpResult> {
  const { approval, request } = opened;
  if (isExemption(request)) return exemptionDecisionPage(runtime, { ...opened, request }, token, state, statusCode);
  const view = (await runtime.store.getRequestView(request.requestId)) ?? { request, approvals: [approval], audit: [], rounds: [] };
  const endorsement = approval.kind === 'ENDORSEMENT';
  const thisRound = view.approvals.filter((a) => a.round === request.round && a.kind === 'APPROVAL');
  const changes = request.serviceBeforeChange ? serviceChanges(request.serviceBeforeChange, request.request) : undefined;
  const escalated = view.audit.findLast((e) => e.type === 'ESCALATED_TO_DEPARTMENTAL_HEAD');
  const { errorList, fieldErrors } = decisionErrors(state.errors ?? [], endorsement);
  // What the request may rely on, so an approver weighs it with the exemptions already agreed.
  const exemptionsInForce = exemptionsInWords(
    await exemptionsInForceFor(runtime, { serviceId: request.request.serviceId, businessAreas: request.request.businessAreas }),
  );
  return approverPage(
    runtime,
    'approver/decide.njk',
    {
      pageTitle: `${endorsement ? 'Endorse or decline' : 'Approve or reject'}: ${request.request.serviceName}`,
      errorList,
      fieldErrors,
      values: state.values ?? {},
      action: decisionAction(runtime, opened, token),
      endorsement,
      you: {
        role: roleWords(approval.role, approval.businessArea),
        name: approval.name,
        respondBy: ukTime(approval.respondBy),
        reason: ROLE_REASONS[approval.role as Role],
      },
      request: request.request,
      requestId: request.requestId,
      round: request.round,
      lateNoticeReason: request.lateNotice ? request.lateNoticeReason : undefined,
      rows: requestRows(request),
      exemptionsInForce,
      serviceChange: changes && {
        serviceId: request.serviceBeforeChange?.serviceId,
        rows: changes.map((c) => [{ text: c.what }, { text: c.before }, { text: c.after }]),
      },
      others: endorsement ? [] : thisRound.filter((a) => a.approvalId !== approval.approvalId).map(decisionInWords),
      sinceRound: endorsement ? undefined : roundSeen(view, approval),
      whatChanged: endorsement ? [] : changesSince(view, roundSeen(view, approval)),
      earlierDecisions: view.approvals
        .filter(
          (a) => a.round < request.round && a.kind === 'APPROVAL' && (a.status === 'APPROVED' || a.status === 'REJECTED' || a.status === 'LAPSED'),
        )
        .sort((a, b) => a.round - b.round)
        .map(decisionInWords),
      rejection: endorsement
        ? {
            reasons: (request.rejectionReasons ?? []).map((r) => ({ role: roleWords(r.role), name: r.name, reason: r.reason })),
            caseForApproval: request.escalation?.caseForApproval,
            risksRectified:
              request.escalation?.risksRectified ??
              (escalated?.type === 'ESCALATED_TO_DEPARTMENTAL_HEAD' ? escalated.details.risksRectified : undefined),
            escalatedAt: request.escalation?.at ? ukTime(request.escalation.at) : undefined,
            businessArea: request.escalation?.businessArea,
            rectified: escalated?.type === 'ESCALATED_TO_DEPARTMENTAL_HEAD' ? escalated.details : undefined,
          }
        : undefined,
      endorsementGiven: request.endorsement && { ...request.endorsement, at: ukTime(request.endorsement.at) },
    },
    statusCode,
  );
}

/** The decision form for an exemption (Offshoring Policy, Compliance): its clause, justification, scope and end date. */
async function exemptionDecisionPage(
  runtime: Runtime,
  opened: OpenedLink & { request: ExemptionRecord },
  token: string,
  state: DecisionFormState,
  statusCode: number,
): Promise<HttpResult> {
  const { approval, request } = opened;
  const view = await runtime.store.getCaseView(request.requestId);
  const exemptionView = view && isExemptionView(view) ? view : undefined;
  const approvals = view?.approvals ?? [approval];
  const { errorList, fieldErrors } = decisionErrors(state.errors ?? [], false);
  // Asked again after a rejection: what was revised since the round before, and what earlier rounds' approvers decided.
  const rounds = exemptionView ? exemptionRounds(exemptionView) : [];
  const before = rounds.find((r) => r.round === request.round - 1)?.exemption;
  const now = new Map(revisableFacts(request, request.exemption));
  const changes = before
    ? revisableFacts(request, before)
        .map(([what, was]) => ({ what, before: was, after: now.get(what) ?? '' }))
        .filter((c) => c.before !== c.after)
    : [];
  return approverPage(
    runtime,
    'approver/decide-exemption.njk',
    {
      pageTitle: `Approve or reject ${anExemptionWhat(request)}`,
      what: anExemptionWhat(request),
      errorList,
      fieldErrors,
      values: state.values ?? {},
      action: decisionAction(runtime, opened, token),
      you: {
        role: roleWords(approval.role, approval.businessArea),
        name: approval.name,
        respondBy: ukTime(approval.respondBy),
        reason:
          approval.role === 'ACCOUNTING_OFFICER'
            ? ROLE_REASONS.ACCOUNTING_OFFICER
            : { clause: 'Offshoring Policy, Compliance', words: COMPLIANCE_CLAUSE },
      },
      requestId: request.requestId,
      rows: exemptionFacts(request).map(([key, text]) => row(key, text)),
      others: approvals.filter((a) => a.round === request.round && a.approvalId !== approval.approvalId).map(decisionInWords),
      askedAgain: before ? { sinceRound: request.round - 1, changes } : undefined,
      earlierDecisions: approvals
        .filter((a) => a.round < request.round && (a.status === 'APPROVED' || a.status === 'REJECTED' || a.status === 'LAPSED'))
        .sort((a, b) => a.round - b.round)
        .map(decisionInWords),
    },
    statusCode,
  );
}

/** What happens after each kind of decision, said to the person who made it. */
function whatHappensNext(decided: ApprovalRecord): string[] {
  if (decided.kind === 'ENDORSEMENT') {
    return decided.status === 'APPROVED'
      ? [
          'A new approval round starts now: every approver the policy requires is asked again, and shown your endorsement.',
          'The service owner is told by email.',
        ]
      : ['The request is closed. The service owner is told by email, with your reason.'];
  }
  return decided.status === 'APPROVED'
    ? [
        'The other approvers are still being asked. When every approver has approved, the service owner is told and the service enters the offshore service register.',
        'We will email you the outcome.',
      ]
    : [
        'The request is rejected. The approvers still to decide are told they no longer need to.',
        'The service owner is emailed your reason. They can adjust their plans, provide more mitigations, or escalate to their Departmental Head (Offshoring Policy, Process 3). If they adjust their plans or add mitigations, you will be asked again.',
      ];
}

/** What follows an approver's decision on an exemption. */
const exemptionNext = (decided: ApprovalRecord): string[] =>
  decided.status === 'APPROVED'
    ? [
        'When every approver has approved, the exemption is in force until its end date and the person who asked is told.',
        'We will email you the outcome.',
      ]
    : ['The exemption is rejected. The approvers still to decide are told they no longer need to.', 'The person who asked is emailed your reason.'];

/** What was recorded, as the approver sees it after deciding. */
export function decisionRecordedPage(runtime: Runtime, opened: OpenedLink, decided: ApprovalRecord): HttpResult {
  const endorsement = decided.kind === 'ENDORSEMENT';
  const approved = decided.status === 'APPROVED';
  const word = endorsement ? (approved ? 'Endorsed' : 'Declined') : approved ? 'Approved' : 'Rejected';
  return approverPage(
    runtime,
    'approver/decided.njk',
    {
      pageTitle: `Decision recorded: ${word}`,
      word,
      serviceName: isExemption(opened.request) ? `the ${exemptionWhat(opened.request)}` : opened.request.request.serviceName,
      requestId: opened.request.requestId,
      rows: [
        row('Decision', word),
        row('By', `${decided.name} (${roleWords(decided.role, decided.businessArea)}), ${decided.email}`),
        row('When', decided.decidedAt ? ukTime(decided.decidedAt) : ''),
        row('Reason', decided.reason ?? 'None given'),
        row('Approval round', String(decided.round)),
      ],
      next: isExemption(opened.request) ? exemptionNext(decided) : whatHappensNext(decided),
    },
    200,
  );
}

const TITLES: Record<number, string> = {
  400: 'There is a problem with what was sent',
  403: 'This link does not work',
  404: 'Page not found',
  409: 'A decision was already recorded',
  410: 'This decision is no longer needed',
  413: 'What you sent is too large',
  415: 'This page only takes form posts',
};

interface Recorded {
  role: string;
  name: string;
  decision: ApprovalRecord['status'];
  decidedAt: string | null;
  reason: string | null;
}

/** Why a link that once worked no longer does, in words (never the request's status code or an ISO time). */
function explanation(statusCode: number, body: Record<string, unknown>): string[] {
  const recorded = body.recorded as Recorded | undefined;
  const endorsement = body.kind === 'ENDORSEMENT';
  const what = endorsement ? 'endorsement' : 'approval';
  if (statusCode === 403)
    return ['Use the link in the most recent email you were sent, exactly as it is. A link works for one person and one decision only.'];
  if (statusCode === 409) {
    return [
      recorded?.decidedAt
        ? `${recorded.name} (${roleWords(recorded.role)}) recorded a decision at ${ukTime(recorded.decidedAt)}: ${APPROVAL_STATUS_WORDS[recorded.decision]?.text ?? 'decided'}.`
        : 'A decision was already recorded through this link.',
      ...(recorded?.reason ? [`Reason given: ${recorded.reason}`] : []),
      'Each link records one decision. It cannot be changed through the link.',
    ];
  }
  if (statusCode === 410) {
    if (recorded?.decision === 'LAPSED')
      return [`The time to decide on this ${what} ran out before a decision was recorded. The policy counts it as not obtained.`];
    if (typeof body.validUntil === 'string')
      return [`This link stopped working at ${ukTime(body.validUntil)} (UK time). A reminder email carries a new link.`];
    if (body.laterRound === true)
      return ['The request has changed and a new approval round has started. Use the link in the most recent email you were sent.'];
    const status = REQUEST_STATUS_WORDS[body.requestStatus as keyof typeof REQUEST_STATUS_WORDS];
    if (status) return [`The request’s status is now: ${status.text}. Your decision is no longer needed, and you do not need to do anything.`];
    return ['Your decision is no longer needed, and you do not need to do anything.'];
  }
  if (statusCode === 400) return ['Go back to the link in your email and try again.'];
  if (statusCode >= 500) return ['Something went wrong on our side. Nothing you sent was lost. Try again later.'];
  return ['Go back to the link in your email and try again.'];
}

/** The approver's error pages: what happened, and whom to contact (the service owner, the security team). */
export function linkProblemPage(runtime: Runtime) {
  return (statusCode: number, body: Record<string, unknown>): HttpResult => {
    const owner = body.serviceOwner as { name: string; email: string } | undefined;
    return approverPage(
      runtime,
      'approver/link-problem.njk',
      {
        pageTitle: TITLES[statusCode] ?? 'Sorry, there is a problem with the service',
        title: TITLES[statusCode] ?? 'Sorry, there is a problem with the service',
        paragraphs: explanation(statusCode, body),
        serviceName: typeof body.serviceName === 'string' ? body.serviceName : undefined,
        requestId: typeof body.requestId === 'string' ? body.requestId : undefined,
        serviceOwner: owner,
        securityTeam: runtime.directory.securityTeam,
        reference: statusCode >= 500 ? body.awsRequestId : undefined,
      },
      statusCode,
    );
  };
}
