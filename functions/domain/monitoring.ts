import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { Runtime } from '../platform/runtime.ts';
import { requireStateMachineArn } from '../platform/runtime.ts';
import { SYSTEM, approverOf, type ApprovalRecord, type CheckResult, type Finding, type MonitoringRun, type RequestRecord } from '../store/records.ts';
import { StaleState } from '../store/errors.ts';
import { MONITORING_RULES, dueSoonHorizon, lateStartWithoutApproval, reviewStatus } from './offshoring-policy.ts';
import { executionArn, executionName } from './workflow.ts';
import { escalationLapsedEmail, monitoringDigestEmail, reviewDueEmail, type DigestSection } from '../email/templates.ts';
import { sendEmail } from '../email/send.ts';
import { Conflict } from '../web/errors.ts';
import { logger } from '../platform/observability.ts';

/**
 * Continual monitoring (Offshoring Policy, Process 4). Each run checks what has fallen due, reading
 * the sparse gsi3 index by due date (never the whole register), records its findings as a run item,
 * and sends the security team one digest. A run is idempotent for its date; a failing check is
 * reported and the others still run.
 */
export const CHECKS = {
  reviews: 'Services whose review is due within 30 days or overdue',
  reconciliation: 'Requests and executions that disagree',
  missedChases: 'Approvals waiting past a reminder, escalation or lapse that did not happen',
  escalations: 'Escalations the Departmental Head did not answer in time (the request returns to REJECTED)',
  lateStarts: 'Late-notice requests whose planned start passed without approval',
  incidents: 'Services with open incidents',
} as const;
export type CheckName = keyof typeof CHECKS;

/** Requests whose round only just started may not have an execution yet: leave them this long. */
const RECONCILE_AFTER_SECONDS = 300;
/** A RUNNING run older than this is taken to have crashed and may be taken over. */
const STALE_RUN_SECONDS = 900;
const MAX_ITEMS_KEPT = 500;

export async function listRuns(runtime: Runtime, limit = 30): Promise<MonitoringRun[]> {
  return runtime.store.monitoringRuns.recentRuns(limit);
}

export async function runMonitoring(runtime: Runtime, options: { date?: string } = {}): Promise<MonitoringRun & { repeated: boolean }> {
  const { clients, clock, store } = runtime;
  const now = clock();
  const date = options.date ?? now.toISOString().slice(0, 10);
  const startedAt = now.toISOString();

  const claim = await store.monitoringRuns.claimRun(date, startedAt, new Date(now.getTime() - STALE_RUN_SECONDS * 1000).toISOString());
  if (!claim.claimed) {
    if (claim.existing?.status === 'COMPLETED') return { ...claim.existing, repeated: true };
    throw new Conflict(`The monitoring run for ${date} is still in progress`, { date });
  }

  let itemsRead = 0;
  const counted = <T extends { itemsRead: number }>(read: T): T => {
    itemsRead += read.itemsRead;
    return read;
  };

  let openRequests: Promise<RequestRecord[]> | undefined;
  const open = () => (openRequests ??= store.openRequests().then((read) => counted(read).requests));
  let chases: Promise<{ approval: ApprovalRecord; dueAt: string }[]> | undefined;
  const overdueChases = () =>
    (chases ??= store.chasesDueBy(new Date(now.getTime() - MONITORING_RULES.missedChaseGraceSeconds * 1000).toISOString()).then((read) => counted(read).chases));
  const requestLink = (id: string) => `${runtime.publicBaseUrl}/requests/${id}`;
  const serviceLink = (id: string) => `${runtime.publicBaseUrl}/services/${id}`;

  const checks: Record<CheckName, () => Promise<Finding[] | 'SKIPPED'>> = {
    async reviews() {
      const today = date;
      const { entries } = counted(await store.register.dueForReview(`${dueSoonHorizon(today)}#\uffff`));
      const findings: Finding[] = [];
      for (const entry of entries) {
        const status = reviewStatus(entry.reviewDue, today);
        if (status === 'OK') continue;
        if (entry.dueSoonNotifiedFor !== entry.reviewDue) {
          // The owner is told once per review date, however many runs see it.
          await sendEmail(runtime, reviewDueEmail(entry, status === 'OVERDUE', serviceLink(entry.serviceId)));
          await store.register
            .recordReviewReminder(entry)
            .catch((error) => logger.warn('Register entry changed while notifying its owner', { serviceId: entry.serviceId, error }));
        }
        findings.push({
          kind: status,
          id: entry.serviceId,
          summary: `${entry.serviceName} (${entry.supplierName}): review ${status === 'OVERDUE' ? 'overdue since' : 'due'} ${entry.reviewDue}; owner ${entry.serviceOwner.email}`,
          link: serviceLink(entry.serviceId),
          details: { reviewDue: entry.reviewDue, serviceOwner: entry.serviceOwner.email },
        });
      }
      return findings;
    },

    async reconciliation() {
      const stateMachineArn = requireStateMachineArn(runtime);
      const findings: Finding[] = [];
      const settledBefore = new Date(now.getTime() - RECONCILE_AFTER_SECONDS * 1000).toISOString();
      for (const request of await open()) {
        if (request.status !== 'PENDING_APPROVAL' || request.updatedAt > settledBefore) continue;
        const arn = executionArn(stateMachineArn, executionName(request.requestId, request.round));
        let status: string;
        try {
          // Metadata only: the execution's data is encrypted with a key this function deliberately cannot use.
          status = (await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn: arn, includedData: 'METADATA_ONLY' }))).status ?? 'UNKNOWN';
        } catch (error) {
          if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
          status = 'MISSING';
        }
        if (status === 'RUNNING') continue;
        const cause = `Its approval execution is ${status}, but the request was still pending: marked ERROR by continual monitoring`;
        try {
          const at = clock().toISOString();
          // Nothing can resume its approvals now: close them, so their links answer 410 and they leave the chase index.
          const view = await store.getRequestView(request.requestId);
          const waiting = (view?.approvals ?? []).filter((a) => a.round === request.round && a.status === 'PENDING');
          itemsRead += view ? 1 + view.approvals.length + view.audit.length : 0;
          await store.transition(
            request,
            'ROUND_FAILED',
            { reason: cause, at },
            { eventId: runtime.ids.eventId(), at, type: 'RECONCILED_TO_ERROR', actor: SYSTEM, round: request.round, details: { executionStatus: status, execution: arn } },
            { close: waiting },
          );
        } catch (error) {
          if (error instanceof StaleState) continue; // it moved on by itself meanwhile
          throw error;
        }
        findings.push({ kind: 'STUCK_REQUEST', id: request.requestId, summary: `${request.request.serviceName} (${request.requestId}): ${cause}`, link: requestLink(request.requestId), details: { executionStatus: status } });
      }
      let nextToken: string | undefined;
      do {
        const page = await clients.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', nextToken }));
        for (const execution of page.executions ?? []) {
          const match = /^(.*?)(?:-round-(\d+))?$/.exec(execution.name ?? '');
          const requestId = match?.[1] ?? '';
          const round = Number(match?.[2] ?? 1);
          const request = await store.getRequest(requestId);
          itemsRead += 1;
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
    },

    async missedChases() {
      const late = (await overdueChases()).filter(({ approval }) => approval.kind !== 'ENDORSEMENT');
      return late.map(({ approval, dueAt }) => ({
        kind: 'MISSED_CHASE',
        id: approval.approvalId,
        summary: `${approval.name} (${approval.role}) on ${approval.requestId}: next step was due ${dueAt} and has not happened`,
        link: requestLink(approval.requestId),
        details: { requestId: approval.requestId, dueAt, remindedAt: approval.remindedAt ?? null, escalatedAt: approval.escalatedAt ?? null },
      }));
    },

    // Offshoring Policy, Process 3(b): an escalation nobody answers must not hold the request forever.
    async escalations() {
      const findings: Finding[] = [];
      for (const { approval } of (await overdueChases()).filter((chase) => chase.approval.kind === 'ENDORSEMENT')) {
        const request = await store.getRequest(approval.requestId);
        itemsRead += 1;
        if (request?.status !== 'ESCALATED' || request.round !== approval.round) continue;
        const at = clock().toISOString();
        const reason = `The ${approval.businessArea} Departmental Head did not respond to the escalation by ${approval.respondBy}`;
        try {
          await store.transition(
            request,
            'ESCALATION_LAPSED',
            { reason, at, set: { escalation: undefined } },
            { eventId: runtime.ids.eventId(), at, type: 'ESCALATION_LAPSED', actor: SYSTEM, round: request.round, details: { ...approverOf(approval), respondBy: approval.respondBy } },
            { lapse: { approval, reason: 'no response in time' } },
          );
        } catch (error) {
          if (error instanceof StaleState) continue; // the Head answered meanwhile
          throw error;
        }
        await sendEmail(runtime, escalationLapsedEmail(request, approval));
        findings.push({ kind: 'ESCALATION_LAPSED', id: request.requestId, summary: `${request.request.serviceName} (${request.requestId}): ${reason}; back to REJECTED`, link: requestLink(request.requestId) });
      }
      return findings;
    },

    async lateStarts() {
      return (await open())
        .filter((request) => lateStartWithoutApproval(request, date))
        .map((request) => ({
          kind: 'LATE_START',
          id: request.requestId,
          summary: `${request.request.serviceName} (${request.requestId}): planned start ${request.request.plannedStartDate} has passed and it is ${request.status}`,
          link: requestLink(request.requestId),
          details: { plannedStartDate: request.request.plannedStartDate, status: request.status },
        }));
    },

    // Incident tracking has not landed yet: say so rather than report a clean bill of health.
    async incidents() {
      return 'SKIPPED';
    },
  };

  const results: CheckResult[] = [];
  for (const [check, run] of Object.entries(checks) as [CheckName, () => Promise<Finding[] | 'SKIPPED'>][]) {
    try {
      const found = await run();
      if (found === 'SKIPPED') results.push({ check, title: CHECKS[check], status: 'SKIPPED', count: 0, items: [], error: 'incident tracking is not available yet' });
      else results.push({ check, title: CHECKS[check], status: 'OK', count: found.length, items: found.slice(0, MAX_ITEMS_KEPT) });
    } catch (error) {
      logger.error('Monitoring check failed', { check, error: error as Error });
      results.push({ check, title: CHECKS[check], status: 'FAILED', count: 0, items: [], error: `${(error as Error).name}: ${(error as Error).message}`.slice(0, 500) });
    }
  }

  const digest = monitoringDigestEmail(
    runtime.directory.securityTeam,
    date,
    results.map((r) => ({ title: r.title, status: r.status, error: r.error, items: r.items })) satisfies DigestSection[],
  );
  await sendEmail(runtime, digest);
  const run: MonitoringRun = {
    date,
    status: 'COMPLETED',
    startedAt,
    finishedAt: clock().toISOString(),
    checks: results,
    counts: Object.fromEntries(results.map((r) => [r.check, r.count])),
    itemsRead,
    digest: { to: runtime.directory.securityTeam.email, subject: digest.subject, sentAt: clock().toISOString() },
  };
  await store.monitoringRuns.completeRun(run);
  return { ...run, repeated: false };
}
