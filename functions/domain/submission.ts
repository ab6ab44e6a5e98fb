import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import type { Runtime } from '#platform/runtime';
import { correlate, count } from '#platform/observability';
import { Forbidden } from '#web/errors';
import { actorOf, type Caller } from '#web/identity';
import type { Actor, RequestRecord } from '#store/records';
import type { AuditEvent } from '#store/audit';
import { idempotencyRecords } from '#store/idempotency';
import type { OffshoringRequest } from './request.ts';
import { checkServiceReference } from './request-checks.ts';
import { planRound, publicApprover, startRound } from './rounds.ts';
import { SUBMITTED_STATUS } from './lifecycle.ts';

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
}

/** A service owner submits an offshoring request: stored with its approvers, and its first round started. */
export function submitOffshoringRequest(runtime: Runtime) {
  const { store, clock, ids } = runtime;
  const submitOnce = idempotentSubmission(runtime, (submission) => submit(submission.caller, submission.request));

  async function submit(caller: Caller, request: OffshoringRequest): Promise<SubmissionResponse> {
    await checkServiceReference(runtime, request, caller);
    const now = clock();
    const at = now.toISOString();
    const requestId = ids.requestId();
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
    await store.createRequest(record, planned.approvals, [submitted]);
    correlate(requestId);
    count('RequestSubmitted');
    if (notice.lateNotice) count('LateNoticeRequest');
    await startRound(runtime, record, planned);

    const body: SubmissionResponse = {
      requestId,
      status: SUBMITTED_STATUS,
      round: 1,
      requiredApprovers: planned.approvers.map(publicApprover),
      lateNotice: notice.lateNotice,
      ...(notice.lateNoticeReason ? { lateNoticeReason: notice.lateNoticeReason } : {}),
      respondBy: planned.timeline.respondBy,
    };
    return body;
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

