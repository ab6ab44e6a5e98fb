import type { LocalStack } from './stack.ts';
import { startApprovalRound } from '../functions/domain/workflow.ts';
import { startEndorsement } from '../functions/domain/rejection-routes.ts';
import { isExemption } from '../functions/store/exemptions.ts';

/**
 * Local mode only. The local Step Functions stand-in keeps executions in memory, so a restart of
 * `npm start` loses the rounds that were running (on AWS they simply keep running). This starts each
 * pending round (and each escalation waiting for its Departmental Head) again under its own name, each stage ending at its original deadline (a stage
 * already past ends after a second). The restart is silent: each stage emails once per approval, so
 * a stage whose email went out before only takes the new task token, and an approver hears again
 * only when a reminder or chase falls due. Decisions already recorded stand (each branch reads
 * the table first), and the links already sent keep working.
 */
export async function resumeOpenRounds(stack: LocalStack): Promise<string[]> {
  const { runtime } = stack;
  const { requests } = await runtime.store.openRequests();
  // Exemptions run on the same workflow and are resumed the same way (they are never escalated).
  const { exemptions } = await runtime.store.openExemptions();
  const resumed: string[] = [];
  const now = runtime.clock().getTime();
  const secondsUntil = (iso: string | undefined, floor: number) => Math.max(floor + 1, Math.ceil(((iso ? Date.parse(iso) : now) - now) / 1000));
  for (const request of [...requests, ...exemptions]) {
    if (request.status === 'ESCALATED' && !isExemption(request)) {
      const view = await runtime.store.getRequestView(request.requestId);
      const endorsement = view?.approvals.find((a) => a.round === request.round && a.kind === 'ENDORSEMENT' && a.status === 'PENDING');
      if (!endorsement) continue;
      await startEndorsement(runtime, endorsement);
      resumed.push(request.requestId);
      continue;
    }
    if (request.status !== 'PENDING_APPROVAL') continue;
    const view = await runtime.store.getCaseView(request.requestId);
    const approvals = (view?.approvals ?? []).filter((a) => a.round === request.round && a.kind === 'APPROVAL');
    const first = approvals[0];
    if (!first) continue;
    // Keep the original timeline: each stage ends when it would have ended before the restart.
    const toReminder = secondsUntil(first.reminderAt, 0);
    const toChase = secondsUntil(first.chaseAt, toReminder);
    const toLapse = secondsUntil(first.respondBy, toChase);
    await startApprovalRound(runtime.clients.stepFunctions, stack.stateMachineArn, {
      requestId: request.requestId,
      round: request.round,
      approvals: approvals.map(({ approvalId, role }) => ({ approvalId, role })),
      waits: { requestSeconds: toReminder, reminderSeconds: toChase - toReminder, chaseSeconds: toLapse - toChase },
    });
    resumed.push(request.requestId);
  }
  return resumed;
}
