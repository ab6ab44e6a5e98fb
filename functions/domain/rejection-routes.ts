import * as z from 'zod';
import type { Runtime } from '../platform/runtime.ts';
import { text, type OffshoringRequest } from './request.ts';
import type { RequestView } from '../store/requests.ts';
import { ENDORSER_ROLE, type Actor, type ApprovalRecord, type RequestRecord } from '../store/records.ts';
import type { AuditFact } from '../store/audit.ts';
import { confirmRoundStarted, planRound, publicApprover, roundRecord, startRound } from './rounds.ts';
import { rejectionRoutesOpen } from './offshoring-policy.ts';
import { Conflict, NotFound, ValidationFailed, WorkflowUnavailable } from '../web/errors.ts';
import { assertOwner, type Caller } from '../web/identity.ts';
import { endorsementOutcomeEmail } from '../email/templates.ts';
import { requestPageLinks } from './links.ts';
import { tellApproversWhoDecided } from './round-conclusion.ts';
import { endorsementExecutionName, startApprovalRound } from './workflow.ts';
import { requireStateMachineArn } from '../platform/runtime.ts';
import { logger } from '../platform/observability.ts';
import { sendRecordedEmail } from '../email/send.ts';
import { orConflict, requestChangedFirst } from './races.ts';

/**
 * Offshoring Policy, Process 3: once rejected, the Service Owner may adjust plans (resubmit),
 * provide additional or alternative mitigations, or escalate to their Departmental Head. The first
 * two, and an endorsed escalation, start a new approval round with every required approver again;
 * earlier rounds stay in the history.
 */

export async function loadRejected(runtime: Runtime, requestId: string, caller: Caller): Promise<RequestView> {
  const view = await runtime.store.getRequestView(requestId);
  if (!view) throw new NotFound(`No offshoring request ${requestId}`, { requestId });
  await assertOwner(runtime, caller, view.request);
  if (!rejectionRoutesOpen(view.request.status)) {
    throw new Conflict(`Request ${requestId} is ${view.request.status}: this is open only to a rejected request (Offshoring Policy, Process 3)`, {
      requestId,
      status: view.request.status,
    });
  }
  return view;
}

/**
 * Process 3(a) adjusts the plans, not who owns them: a resubmission names the same service owner,
 * so a request never changes hands through its rejection routes.
 */
export function assertSameServiceOwner(current: RequestRecord, adjusted: OffshoringRequest): void {
  const owner = current.request.serviceOwner.email;
  if (adjusted.serviceOwner.email.toLowerCase() !== owner.toLowerCase()) {
    throw new ValidationFailed([{ path: 'serviceOwner.email', message: `a resubmission keeps the request's service owner (${owner})` }]);
  }
}

/** The events that start a later round: each names its route's details; the round's plan is added to them. */
type RoundStart =
  AuditFact<'REQUEST_RESUBMITTED' | 'MITIGATIONS_PROVIDED' | 'ROUND_STARTED_AFTER_ENDORSEMENT'> extends infer F
    ? F extends { type: infer T; details: infer D }
      ? { type: T; details: Omit<D, 'requiredApprovers' | 'lateNotice' | 'respondBy'> }
      : never
    : never;

/** A round-start event with the round's plan: one case per type, so each event keeps its own details. */
function withPlan(
  start: RoundStart,
  plan: { requiredApprovers: { role: string; name: string; email: string }[]; lateNotice: boolean; respondBy: string },
): AuditFact {
  switch (start.type) {
    case 'REQUEST_RESUBMITTED':
      return { type: start.type, details: { ...start.details, ...plan } };
    case 'MITIGATIONS_PROVIDED':
      return { type: start.type, details: { ...start.details, ...plan } };
    case 'ROUND_STARTED_AFTER_ENDORSEMENT':
      return { type: start.type, details: { ...start.details, ...plan } };
  }
}

export interface NewRound {
  view: RequestView;
  /** Which route starts it (functions/domain/lifecycle.ts). */
  event: 'ADJUST_PLANS' | 'PROVIDE_MITIGATIONS' | 'ENDORSE';
  request: OffshoringRequest;
  actor: Actor;
  /** The audit event that starts it, with what that route adds to the round's plan. */
  audit: RoundStart;
  endorsement?: RequestRecord['endorsement'];
  /** An adjusted request (Process 3(a)): its registered service as it stands now, if it is a CHANGE naming one. */
  serviceBeforeChange?: RequestRecord['serviceBeforeChange'];
}

/** How each route's round is named in its ROUND item. */
const ROUND_START = { ADJUST_PLANS: 'RESUBMITTED', PROVIDE_MITIGATIONS: 'MITIGATIONS_PROVIDED', ENDORSE: 'ENDORSED' } as const;

/**
 * Starts the next round: approvers recalculated from the (possibly adjusted) request, notice
 * reassessed. The round's request content is kept beside the earlier rounds', in the same
 * transaction, so each round's decisions stay with the request they were made on.
 */
export async function beginNewRound(runtime: Runtime, next: NewRound) {
  const { store, clock, ids } = runtime;
  const current = next.view.request;
  const now = clock();
  const at = now.toISOString();
  const round = current.round + 1;
  const planned = planRound(runtime, current.requestId, round, next.request, now);
  const evidence = roundRecord(
    {
      requestId: current.requestId,
      round,
      request: next.request,
      serviceBeforeChange: 'serviceBeforeChange' in next ? next.serviceBeforeChange : current.serviceBeforeChange,
      lateNotice: planned.notice.lateNotice,
      noticeDays: planned.notice.noticeDays,
      lateNoticeReason: planned.notice.lateNoticeReason,
      endorsement: next.endorsement ?? current.endorsement,
      directoryVersion: planned.directoryVersion,
    },
    { start: ROUND_START[next.event], at, actor: next.actor },
  );
  const started = await orConflict(
    () =>
      store.transition(
        current,
        next.event,
        {
          reason: `Approval round ${round} started`,
          at,
          set: {
            round,
            request: next.request,
            requiredApprovers: planned.approvers,
            lateNotice: planned.notice.lateNotice,
            noticeDays: planned.notice.noticeDays,
            lateNoticeReason: planned.notice.lateNoticeReason,
            rejectionReasons: undefined,
            escalation: undefined,
            // The version this round was routed by; an earlier round's stays on its ROUND item.
            directoryVersion: planned.directoryVersion,
            ...(next.endorsement ? { endorsement: next.endorsement } : {}),
            // An adjusted request is compared with its service afresh; other routes keep the comparison they had.
            ...('serviceBeforeChange' in next ? { serviceBeforeChange: next.serviceBeforeChange } : {}),
          },
        },
        {
          eventId: ids.eventId(),
          at,
          actor: next.actor,
          round,
          ...withPlan(next.audit, {
            requiredApprovers: planned.approvers.map(publicApprover),
            lateNotice: planned.notice.lateNotice,
            respondBy: planned.timeline.respondBy,
          }),
        },
        { add: planned.approvals, round: evidence },
      ),
    requestChangedFirst(runtime, current.requestId, `round ${round} was being started`),
  );
  await startRound(runtime, started, planned);
  // An endorsed round is told in the endorsement's outcome email; the owner's own routes get their confirmation.
  if (next.event !== 'ENDORSE') {
    const record = {
      ...current,
      ...started,
      round,
      request: next.request,
      lateNotice: planned.notice.lateNotice,
      lateNoticeReason: planned.notice.lateNoticeReason,
    };
    await confirmRoundStarted(
      runtime,
      record,
      planned.approvals,
      planned.timeline.respondBy,
      next.event === 'ADJUST_PLANS' ? 'RESUBMITTED' : 'MITIGATIONS_PROVIDED',
    );
  }
  return {
    requestId: current.requestId,
    status: started.status,
    round,
    requiredApprovers: planned.approvers.map(publicApprover),
    lateNotice: planned.notice.lateNotice,
    ...(planned.notice.lateNoticeReason ? { lateNoticeReason: planned.notice.lateNoticeReason } : {}),
    respondBy: planned.timeline.respondBy,
  };
}

export const MitigationsSchema = z.strictObject({
  mitigations: z.array(text(2000)).min(1, 'give at least one mitigation').max(50),
  /** Alternative mitigations replace the earlier ones; additional ones (the default) are added. */
  replaceExisting: z.boolean().default(false),
});

export const EscalationSchema = z.strictObject({
  caseForApproval: text(5000),
  // Offshoring Policy, Process 3(b): "Any residual or inherent risk must be rectified before escalating."
  // The owner says what was rectified, which the Departmental Head reads beside the rejection reasons;
  // a bare confirmation says nothing they could weigh, so the text is required and the flag optional.
  risksRectified: z.string('say what residual or inherent risk you rectified before escalating (Offshoring Policy, Process 3)').pipe(text(5000)),
  /** Accepted beside the text (earlier clients send it); a confirmation that risk was not rectified is refused. */
  residualRisksRectified: z
    .literal(true, 'confirms that any residual or inherent risk has been rectified: leave it out or send true (Offshoring Policy, Process 3)')
    .optional(),
  /** Whose Departmental Head: required when the request spans more than one business area. */
  businessArea: z.string().trim().toUpperCase().optional(),
});

/** Escalates a rejected request to the Departmental Head, whose branch of the workflow asks them to endorse or decline. */
export async function escalateToDepartmentalHead(runtime: Runtime, view: RequestView, body: z.infer<typeof EscalationSchema>, actor: Actor) {
  const { store, clock, ids } = runtime;
  const { request } = view;
  const areas = request.request.businessAreas;
  const area = body.businessArea ?? (areas.length === 1 ? areas[0] : undefined);
  if (!area || !areas.includes(area)) {
    throw new ValidationFailed([
      { path: 'businessArea', message: `name the business area whose Departmental Head you escalate to: one of ${areas.join(', ')}` },
    ]);
  }
  const head = runtime.directory.businessAreas[area]!.departmentalHead;
  const now = clock();
  const at = now.toISOString();
  const { reminderAfterSeconds, chaseAfterSeconds, lapseAfterSeconds } = runtime.approvalWaits;
  const after = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
  const endorsement: ApprovalRecord = {
    kind: 'ENDORSEMENT',
    role: ENDORSER_ROLE,
    businessArea: area,
    name: head.name,
    email: head.email,
    approvalId: ids.approvalId(),
    requestId: request.requestId,
    round: request.round,
    status: 'PENDING',
    respondBy: after(lapseAfterSeconds),
    reminderAt: after(reminderAfterSeconds),
    chaseAt: after(chaseAfterSeconds),
    createdAt: at,
  };
  const moved = await orConflict(
    () =>
      store.transition(
        request,
        'ESCALATE_TO_DEPARTMENTAL_HEAD',
        {
          reason: `Escalated to the ${area} Departmental Head`,
          at,
          set: { escalation: { businessArea: area, caseForApproval: body.caseForApproval, risksRectified: body.risksRectified, at } },
        },
        {
          eventId: ids.eventId(),
          at,
          type: 'ESCALATED_TO_DEPARTMENTAL_HEAD',
          actor,
          round: request.round,
          details: {
            businessArea: area,
            departmentalHead: head,
            caseForApproval: body.caseForApproval,
            residualRisksRectified: true,
            risksRectified: body.risksRectified,
          },
        },
        { add: [endorsement] },
      ),
    requestChangedFirst(runtime, request.requestId, 'it was being escalated'),
  );
  // The endorsement runs through the workflow like any approval: one branch asks the Head (with
  // their link), reminds, and lapses on its own timer, returning the request to REJECTED.
  await startEndorsement(runtime, endorsement);
  return {
    requestId: request.requestId,
    status: moved.status,
    departmentalHead: { name: head.name, email: head.email, businessArea: area },
    respondBy: endorsement.respondBy,
  };
}

/** Starts (or, after a local restart, starts again) the execution whose one branch is the Departmental Head's endorsement. */
export async function startEndorsement(runtime: Runtime, endorsement: ApprovalRecord, now = runtime.clock()): Promise<void> {
  const secondsUntil = (iso: string | undefined, floor: number) =>
    Math.max(floor + 1, Math.ceil(((iso ? Date.parse(iso) : now.getTime()) - now.getTime()) / 1000));
  const toReminder = secondsUntil(endorsement.reminderAt, 0);
  const toChase = secondsUntil(endorsement.chaseAt, toReminder);
  const toLapse = secondsUntil(endorsement.respondBy, toChase);
  const input = {
    requestId: endorsement.requestId,
    round: endorsement.round,
    approvals: [{ approvalId: endorsement.approvalId, role: endorsement.role }],
    waits: { requestSeconds: toReminder, reminderSeconds: toChase - toReminder, chaseSeconds: toLapse - toChase },
  };
  try {
    await startApprovalRound(
      runtime.clients.stepFunctions,
      requireStateMachineArn(runtime),
      input,
      endorsementExecutionName(endorsement.requestId, endorsement.round),
    );
  } catch (error) {
    // Escalated and recorded, but nobody asked: monitoring reports an escalation past its deadline as stuck.
    logger.error('Could not start the endorsement workflow', { requestId: endorsement.requestId, error: error as Error });
    throw new WorkflowUnavailable('The escalation was recorded but the Departmental Head could not be asked yet; the service team is alerted', {
      requestId: endorsement.requestId,
      status: 'ESCALATED',
    });
  }
}

/** The Departmental Head decided: endorse → a new round carrying the endorsement; decline → CLOSED. */
export async function concludeEscalation(runtime: Runtime, requestId: string, decided: ApprovalRecord): Promise<void> {
  const view = (await runtime.store.getRequestView(requestId))!;
  const caseForApproval = view.request.escalation?.caseForApproval ?? '';
  const actor: Actor = { kind: 'DEPARTMENTAL_HEAD', name: decided.name, email: decided.email, role: ENDORSER_ROLE };
  if (decided.status === 'APPROVED') {
    await beginNewRound(runtime, {
      view,
      event: 'ENDORSE',
      request: view.request.request,
      actor,
      audit: { type: 'ROUND_STARTED_AFTER_ENDORSEMENT', details: { businessArea: decided.businessArea } },
      endorsement: { name: decided.name, email: decided.email, businessArea: decided.businessArea!, at: decided.decidedAt!, caseForApproval },
    });
  } else {
    const at = runtime.clock().toISOString();
    await orConflict(
      () =>
        runtime.store.transition(
          view.request,
          'DECLINE',
          { reason: `The ${decided.businessArea} Departmental Head declined to endorse: ${decided.reason ?? ''}`.trim(), at },
          {
            eventId: runtime.ids.eventId(),
            at,
            type: 'REQUEST_CLOSED',
            actor,
            round: view.request.round,
            details: { reason: decided.reason ?? null },
          },
        ),
      requestChangedFirst(runtime, requestId, 'your decision was taking effect (your decision is recorded)'),
    );
  }
  const after = (await runtime.store.getRequestView(requestId))!;
  const newRound = after.approvals.filter((a) => a.round === after.request.round && a.kind === 'APPROVAL');
  await sendRecordedEmail(
    runtime,
    requestId,
    after.request.round,
    `ENDORSEMENT_OUTCOME:${decided.approvalId}`,
    endorsementOutcomeEmail(
      after.request,
      decided.status === 'APPROVED',
      decided,
      requestPageLinks(runtime.publicBaseUrl, requestId),
      decided.status === 'APPROVED' ? newRound[0]?.respondBy : undefined,
    ),
    after.audit,
  );
  // Declined: the request is closed, and those who decided in its last round hear so.
  if (decided.status !== 'APPROVED') await tellApproversWhoDecided(runtime, after, view.request.round, 'CLOSED');
}
