import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { requireStateMachineArn } from '../../platform/runtime.ts';
import { SYSTEM, type Finding } from '../../store/records.ts';
import { StaleState } from '../../store/errors.ts';
import { executionArn, executionName } from '../workflow.ts';
import type { Check } from './check.ts';
import { isExemption, type CaseRecord } from '../../store/exemptions.ts';

export const title = 'Requests and executions that disagree';

/** Requests whose round only just started may not have an execution yet: leave them this long. */
const RECONCILE_AFTER_SECONDS = 300;

/**
 * Pending requests whose execution is no longer running (marked ERROR, their waiting approvals
 * closed), and running executions whose request is no longer waiting on them.
 */
export const reconciliation: Check = async ({ runtime, now, read, counted, openRequests, requestLink }) => {
  const { clients, clock, store } = runtime;
  // An exemption runs on the same workflow (Offshoring Policy, Compliance): said as one.
  const named = (request: CaseRecord) => (isExemption(request) ? 'Exemption' : request.request.serviceName);
  const stateMachineArn = requireStateMachineArn(runtime);
  const findings: Finding[] = [];
  const settledBefore = new Date(now.getTime() - RECONCILE_AFTER_SECONDS * 1000).toISOString();
  const open: CaseRecord[] = [...(await openRequests()), ...counted(await store.openExemptions()).exemptions];
  for (const request of open) {
    if (request.status !== 'PENDING_APPROVAL' || request.updatedAt > settledBefore) continue;
    const arn = executionArn(stateMachineArn, executionName(request.requestId, request.round));
    let status: string;
    try {
      // Metadata only: the execution's data is encrypted with a key this function deliberately cannot use.
      status =
        (await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn: arn, includedData: 'METADATA_ONLY' }))).status ?? 'UNKNOWN';
    } catch (error) {
      if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
      status = 'MISSING';
    }
    if (status === 'RUNNING') continue;
    const cause = `Its approval execution is ${status}, but the request was still pending: marked ERROR by continual monitoring`;
    try {
      const at = clock().toISOString();
      // Nothing can resume its approvals now: close them, so their links answer 410 and they leave the chase index.
      const view = await store.getCaseView(request.requestId);
      const waiting = (view?.approvals ?? []).filter((a) => a.round === request.round && a.status === 'PENDING');
      read(view ? 1 + view.approvals.length + view.audit.length : 0);
      await store.transition(
        request,
        'ROUND_FAILED',
        { reason: cause, at },
        {
          eventId: runtime.ids.eventId(),
          at,
          type: 'RECONCILED_TO_ERROR',
          actor: SYSTEM,
          round: request.round,
          details: { executionStatus: status, execution: arn },
        },
        { close: waiting },
      );
    } catch (error) {
      if (error instanceof StaleState) continue; // it moved on by itself meanwhile
      throw error;
    }
    findings.push({
      kind: 'STUCK_REQUEST',
      id: request.requestId,
      summary: `${named(request)} (${request.requestId}): ${cause}`,
      link: requestLink(request.requestId),
      details: { executionStatus: status },
    });
  }
  let nextToken: string | undefined;
  do {
    const page = await clients.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', nextToken }));
    for (const execution of page.executions ?? []) {
      const match = /^(.*?)(?:-round-(\d+))?$/.exec(execution.name ?? '');
      const requestId = match?.[1] ?? '';
      const round = Number(match?.[2] ?? 1);
      const request = await store.getCase(requestId);
      read(1);
      if (request && request.status === 'PENDING_APPROVAL' && request.round === round) continue;
      findings.push({
        kind: 'ORPHAN_EXECUTION',
        id: execution.name ?? '',
        summary: `Execution ${execution.name} is running but request ${requestId} is ${request ? `${request.status} (round ${request.round})` : 'unknown'}`,
        link: requestLink(requestId),
        details: { executionArn: execution.executionArn },
      });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return findings;
};
