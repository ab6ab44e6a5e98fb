import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';

/** What each approval round's execution receives. Handlers read everything else from the table. */
export interface ApprovalRoundInput {
  requestId: string;
  round: number;
  approvals: { approvalId: string; role: string }[];
  /** Seconds in each waiting stage of every approval branch (the ASL reads them with TimeoutSecondsPath). */
  waits: { requestSeconds: number; reminderSeconds: number; escalationSeconds: number };
}

/** Round 1 runs as the request id (so the execution is easy to find); later rounds add their number. */
export function executionName(requestId: string, round: number): string {
  return round === 1 ? requestId : `${requestId}-round-${round}`;
}

export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function startApprovalRound(client: SFNClient, stateMachineArn: string, input: ApprovalRoundInput): Promise<string> {
  const { executionArn: arn } = await client.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: executionName(input.requestId, input.round),
      input: JSON.stringify(input),
    }),
  );
  return arn ?? executionArn(stateMachineArn, executionName(input.requestId, input.round));
}

/**
 * Errors a workflow Lambda throws to steer the state machine: Step Functions matches them by name
 * in Catch (statemachines/offshoring-approval.asl.json). The names are part of the ASL contract.
 */
export abstract class WorkflowSignal extends Error {
  // Each name is written out, not taken from the class: bundles are minified, and these strings are
  // what the ASL's Catch clauses match.
  abstract override readonly name: string;
}
/** The approval was already given (e.g. decided while the branch moved to its next stage): the branch is done. */
export class ApprovalAlreadyGiven extends WorkflowSignal {
  override readonly name = 'ApprovalAlreadyGiven';
}
/** The approver rejected: the round is rejected (Process 3). */
export class ApprovalRejected extends WorkflowSignal {
  override readonly name = 'ApprovalRejected';
}
/** Nobody decided before the window closed: counted as not obtained (Process 3). */
export class ApprovalLapsed extends WorkflowSignal {
  override readonly name = 'ApprovalLapsed';
}
/** The round or request ended (withdrawn, superseded): nothing left to wait for. */
export class ApprovalClosed extends WorkflowSignal {
  override readonly name = 'ApprovalClosed';
}

/** The signal that tells the workflow what the recorded decision means for its branch. */
export function signalFor(approval: { status: string; reason?: string; approvalId: string }): WorkflowSignal {
  switch (approval.status) {
    case 'APPROVED':
      return new ApprovalAlreadyGiven(`Approval ${approval.approvalId} was given`);
    case 'REJECTED':
      return new ApprovalRejected(approval.reason ?? 'Rejected');
    case 'LAPSED':
      return new ApprovalLapsed(`Approval ${approval.approvalId} lapsed: approval not obtained in time`);
    default:
      return new ApprovalClosed(`Approval ${approval.approvalId} is ${approval.status}`);
  }
}
