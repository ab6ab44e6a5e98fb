import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Runtime } from '../platform/runtime.ts';
import { randomId } from '../platform/clock.ts';
import { StaleState } from '../store/errors.ts';
import { correlate, count } from '../platform/observability.ts';
import { Forbidden, NotFound, ValidationFailed } from '../web/errors.ts';
import { actorOf, ownsService, type Caller } from '../web/identity.ts';
import type { AuditEvent } from '../store/audit.ts';
import type { Actor, ApprovalRecord } from '../store/records.ts';
import { isExemptionView, type ExemptionRecord, type ExemptionView } from '../store/exemptions.ts';
import { exemptionRoundOf, exemptionRounds } from './exemption-rounds.ts';
import { ExemptionRequestSchema, type ExemptionRequest } from './exemption-request.ts';
import { toFieldErrors, type FieldError } from './request.ts';
import { approvalTimeline, exemptionApprovers, exemptionInForce, ROLE_TITLES } from './offshoring-policy.ts';
import { SUBMITTED_STATUS } from './lifecycle.ts';
import { plannedRound, publicApprover, resumeFirstRound, startRound, type PlannedRound } from './rounds.ts';
import { getRegisterEntry } from './register.ts';
import { sendRecordedEmail } from '../email/send.ts';
import { requestPageLinks } from './links.ts';
import { exemptionReceivedEmail } from '../email/exemption-templates.ts';
import { logger } from '../platform/observability.ts';

/**
 * Exemptions from the Offshoring Policy and requests to change it (Offshoring Policy, Compliance),
 * and business areas' variations (Corporate Security Policy): asked for, approved by the MoJ Senior
 * Security Adviser and the CISO (and, for a variation, the area's Accounting Officer) through the
 * same approval workflow as an offshoring request, then in force until their end date.
 */

export interface ExemptionResponse {
  requestId: string;
  kind: 'EXEMPTION';
  status: typeof SUBMITTED_STATUS;
  requiredApprovers: { role: string; name: string; email: string }[];
  respondBy: string;
  endDate?: string;
}

/** Where an exemption stands: asked (waiting), rejected, in force, or ended; a change to the policy, once approved, is agreed. */
export type ExemptionStanding = 'PENDING_APPROVAL' | 'REJECTED' | 'ACTIVE' | 'EXPIRED' | 'AGREED' | 'WITHDRAWN' | 'ERROR';

export function exemptionStanding(record: Pick<ExemptionRecord, 'status' | 'exemption'>, today: string): ExemptionStanding {
  switch (record.status) {
    case 'APPROVED':
      return record.exemption.endDate === undefined ? 'AGREED' : exemptionInForce(record.exemption.endDate, today);
    case 'PENDING_APPROVAL':
    case 'REJECTED':
    case 'WITHDRAWN':
    case 'ERROR':
      return record.status;
    default:
      return 'ERROR';
  }
}

/**
 * An exemption is for a time, so it has an end date; a change to the policy is to the whole policy
 * and does not end, so it names no end date, no service and no variation (a business area's
 * exemption). Each problem on its field.
 */
function requestTypeProblems(requestType: ExemptionRequest['requestType'] | undefined, raw: Record<string, unknown>): FieldError[] {
  if (requestType === 'EXEMPTION') {
    return raw.endDate === undefined ? [{ path: 'endDate', message: 'is required: an exemption ends on a date (YYYY-MM-DD)' }] : [];
  }
  if (requestType !== 'POLICY_CHANGE') return [];
  const leaveOut = (path: string, why: string) => (raw[path] === undefined ? [] : [{ path, message: `must be left out: ${why}` }]);
  return [
    ...leaveOut('endDate', 'a change to the policy does not end (ask for an exemption for a time)'),
    ...leaveOut('serviceId', 'a change to the policy is to the whole policy (ask for an exemption for one service)'),
    ...leaveOut('variation', 'a variation is a business area’s exemption, not a change to the policy'),
  ];
}

/** The body checked against the schema, the clock (an end date still to come) and the directory (a variation's area and its Accounting Officer), every problem at once. */
export function validateExemption(runtime: Runtime, body: unknown): ExemptionRequest {
  const parsed = ExemptionRequestSchema.safeParse(body);
  const errors: FieldError[] = parsed.success ? [] : toFieldErrors(parsed.error);
  // Checked beside the schema's own, on each field the schema took, so a body hears of every problem
  // at once. A known area always has an Accounting Officer (accountingOfficerOf).
  const fields = ExemptionRequestSchema.shape;
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const endDate = fields.endDate.safeParse(raw.endDate);
  const today = runtime.clock().toISOString().slice(0, 10);
  if (endDate.success && endDate.data !== undefined && endDate.data <= today)
    errors.push({ path: 'endDate', message: 'must be after today: an exemption ends in the future' });
  const requestType = fields.requestType.safeParse(raw.requestType).data;
  errors.push(...requestTypeProblems(requestType, raw));
  const area = fields.variation.safeParse(raw.variation).data?.businessArea;
  if (area !== undefined) {
    const { businessAreas } = runtime.directory;
    if (!Object.hasOwn(businessAreas, area)) {
      errors.push({
        path: 'variation.businessArea',
        message: `unknown business area "${area}": use one of ${Object.keys(businessAreas).join(', ')}`,
      });
    }
  }
  if (errors.length > 0 || !parsed.success) throw new ValidationFailed(errors);
  return parsed.data;
}

/**
 * No one approves what they asked for (separation of duties): an exemption asked for by one of its
 * own approvers is refused, 403 naming the role, and someone else asks for it.
 */
export function assertNotOwnApprover(caller: Caller, approvers: readonly { role: string; email: string }[]): void {
  const own = approvers.find((a) => a.email.toLowerCase() === caller.email.toLowerCase());
  if (own) {
    const role = ROLE_TITLES[own.role as keyof typeof ROLE_TITLES] ?? own.role;
    throw new Forbidden(`You are its ${role}, one of its approvers, and no one approves what they asked for: someone else must ask for it`, {
      role: own.role,
    });
  }
}

/** A round's approvals: the SSA and the CISO (and a variation's Accounting Officer), each with the full window. */
export function planExemptionApprovals(runtime: Runtime, requestId: string, exemption: ExemptionRequest, now: Date, round = 1): PlannedRound {
  // No planned start date: an exemption's approvers get the full window, and no notice applies.
  const timeline = approvalTimeline({ changeType: 'EXISTING', plannedStartDate: now.toISOString().slice(0, 10) }, now, runtime.approvalWaits);
  const approvers = exemptionApprovers(exemption, runtime.directory);
  return plannedRound(runtime, { requestId, round, approvers, timeline, notice: { lateNotice: false, noticeDays: 0 }, now });
}

/** Asks for an exemption: stored with its approvers, its approval round started, the requester told. */
export async function submitExemption(runtime: Runtime, caller: Caller, body: unknown): Promise<ExemptionResponse> {
  return askOnce(runtime, caller, validateExemption(runtime, body));
}

/** The exemption id an Idempotency-Key stands for, for this caller: a later try can only find it, never make another. */
export function exemptionIdForKey(subject: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${subject}\u0000${idempotencyKey}`, 'utf8').digest();
  return randomId('EXM', 10, (n) => digest.subarray(0, n));
}

/**
 * Asks for a validated exemption. With an Idempotency-Key its id is the key's, so a try after one
 * that died once it had stored the exemption finds it (functions/domain/exemption-idempotency.ts).
 */
export async function askOnce(runtime: Runtime, caller: Caller, exemption: ExemptionRequest, idempotencyKey?: string): Promise<ExemptionResponse> {
  let service: ExemptionRecord['service'];
  if (exemption.serviceId) {
    const entry = await getRegisterEntry(runtime, exemption.serviceId);
    if (!entry) throw new ValidationFailed([{ path: 'serviceId', message: `no service ${exemption.serviceId} in the offshore service register` }]);
    if (!caller.securityTeam && !ownsService(caller, entry)) {
      throw new Forbidden(`Only the owner of ${exemption.serviceId} (or the security team) may ask for an exemption for it`, {
        serviceId: exemption.serviceId,
      });
    }
    service = { serviceId: entry.serviceId, serviceName: entry.serviceName, businessAreas: entry.businessAreas };
  }
  const now = runtime.clock();
  const at = now.toISOString();
  // With a key, the id is the key's: a try after one that died once it had stored the exemption finds it.
  const requestId = idempotencyKey ? exemptionIdForKey(caller.sub, idempotencyKey) : runtime.ids.exemptionId();
  const planned = planExemptionApprovals(runtime, requestId, exemption, now);
  assertNotOwnApprover(caller, planned.approvers);
  const submittedBy: Actor = actorOf(caller);
  const record: ExemptionRecord = {
    kind: 'EXEMPTION',
    requestId,
    status: SUBMITTED_STATUS,
    round: 1,
    exemption,
    ...(service ? { service } : {}),
    requester: { name: caller.name ?? caller.email, email: caller.email },
    requiredApprovers: planned.approvers,
    submittedAt: at,
    updatedAt: at,
    submittedBy,
    ...(planned.directoryVersion === undefined ? {} : { directoryVersion: planned.directoryVersion }),
    version: 0,
  };
  const submitted: AuditEvent = {
    eventId: runtime.ids.eventId(),
    at,
    type: 'REQUEST_SUBMITTED',
    actor: submittedBy,
    round: 1,
    details: { requiredApprovers: planned.approvers.map(publicApprover), lateNotice: false, respondBy: planned.timeline.respondBy },
  };
  try {
    await runtime.store.createExemption(record, planned.approvals, [submitted], exemptionRoundOf(record, 'SUBMITTED', at, submittedBy));
  } catch (error) {
    if (!(error instanceof StaleState) || !idempotencyKey) throw error;
    return earlierTry(runtime, caller, exemption, requestId);
  }
  correlate(requestId);
  count('ExemptionRequested');
  await startRound(runtime, record, planned);
  await sendReceipt(runtime, record, planned.approvals, planned.timeline.respondBy);
  return {
    requestId,
    kind: 'EXEMPTION',
    status: SUBMITTED_STATUS,
    requiredApprovers: planned.approvers.map(publicApprover),
    respondBy: planned.timeline.respondBy,
    endDate: exemption.endDate,
  };
}

/**
 * An earlier try of this key stored the exemption, then died before it answered (its idempotency
 * record then goes): the answer is the earlier exemption's, its round started if that try never got
 * so far, and its receipt sent unless that try sent it. The same key with another exemption is
 * refused, as Powertools refuses it.
 */
async function earlierTry(runtime: Runtime, caller: Caller, exemption: ExemptionRequest, requestId: string): Promise<ExemptionResponse> {
  const view = await runtime.store.getCaseView(requestId);
  if (!view || !isExemptionView(view) || view.request.submittedBy.sub !== caller.sub || !isDeepStrictEqual(view.request.exemption, exemption)) {
    throw Object.assign(new Error(`Idempotency-Key already used for exemption ${requestId}, with a different body`), {
      name: 'IdempotencyValidationError',
    });
  }
  const approvals = view.approvals.filter((a) => a.round === 1);
  const first = approvals[0];
  if (view.request.status === SUBMITTED_STATUS && view.request.round === 1) {
    await resumeFirstRound(runtime, requestId, approvals);
    await sendReceipt(runtime, view.request, approvals, first?.respondBy ?? '', view.audit);
  }
  correlate(requestId);
  return {
    requestId,
    kind: 'EXEMPTION',
    status: SUBMITTED_STATUS,
    requiredApprovers: view.request.requiredApprovers.map(publicApprover),
    respondBy: first?.respondBy ?? '',
    endDate: view.request.exemption.endDate,
  };
}

/**
 * Tells the requester a round started (the receipt, or asked again): who must approve it, by when,
 * its page; once per round (keyed in the audit trail). The exemption is stored and its round running
 * whatever happens to this email, so a failure is logged (and alarmed on), never the caller's error.
 */
export async function sendReceipt(
  runtime: Runtime,
  record: ExemptionRecord,
  approvals: readonly ApprovalRecord[],
  respondBy: string,
  alreadySent: readonly AuditEvent[] = [],
): Promise<void> {
  const { requestId, round } = record;
  try {
    await sendRecordedEmail(
      runtime,
      requestId,
      round,
      `ROUND_STARTED:${round}`,
      exemptionReceivedEmail(record, approvals, respondBy, exemptionPageLink(runtime.publicBaseUrl, requestId)),
      alreadySent,
    );
  } catch (error) {
    logger.error('The requester could not be told the exemption’s round started', { requestId, round, error: error as Error });
  }
}

export const exemptionPageLink = (publicBaseUrl: string, requestId: string) => `${publicBaseUrl}/exemptions/${encodeURIComponent(requestId)}`;

/** An exemption's id (EXM-…) tells it from an offshoring request's (OFF-…) with nothing read. */
export const isExemptionId = (requestId: string) => requestId.startsWith('EXM-');

/** The page of a request or an exemption, from its id alone (monitoring's findings link to it). */
export const casePageLink = (publicBaseUrl: string, requestId: string) =>
  isExemptionId(requestId) ? exemptionPageLink(publicBaseUrl, requestId) : requestPageLinks(publicBaseUrl, requestId).page;

/**
 * Who asked for it is known by the identity provider's subject, never by the email claim alone (a
 * later holder of the address is someone else): the same rule as a request's owner.
 */
export const askedBy = (record: Pick<ExemptionRecord, 'submittedBy'>, caller: Caller) => record.submittedBy.sub === caller.sub;

/** The security team sees every exemption; anyone else those they asked for. */
export async function listExemptions(runtime: Runtime, caller: Caller): Promise<ExemptionRecord[]> {
  if (caller.securityTeam) return runtime.store.listExemptions();
  return (await runtime.store.listExemptions(caller.email)).filter((record) => askedBy(record, caller));
}

/** The standings an integration filters the security team's list by (`?status=`): in force, waiting, ended. */
export const LISTED_STANDINGS = ['ACTIVE', 'PENDING_APPROVAL', 'EXPIRED', 'AGREED'] as const;

/** The caller's exemptions (the security team's: all), optionally only those of one standing, as the API answers them. */
export async function listExemptionsForApi(runtime: Runtime, caller: Caller, status: string | undefined) {
  if (status !== undefined && !(LISTED_STANDINGS as readonly string[]).includes(status)) {
    throw new ValidationFailed([
      { path: 'status', message: `must be one of ${LISTED_STANDINGS.join(', ')} (in force, waiting, ended, an agreed change to the policy)` },
    ]);
  }
  const today = runtime.clock().toISOString().slice(0, 10);
  const records = await listExemptions(runtime, caller);
  return records
    .filter((record) => status === undefined || exemptionStanding(record, today) === status)
    .map((record) => exemptionSummary(record, today));
}

const exemptionSummary = (record: ExemptionRecord, today: string) => ({
  requestId: record.requestId,
  kind: 'EXEMPTION' as const,
  status: record.status,
  standing: exemptionStanding(record, today),
  ...record.exemption,
  ...(record.service ? { service: record.service } : {}),
  requester: record.requester,
  submittedAt: record.submittedAt,
  ...(record.approvedAt ? { approvedAt: record.approvedAt } : {}),
});

/**
 * One exemption for an integration: 404 when there is none, 403 when it is someone else's (an id
 * is 50 bits of randomness shown only to its requester, its approvers and the security team).
 */
export async function exemptionForApi(runtime: Runtime, caller: Caller, requestId: string) {
  const view = await runtime.store.getCaseView(requestId);
  if (!view || !isExemptionView(view)) throw new NotFound(`No exemption ${requestId}`, { requestId });
  if (!caller.securityTeam && !askedBy(view.request, caller))
    throw new Forbidden(`Only the person who asked for ${requestId} (or the security team) may read it`, { requestId });
  return exemptionBody(view, runtime.clock().toISOString().slice(0, 10));
}

/** One exemption with its approvals and trail, for whoever asked for it or the security team (404 for anyone else: it reveals nothing). */
export async function readExemption(runtime: Runtime, caller: Caller, requestId: string): Promise<ExemptionView> {
  const view = await runtime.store.getCaseView(requestId);
  if (!view || !isExemptionView(view) || (!caller.securityTeam && !askedBy(view.request, caller))) throw new NotFound(`No exemption ${requestId}`);
  return view;
}

const decisionBody = ({ approvalId, role, name, email, status, decidedAt, reason }: ApprovalRecord) => ({
  approvalId,
  role,
  name,
  email,
  status,
  ...(decidedAt ? { decidedAt } : {}),
  ...(reason ? { reason } : {}),
});

/** An exemption as the API answers it: its content, standing, approvers and decisions, and every round's. */
export function exemptionBody(view: ExemptionView, today: string) {
  const { request } = view;
  return {
    requestId: request.requestId,
    kind: 'EXEMPTION' as const,
    status: request.status,
    standing: exemptionStanding(request, today),
    ...request.exemption,
    ...(request.service ? { service: request.service } : {}),
    requester: request.requester,
    submittedAt: request.submittedAt,
    ...(request.approvedAt ? { approvedAt: request.approvedAt } : {}),
    requiredApprovers: request.requiredApprovers.map(publicApprover),
    directoryVersion: request.directoryVersion ?? null,
    round: request.round,
    approvals: view.approvals.filter((a) => a.round === request.round).map(decisionBody),
    ...(request.rejectionReasons ? { rejectionReasons: request.rejectionReasons } : {}),
    rounds: exemptionRounds(view).map(({ approvals, ...round }) => ({ ...round, approvals: approvals.map(decisionBody) })),
  };
}
