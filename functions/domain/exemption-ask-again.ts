import type { Runtime } from '../platform/runtime.ts';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../web/errors.ts';
import { actorOf, type Caller } from '../web/identity.ts';
import { isExemptionView, type ExemptionRecord, type ExemptionView } from '../store/exemptions.ts';
import type { ExemptionRequest } from './exemption-request.ts';
import type { FieldError } from './request.ts';
import { canHappen } from './lifecycle.ts';
import { orConflict, requestChangedFirst } from './races.ts';
import { publicApprover, startRound } from './rounds.ts';
import { askedBy, assertNotOwnApprover, planExemptionApprovals, sendReceipt, validateExemption } from './exemptions.ts';
import { exemptionRoundOf } from './exemption-rounds.ts';
import { correlate, count } from '../platform/observability.ts';

/**
 * A rejected exemption asked for again (Offshoring Policy, Compliance: "sent for formal review and
 * approval … with reasonable justification"). Rejection is not the end of an exemption any more than
 * of an offshoring request: whoever asked for it revises its clause, justification or end date, and
 * the Senior Security Adviser and the CISO (and a variation's Accounting Officer) are asked again, in
 * a new round. There is no escalation: the policy names no one above those approvers for it. Each
 * round's content stays beside the decisions made on it.
 */

/** Whether the exemption is open to being asked for again (its status has the lifecycle's ASK_AGAIN row). */
export const canAskAgain = (record: Pick<ExemptionRecord, 'status'>) => canHappen(record.status, 'ASK_AGAIN');

/**
 * An exemption asked for again is the same exemption: what it asks (an exemption or a change to the
 * policy), its service and any variation's business area stay as they were (left out, they are kept;
 * another is a new one, asked for on its own).
 */
function sameScope(current: ExemptionRecord, body: unknown): { body: unknown; errors: FieldError[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { body, errors: [] };
  const sent = body as Record<string, unknown>;
  const was = current.exemption;
  const errors: FieldError[] = [];
  const serviceId = sent.serviceId === undefined ? was.serviceId : sent.serviceId;
  if (serviceId !== was.serviceId) {
    errors.push({
      path: 'serviceId',
      message: was.serviceId
        ? `stays ${was.serviceId} when an exemption is asked for again: ask for a new exemption for anything else`
        : 'stays unset (the whole policy) when an exemption is asked for again: ask for a new exemption for one service',
    });
  }
  const requestType = sent.requestType === undefined ? was.requestType : sent.requestType;
  if (requestType !== was.requestType) {
    errors.push({
      path: 'requestType',
      message: `stays ${was.requestType} when it is asked for again: ask for a new ${was.requestType === 'EXEMPTION' ? 'change to the policy' : 'exemption'} instead`,
    });
  }
  const variation = sent.variation === undefined ? was.variation : sent.variation;
  const area = typeof variation === 'object' && variation !== null ? (variation as Record<string, unknown>).businessArea : variation;
  const areaSent = typeof area === 'string' ? area.trim().toUpperCase() : area;
  if (areaSent !== was.variation?.businessArea) {
    errors.push({
      path: 'variation',
      message: was.variation
        ? `stays a variation for ${was.variation.businessArea} when it is asked for again: ask for a new exemption for anything else`
        : 'stays unset (not a variation) when an exemption is asked for again: ask for a new one to record a variation',
    });
  }
  return {
    body: { ...sent, requestType, ...(serviceId === undefined ? {} : { serviceId }), ...(variation === undefined ? {} : { variation }) },
    errors,
  };
}

/** The revised exemption, every problem at once: the schema's, the end date's and the scope's. */
export function validateAskedAgain(runtime: Runtime, current: ExemptionRecord, body: unknown): ExemptionRequest {
  const scope = sameScope(current, body);
  try {
    const exemption = validateExemption(runtime, scope.body);
    if (scope.errors.length > 0) throw new ValidationFailed(scope.errors);
    return exemption;
  } catch (error) {
    if (error instanceof ValidationFailed && scope.errors.length > 0 && error.errors !== scope.errors) {
      const seen = new Set(error.errors.map((e) => e.path));
      throw new ValidationFailed([...error.errors, ...scope.errors.filter((e) => !seen.has(e.path))]);
    }
    throw error;
  }
}

/**
 * The exemption as the person who asked for it may act on it: 404 when there is none, 403 to anyone
 * else (the security team too: they read every exemption, but only its requester asks for it again),
 * 409 unless it is rejected.
 */
export async function loadRejectedExemption(runtime: Runtime, caller: Caller, requestId: string): Promise<ExemptionView> {
  const view = await runtime.store.getCaseView(requestId);
  if (!view || !isExemptionView(view)) throw new NotFound(`No exemption ${requestId}`, { requestId });
  if (!askedBy(view.request, caller)) throw new Forbidden(`Only the person who asked for ${requestId} may ask for it again`, { requestId });
  if (!canAskAgain(view.request)) {
    throw new Conflict(`Exemption ${requestId} is ${view.request.status}: only a rejected exemption is asked for again`, {
      requestId,
      status: view.request.status,
    });
  }
  return view;
}

export interface AskedAgain {
  requestId: string;
  kind: 'EXEMPTION';
  status: string;
  round: number;
  requiredApprovers: { role: string; name: string; email: string }[];
  respondBy: string;
  endDate?: string;
}

/** Asks for a rejected exemption again: a new round with its approvers asked at once, the requester told. */
export async function askExemptionAgain(runtime: Runtime, caller: Caller, requestId: string, body: unknown): Promise<AskedAgain> {
  const view = await loadRejectedExemption(runtime, caller, requestId);
  const current = view.request;
  const exemption = validateAskedAgain(runtime, current, body);
  const now = runtime.clock();
  const at = now.toISOString();
  const round = current.round + 1;
  const planned = planExemptionApprovals(runtime, requestId, exemption, now, round);
  assertNotOwnApprover(caller, planned.approvers);
  const actor = actorOf(caller);
  const next = {
    ...current,
    round,
    exemption,
    requiredApprovers: planned.approvers,
    ...(planned.directoryVersion === undefined ? { directoryVersion: undefined } : { directoryVersion: planned.directoryVersion }),
  };
  // A round asked for before rounds were kept has its content only on the record: kept now, before the record changes.
  const earlier = view.rounds.some((r) => r.round === current.round)
    ? []
    : [exemptionRoundOf(current, 'SUBMITTED', current.round === 1 ? current.submittedAt : current.updatedAt, current.submittedBy)];
  const moved = await orConflict(
    () =>
      runtime.store.askExemptionAgain(
        current,
        {
          round,
          exemption,
          requiredApprovers: planned.approvers,
          directoryVersion: planned.directoryVersion,
          at,
          reason: `Approval round ${round} started`,
        },
        {
          eventId: runtime.ids.eventId(),
          at,
          type: 'REQUEST_RESUBMITTED',
          actor,
          round,
          details: {
            requiredApprovers: planned.approvers.map(publicApprover),
            lateNotice: false,
            respondBy: planned.timeline.respondBy,
            previousRound: current.round,
          },
        },
        planned.approvals,
        [...earlier, exemptionRoundOf(next, 'ASKED_AGAIN', at, actor)],
      ),
    requestChangedFirst(runtime, requestId, 'it was being asked for again'),
  );
  correlate(requestId);
  count('ExemptionAskedAgain');
  await startRound(runtime, moved, planned);
  await sendReceipt(runtime, { ...next, status: moved.status }, planned.approvals, planned.timeline.respondBy);
  return {
    requestId,
    kind: 'EXEMPTION',
    status: moved.status,
    round,
    requiredApprovers: planned.approvers.map(publicApprover),
    respondBy: planned.timeline.respondBy,
    ...(exemption.endDate === undefined ? {} : { endDate: exemption.endDate }),
  };
}
