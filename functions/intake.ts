import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { httpHandler, json, type HttpEvent } from '#shared/http';
import { lambdaEntry, type Runtime } from '#shared/runtime';
import { Forbidden, ValidationFailed } from '#shared/errors';
import { actorOf, callerOf } from '#shared/identity';
import { OffshoringRequestSchema, toFieldErrors, type FieldError, type OffshoringRequest } from '#shared/request';
import { unknownBusinessAreas } from '#policy/offshoring-policy';
import type { ApproverDirectory } from '#shared/directory';
import type { Actor, AuditEvent, RequestRecord } from '#shared/store/records';
import { keys } from '#shared/store/keys';
import { planRound, publicApprover, startRound } from '#shared/rounds';
import { correlate, count } from '#shared/observability';
import { getRegisterEntry } from '#shared/register';

/** Validates the body against the schema and the approver directory, listing every problem at once. */
export function validateOffshoringRequest(body: unknown, directory: ApproverDirectory): OffshoringRequest {
  const parsed = OffshoringRequestSchema.safeParse(body);
  const errors: FieldError[] = parsed.success ? [] : toFieldErrors(parsed.error);
  const areas = (body as { businessAreas?: unknown } | null)?.businessAreas;
  if (Array.isArray(areas)) {
    const codes = areas.map((a) => (typeof a === 'string' ? a.trim().toUpperCase() : ''));
    for (const { index, code } of unknownBusinessAreas(codes, directory)) {
      if (code === '') continue; // already reported by the schema
      errors.push({
        path: `businessAreas.${index}`,
        message: `unknown business area "${code}": use one of ${Object.keys(directory.businessAreas).join(', ')}`,
      });
    }
  }
  if (errors.length > 0 || !parsed.success) throw new ValidationFailed(errors);
  return parsed.data;
}

/** A CHANGE may name the register entry it changes; it must exist (and only a CHANGE may name one). */
export async function checkServiceReference(runtime: Runtime, request: OffshoringRequest): Promise<void> {
  if (!request.serviceId) return;
  if (request.changeType !== 'CHANGE') {
    throw new ValidationFailed([{ path: 'serviceId', message: 'only a CHANGE request names an existing service' }]);
  }
  if (!(await getRegisterEntry(runtime, request.serviceId))) {
    throw new ValidationFailed([{ path: 'serviceId', message: `no service ${request.serviceId} in the offshore service register` }]);
  }
}

export interface SubmissionResponse {
  requestId: string;
  status: 'PENDING_APPROVAL';
  round: number;
  requiredApprovers: { role: string; name: string; email: string }[];
  lateNotice: boolean;
  lateNoticeReason?: string;
  respondBy: string;
}

/** POST /requests: a service owner submits an offshoring request. */
export function submitOffshoringRequest(runtime: Runtime) {
  const { store, clock, ids, directory } = runtime;
  return async (event: HttpEvent) => {
    const caller = callerOf(event, runtime);
    const request = validateOffshoringRequest(event.body, directory);
    // A service owner submits their own requests; the security team may register one for an owner (e.g. an existing contract).
    if (!caller.securityTeam && caller.email !== request.serviceOwner.email.toLowerCase()) {
      throw new Forbidden(`You are signed in as ${caller.email}: submit requests where you are the service owner`);
    }
    await checkServiceReference(runtime, request);
    const now = clock();
    const at = now.toISOString();
    const requestId = ids.requestId();
    const planned = planRound(runtime, requestId, 1, request, now);
    const { notice } = planned;
    const submittedBy: Actor = actorOf(caller);

    const record: RequestRecord = {
      requestId,
      status: 'PENDING_APPROVAL',
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
      status: 'PENDING_APPROVAL',
      round: 1,
      requiredApprovers: planned.approvers.map(publicApprover),
      lateNotice: notice.lateNotice,
      ...(notice.lateNoticeReason ? { lateNoticeReason: notice.lateNoticeReason } : {}),
      respondBy: planned.timeline.respondBy,
    };
    return json(201, body, { Location: `/requests/${requestId}` });
  };
}

/** A retried submission with the same Idempotency-Key returns the first response and creates nothing. */
function idempotentByHeader(runtime: Runtime) {
  return makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: runtime.tableName,
      awsSdkV3Client: runtime.clients.dynamoDb,
      keyAttr: 'pk',
      sortKeyAttr: 'sk',
      staticPkValue: keys.idempotencyPartition('intake'),
      expiryAttr: 'expiresAt',
    }),
    config: new IdempotencyConfig({
      // Scoped to the caller: one owner's key never replays another's response.
      eventKeyJmesPath: 'headers."idempotency-key" && join(\'|\', [requestContext.authorizer.jwt.claims.sub, headers."idempotency-key"])',
      payloadValidationJmesPath: 'body',
      expiresAfterSeconds: 24 * 60 * 60,
      throwOnNoIdempotencyKey: false,
    }),
  });
}

export const makeHandler = (runtime: Runtime) =>
  httpHandler(submitOffshoringRequest(runtime), { jsonBody: true, middlewares: [idempotentByHeader(runtime)] });

export const handler = lambdaEntry(makeHandler);
