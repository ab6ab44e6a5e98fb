import * as z from 'zod';
import { SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';

/**
 * The workflow's contract (statemachines/offshoring-approval.asl.json): what an execution receives
 * and what each task hands its Lambda. A contract test checks the ASL's payloads against these.
 */

/** Seconds in each waiting stage of every approval branch (each stage's TimeoutSecondsPath reads them from the branch's input). */
export const StageWaitsSchema = z.strictObject({
  requestSeconds: z.number().int().positive(),
  reminderSeconds: z.number().int().positive(),
  chaseSeconds: z.number().int().positive(),
});

/** What each approval round's execution receives. Handlers read everything else from the table. */
export const ApprovalRoundInputSchema = z.strictObject({
  requestId: z.string().min(1),
  round: z.number().int().positive(),
  approvals: z.array(z.strictObject({ approvalId: z.string().min(1), role: z.string().min(1) })).min(1),
  waits: StageWaitsSchema,
});
export type ApprovalRoundInput = z.infer<typeof ApprovalRoundInputSchema>;

/**
 * An execution keeps the definition it started with, so a step of a round started on an earlier
 * definition may still arrive: one whose chasing stage was called ESCALATION, and one whose payload
 * carried the round's waits (the step never reads them: Step Functions times each stage itself).
 */
function fromEarlierDefinition(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null) return payload;
  const { waits: _waits, ...step } = payload as { stage?: unknown; waits?: unknown };
  return step.stage === 'ESCALATION' ? { ...step, stage: 'CHASE' } : step;
}

/**
 * One step of an approval branch: which approval, and for the waiting stages their task token.
 * The branch's state input holds the waits, where each stage's TimeoutSecondsPath reads them.
 */
export const ApprovalStepPayloadSchema = z.strictObject({
  stage: z.enum(['REQUEST', 'REMINDER', 'CHASE', 'LAPSE']),
  taskToken: z.string().min(1).optional(),
  requestId: z.string().min(1),
  round: z.number().int().positive(),
  approvalId: z.string().min(1),
});
/** What the branch step Lambda parses: the payload, from this definition or an earlier one. */
export const ApprovalStepSchema = z.preprocess(fromEarlierDefinition, ApprovalStepPayloadSchema);
export type ApprovalStep = z.infer<typeof ApprovalStepPayloadSchema>;

/** The end of a round: how the branches ended, and for a failure the Step Functions error and cause. */
export const RoundEndSchema = z.strictObject({
  outcome: z.enum(['APPROVED', 'REJECTED', 'FAILED']),
  requestId: z.string().min(1),
  round: z.number().int().positive(),
  error: z.string().optional(),
  cause: z.string().optional(),
});
export type RoundEnd = z.infer<typeof RoundEndSchema>;

/**
 * The ASL's top-level TimeoutSeconds (statemachines/offshoring-approval.asl.json; a contract test
 * keeps them equal). A round still running after this is stuck: it times out, and the
 * rounds-timed-out alarm says so.
 */
export const ROUND_TIMEOUT_SECONDS = 35 * 86_400;

/**
 * What a round needs beyond its lapse window: the lapse step and the round's conclusion, each with
 * its retries, take minutes; a day leaves room to spare.
 */
export const ROUND_CLOSING_ALLOWANCE_SECONDS = 86_400;

/** The longest lapse window a round's execution can hold (34 days). */
export const MAX_LAPSE_AFTER_SECONDS = ROUND_TIMEOUT_SECONDS - ROUND_CLOSING_ALLOWANCE_SECONDS;

/** The waits, once their lapse window is known to fit: a round must lapse, never time out. */
export function checkLapseWindow<T extends { lapseAfterSeconds: number }>(waits: T): T {
  if (waits.lapseAfterSeconds > MAX_LAPSE_AFTER_SECONDS) {
    throw new Error(
      `The lapse window (LAPSE_AFTER_SECONDS) is ${waits.lapseAfterSeconds} s; it must be at most ${MAX_LAPSE_AFTER_SECONDS} s ` +
        `(${MAX_LAPSE_AFTER_SECONDS / 86_400} days), because an approval round's execution times out after ${ROUND_TIMEOUT_SECONDS} s`,
    );
  }
  return waits;
}

/** Round 1 runs as the request id (so the execution is easy to find); later rounds add their number. */
export function executionName(requestId: string, round: number): string {
  return round === 1 ? requestId : `${requestId}-round-${round}`;
}

/** The Departmental Head's endorsement of a rejected round runs as its own execution, named after that round. */
export function endorsementExecutionName(requestId: string, round: number): string {
  return `${requestId}-round-${round}-endorsement`;
}

export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function startApprovalRound(
  client: SFNClient,
  stateMachineArn: string,
  input: ApprovalRoundInput,
  name = executionName(input.requestId, input.round),
): Promise<string> {
  const { executionArn: arn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(ApprovalRoundInputSchema.parse(input)) }),
  );
  return arn ?? executionArn(stateMachineArn, name);
}

/**
 * How an approval branch ends when the approval is not obtained, by the names the ASL matches
 * (its Map's Catch, and the Fail states after the lapse step). These are expected outcomes: a step
 * hands them to its own task with SendTaskFailure, or returns them for a Choice to route, and never
 * throws them, so a Lambda error always means something broke. Written out as strings: bundles are
 * minified, and these are the ASL contract.
 */
export const BRANCH_ERRORS = {
  /** The approver rejected: the round is rejected (Offshoring Policy, Process 3). */
  REJECTED: 'ApprovalRejected',
  /** Nobody decided before the window closed: not obtained, so the round is rejected (Process 3). */
  LAPSED: 'ApprovalLapsed',
  /** The round ended outside the workflow (withdrawn, or a newer round): nothing left to wait for. */
  CLOSED: 'ApprovalClosed',
} as const;

/** What the table records for an approval a branch waits on, once it no longer waits. */
export type ApprovalOutcome = 'APPROVED' | keyof typeof BRANCH_ERRORS;

/**
 * The outcome the table records for the approval, or undefined while it is still waiting in the
 * request's current, open round (an approval waits while the request is PENDING_APPROVAL, the
 * Departmental Head's endorsement while it is ESCALATED). The approval's own status comes first: a
 * decision recorded just before the round closed still counts.
 */
export function recordedOutcome(
  request: { round: number; status: string },
  approval: { round: number; kind?: 'APPROVAL' | 'ENDORSEMENT'; status: 'PENDING' | 'APPROVED' | 'REJECTED' | 'LAPSED' | 'CLOSED' },
): ApprovalOutcome | undefined {
  if (approval.status !== 'PENDING') return approval.status;
  const waitingWhile = approval.kind === 'ENDORSEMENT' ? 'ESCALATED' : 'PENDING_APPROVAL';
  if (request.round !== approval.round || request.status !== waitingWhile) return 'CLOSED';
  return undefined;
}

/** What a waiting task is told: the decision (the branch succeeds) or why the approval was not obtained. */
export type TaskResult = { outcome: 'APPROVED'; approvalId: string } | { outcome: keyof typeof BRANCH_ERRORS; cause: string };

/** SendTaskFailure's limit on a cause. */
const MAX_CAUSE_LENGTH = 32_768;

/**
 * Ends a waiting task (SendTaskSuccess or SendTaskFailure). Answers 'taskEnded' when the task had
 * already ended (answered first, timed out, or its execution stopped): the recorded outcome stands
 * either way, so that is not a failure.
 */
export async function completeTask(client: SFNClient, taskToken: string, result: TaskResult): Promise<'completed' | 'taskEnded'> {
  try {
    if (result.outcome === 'APPROVED') {
      await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ decision: 'APPROVE', approvalId: result.approvalId }) }));
    } else {
      await client.send(
        new SendTaskFailureCommand({ taskToken, error: BRANCH_ERRORS[result.outcome], cause: result.cause.slice(0, MAX_CAUSE_LENGTH) }),
      );
    }
    return 'completed';
  } catch (error) {
    if (['TaskTimedOut', 'TaskDoesNotExist'].includes((error as Error).name)) return 'taskEnded';
    throw error;
  }
}
