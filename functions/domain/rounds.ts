import {
  approvalTimeline,
  fourWeekNotice,
  requiredApprovers,
  type ApprovalTimeline,
  type NoticeAssessment,
  type RequiredApprover,
} from './offshoring-policy.ts';
import type { OffshoringRequest } from './request.ts';
import type { Runtime } from '../platform/runtime.ts';
import { requireStateMachineArn } from '../platform/runtime.ts';
import { SYSTEM, type Actor, type ApprovalRecord, type RequestRecord, type RoundRecord } from '../store/records.ts';
import { executionName, startApprovalRound } from './workflow.ts';
import { WorkflowUnavailable } from '../web/errors.ts';
import { logger } from '../platform/observability.ts';
import { roundStartedEmail, type RoundStart } from '../email/templates.ts';
import { sendRecordedEmail } from '../email/send.ts';
import type { AuditEvent } from '../store/audit.ts';
import { requestPageLinks } from './links.ts';

/**
 * An approval round: every required approver asked at once (Offshoring Policy, Process 1), one
 * workflow execution. The first submission, a resubmission, new mitigations and an endorsed
 * escalation each start one.
 */
export interface PlannedRound {
  round: number;
  approvers: RequiredApprover[];
  approvals: ApprovalRecord[];
  notice: NoticeAssessment;
  timeline: ApprovalTimeline;
  /** The approver directory version the approvers were chosen from; undefined when routed by the unsaved seed. */
  directoryVersion?: number;
}

export function planRound(runtime: Runtime, requestId: string, round: number, request: OffshoringRequest, now: Date): PlannedRound {
  const approvers = requiredApprovers(request, runtime.directory);
  const timeline = approvalTimeline(request, now, runtime.approvalWaits);
  return plannedRound(runtime, { requestId, round, approvers, timeline, notice: fourWeekNotice(request, now), now });
}

/**
 * A round for these approvers on this timeline: each approver's waiting approval, the reminder and
 * the chase falling due as the timeline says, routed by the directory version in force. An
 * offshoring request's round and an exemption's are planned alike; only who approves differs.
 */
export function plannedRound(
  runtime: Runtime,
  plan: { requestId: string; round: number; approvers: RequiredApprover[]; timeline: ApprovalTimeline; notice: NoticeAssessment; now: Date },
): PlannedRound {
  const { requestId, round, approvers, timeline, notice, now } = plan;
  const after = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
  const reminderAt = after(timeline.waits.requestSeconds);
  const chaseAt = after(timeline.waits.requestSeconds + timeline.waits.reminderSeconds);
  return {
    round,
    approvers,
    notice,
    timeline,
    ...(runtime.directoryVersion === undefined ? {} : { directoryVersion: runtime.directoryVersion }),
    approvals: approvers.map((approver) => ({
      ...approver,
      kind: 'APPROVAL',
      approvalId: runtime.ids.approvalId(),
      requestId,
      round,
      status: 'PENDING',
      respondBy: timeline.respondBy,
      reminderAt,
      chaseAt,
      createdAt: now.toISOString(),
    })),
  };
}

/**
 * A first round whose earlier try stored it and then died, perhaps before starting its execution:
 * started now if it was not, each stage ending when it would have ended had the first try started
 * it (the stored approvals keep those times). An execution the earlier try did start is left as it is.
 */
export async function resumeFirstRound(runtime: Runtime, requestId: string, approvals: readonly ApprovalRecord[]): Promise<void> {
  const first = approvals[0];
  if (!first) return;
  const now = runtime.clock().getTime();
  const secondsUntil = (iso: string | undefined, floor: number) => Math.max(floor + 1, Math.ceil(((iso ? Date.parse(iso) : now) - now) / 1000));
  const toReminder = secondsUntil(first.reminderAt, 0);
  const toChase = secondsUntil(first.chaseAt, toReminder);
  const toLapse = secondsUntil(first.respondBy, toChase);
  try {
    await startApprovalRound(runtime.clients.stepFunctions, requireStateMachineArn(runtime), {
      requestId,
      round: 1,
      approvals: approvals.map(({ approvalId, role }) => ({ approvalId, role })),
      waits: { requestSeconds: toReminder, reminderSeconds: toChase - toReminder, chaseSeconds: toLapse - toChase },
    });
  } catch (error) {
    if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
  }
}

/**
 * Starts the round's execution. If Step Functions refuses, the stored request is marked ERROR with
 * the cause (never left looking pending with nothing running) and the caller gets a 503.
 */
export async function startRound(
  runtime: Runtime,
  record: Pick<RequestRecord, 'requestId' | 'status' | 'version'>,
  planned: PlannedRound,
): Promise<void> {
  try {
    await startApprovalRound(runtime.clients.stepFunctions, requireStateMachineArn(runtime), {
      requestId: record.requestId,
      round: planned.round,
      approvals: planned.approvals.map(({ approvalId, role }) => ({ approvalId, role })),
      waits: planned.timeline.waits,
    });
  } catch (error) {
    logger.error('Could not start the approval workflow', { requestId: record.requestId, error: error as Error });
    const at = runtime.clock().toISOString();
    const cause = `The approval workflow could not be started: ${(error as Error).name}`;
    const failed = await runtime.store.transition(
      record,
      'ROUND_FAILED',
      { reason: cause, at },
      {
        eventId: runtime.ids.eventId(),
        at,
        type: 'WORKFLOW_START_FAILED',
        actor: SYSTEM,
        round: planned.round,
        details: { cause, execution: executionName(record.requestId, planned.round) },
      },
    );
    throw new WorkflowUnavailable(
      `The request was stored but its approvals could not be started; it is marked ${failed.status} and the service team is alerted`,
      { requestId: record.requestId, status: failed.status },
    );
  }
}

/**
 * A round's evidence: the request as its approvers are asked to approve it, taken from the request
 * record as the round starts it (Offshoring Policy, Process 2: "obtained and documented").
 */
export function roundRecord(
  record: Pick<
    RequestRecord,
    'requestId' | 'round' | 'request' | 'serviceBeforeChange' | 'lateNotice' | 'noticeDays' | 'lateNoticeReason' | 'endorsement' | 'directoryVersion'
  >,
  start: { start: RoundRecord['start']; at: string; actor: Actor },
): RoundRecord {
  return {
    requestId: record.requestId,
    round: record.round,
    start: start.start,
    startedAt: start.at,
    startedBy: start.actor,
    request: record.request,
    ...(record.serviceBeforeChange ? { serviceBeforeChange: record.serviceBeforeChange } : {}),
    lateNotice: record.lateNotice,
    noticeDays: record.noticeDays,
    ...(record.lateNoticeReason ? { lateNoticeReason: record.lateNoticeReason } : {}),
    ...(record.endorsement ? { endorsement: record.endorsement } : {}),
    ...(record.directoryVersion === undefined ? {} : { directoryVersion: record.directoryVersion }),
  };
}

export const publicApprover = ({ role, name, email }: Pick<RequiredApprover, 'role' | 'name' | 'email'>) => ({ role, name, email });

/**
 * Tells the service owner a round started: who must approve, by when, and the request's page; once
 * per round (keyed in the audit trail). The request is stored and its round running whatever
 * happens to this email, so a failure to send is logged (and alarmed on), never the caller's error:
 * a failed answer would have them submit the same request again.
 */
export async function confirmRoundStarted(
  runtime: Runtime,
  record: RequestRecord,
  approvals: readonly ApprovalRecord[],
  respondBy: string,
  start: RoundStart,
  alreadySent: readonly AuditEvent[] = [],
): Promise<void> {
  try {
    await sendRecordedEmail(
      runtime,
      record.requestId,
      record.round,
      `ROUND_STARTED:${record.round}`,
      roundStartedEmail(record, approvals, respondBy, start, requestPageLinks(runtime.publicBaseUrl, record.requestId)),
      alreadySent,
    );
  } catch (error) {
    logger.error('The service owner could not be told the round started', {
      requestId: record.requestId,
      round: record.round,
      error: error as Error,
    });
  }
}
