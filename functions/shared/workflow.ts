import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';

/** What each approval round's execution receives. Handlers read everything else from the table. */
export interface ApprovalRoundInput {
  requestId: string;
  round: number;
  approvals: { approvalId: string; role: string }[];
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
