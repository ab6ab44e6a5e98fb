import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import type { Runtime } from '#platform/runtime';
import { randomId } from '#platform/clock';
import { StaleState } from '#store/errors';
import { correlate, count } from '#platform/observability';
import { Forbidden } from '#web/errors';
import { actorOf, type Caller } from '#web/identity';
import type { Actor, RequestRecord } from '#store/records';
import type { AuditEvent } from '#store/audit';
import { idempotencyRecords } from '#store/idempotency';
import type { OffshoringRequest } from './request.ts';
import { checkServiceReference } from './request-checks.ts';
import { confirmRoundStarted, planRound, publicApprover, resumeFirstRound, roundRecord, startRound } from './rounds.ts';
import { SUBMITTED_STATUS } from './lifecycle.ts';
import { listingAtSubmission } from './existing-contracts.ts';

/**
 * Offshoring Policy, Process 1: a service owner submits a request; its approvers are worked out and
 * its first approval round starts. Validation lists every problem at once.
 */

export interface SubmissionResponse {
  requestId: string;
  status: typeof SUBMITTED_STATUS;
  round: number;
  requiredApprovers: { role: string; name: string; email: string }[];
  lateNotice: boolean;
  lateNoticeReason?: string;
  respondBy: string;
  /** An existing contract: where it is listed in the offshore service register from now on. */
  register?: { serviceId: string; compliance: string };
}

/** A service owner submits an offshoring request: stored with its approvers, and its first round started. */
export function submitOffshoringRequest(runtime: Runtime) {
  const { store, clock, ids } = runtime;
  const submitOnce = idempotentSubmission(runtime, (submission) => submit(submission.caller, submission.request, submission.idempotencyKey));

  async function submit(caller: Caller, request: OffshoringRequest, idempotencyKey?: string): Promise<SubmissionResponse> {
    const serviceBeforeChange = await checkServiceReference(runtime, request, caller);
    const now = clock();
    const at = now.toISOString();
    // With a key, the id is the key's: a try after one that died once it had stored the request finds it.
    const requestId = idempotencyKey ? requestIdForKey(caller.sub, idempotencyKey) : ids.requestId();
    const planned = planRound(runtime, requestId, 1, request, now);
    const { notice } = planned;
    const submittedBy: Actor = actorOf(caller);

    const record: RequestRecord = {
      requestId,
      status: SUBMITTED_STATUS,
      round: 1,
      request,
      requiredApprovers: planned.approvers,
      lateNotice: notice.lateNotice,
      noticeDays: notice.noticeDays,
      lateNoticeReason: notice.lateNoticeReason,
      submittedAt: at,
      updatedAt: at,
      submittedBy,
      // The named owner submitting binds the request to their subject; one submitted for them is bound at their first sign-in.
      ...(caller.email === request.serviceOwner.email.toLowerCase() ? { serviceOwnerSubject: caller.sub } : {}),
      ...(serviceBeforeChange ? { serviceBeforeChange } : {}),
      ...(planned.directoryVersion === undefined ? {} : { directoryVersion: planned.directoryVersion }),
      version: 0,
    };
    const submitted: AuditEvent = {
      eventId: ids.eventId(),
      at,
      type: 'REQUEST_SUBMITTED',
      actor: submittedBy,
      round: 1,
      details: {
        requiredApprovers: planned.approvers.map(publicApprover),
        lateNotice: notice.lateNotice,
        respondBy: planned.timeline.respondBy,
        ...(notice.lateNoticeReason ? { lateNoticeReason: notice.lateNoticeReason } : {}),
      },
    };
    // An existing contract is live already: listed in the register with the request itself, under assessment.
    const listed = listingAtSubmission(runtime, record);
    try {
      await store.createRequest(
        record,
        planned.approvals,
        listed ? [submitted, listed.event] : [submitted],
        roundRecord(record, { start: 'SUBMITTED', at, actor: submittedBy }),
        listed?.puts,
      );
    } catch (error) {
      if (!(error instanceof StaleState) || !idempotencyKey) throw error;
      return finishEarlierTry(caller, request, requestId);
    }
    correlate(requestId);
    count('RequestSubmitted');
    if (notice.lateNotice) count('LateNoticeRequest');
    await startRound(runtime, record, planned);
    await confirmRoundStarted(runtime, record, planned.approvals, planned.timeline.respondBy, 'SUBMITTED');

    const body: SubmissionResponse = {
      requestId,
      status: SUBMITTED_STATUS,
      round: 1,
      requiredApprovers: planned.approvers.map(publicApprover),
      lateNotice: notice.lateNotice,
      ...(notice.lateNoticeReason ? { lateNoticeReason: notice.lateNoticeReason } : {}),
      respondBy: planned.timeline.respondBy,
      ...(listed ? { register: { serviceId: listed.serviceId, compliance: listed.compliance } } : {}),
    };
    return body;
  }

  /**
   * An earlier try of this key stored the request, then died before it answered (its idempotency
   * record then goes, so this try ran again): the request is the earlier one, and its round is
   * started if that try never got so far. The same key with another request is refused, as
   * Powertools refuses it.
   */
  async function finishEarlierTry(caller: Caller, request: OffshoringRequest, requestId: string): Promise<SubmissionResponse> {
    const view = await store.getRequestView(requestId);
    if (!view || view.request.submittedBy.sub !== caller.sub || !isDeepStrictEqual(view.request.request, request)) {
      throw Object.assign(new Error(`Idempotency-Key already used for request ${requestId}, with a different body`), {
        name: 'IdempotencyValidationError',
      });
    }
    const record = view.request;
    const approvals = view.approvals.filter((a) => a.round === 1 && a.kind === 'APPROVAL');
    const first = approvals[0]!;
    if (record.status === SUBMITTED_STATUS && record.round === 1) {
      await resumeFirstRound(runtime, requestId, approvals);
      // Unless the earlier try confirmed the request to its owner, this one does.
      await confirmRoundStarted(runtime, record, approvals, first.respondBy, 'SUBMITTED', view.audit);
    }
    correlate(requestId);
    return {
      requestId,
      status: SUBMITTED_STATUS,
      round: 1,
      requiredApprovers: record.requiredApprovers.map(publicApprover),
      lateNotice: record.lateNotice,
      ...(record.lateNoticeReason ? { lateNoticeReason: record.lateNoticeReason } : {}),
      respondBy: first.respondBy,
    };
  }

  /**
   * `request` is already validated (validateOffshoringRequest), so a refused body is never hashed,
   * stored or replayed; with an Idempotency-Key, one key creates at most one request.
   */
  return async (caller: Caller, request: OffshoringRequest, idempotencyKey: string | undefined, context: Context): Promise<SubmissionResponse> => {
    // A service owner submits their own requests; the security team may register one for an owner (e.g. an existing contract).
    if (!caller.securityTeam && caller.email !== request.serviceOwner.email.toLowerCase()) {
      throw new Forbidden(`You are signed in as ${caller.email}: submit requests where you are the service owner`);
    }
    if (!idempotencyKey) return submit(caller, request);
    return submitOnce({ idempotencyKey, caller, request }, context);
  };
}

/**
 * The request id an Idempotency-Key stands for, for this caller: the same key always names the same
 * request, so however a try ends, a later one can only find it, never make another.
 */
export function requestIdForKey(subject: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${subject}\u0000${idempotencyKey}`, 'utf8').digest();
  return randomId('OFF', 10, (n) => digest.subarray(0, n));
}

interface Submission {
  idempotencyKey: string;
  caller: Caller;
  request: OffshoringRequest;
}

/**
 * One Idempotency-Key, scoped to the caller, creates at most one request: a retry gets the first
 * response, a concurrent duplicate 409, the same key with another request 422 (and the first
 * request again still replays). Powertools' function wrapper, not its Middy middleware: the
 * middleware deletes records it never acquired, letting duplicates through
 * (aws-powertools/powertools-lambda-typescript#5675, fixed by #5676, not in 2.35.0).
 */
function idempotentSubmission(runtime: Runtime, submit: (submission: Submission) => Promise<SubmissionResponse>) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "join('|', [caller.sub, idempotencyKey])",
    payloadValidationJmesPath: 'request',
    expiresAfterSeconds: 24 * 60 * 60,
  });
  const once = makeIdempotent(async (submission: Submission, _context: Context) => submit(submission), {
    persistenceStore: idempotencyRecords(runtime, 'intake'),
    config,
  });
  return (submission: Submission, context: Context) => {
    // An in-progress record expires with the invocation, so a retry after a timeout is not refused for ever.
    config.registerLambdaContext(context);
    return once(submission, context);
  };
}
