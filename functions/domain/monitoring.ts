import type { Runtime } from '../platform/runtime.ts';
import type { ApprovalRecord, CheckResult, MonitoringRun, RequestRecord } from '../store/records.ts';
import { MONITORING_RULES } from './offshoring-policy.ts';
import { monitoringDigestEmail, type DigestSection } from '../email/templates.ts';
import { sendEmail } from '../email/send.ts';
import { registerPageLink } from './links.ts';
import { Conflict } from '../web/errors.ts';
import { logger } from '../platform/observability.ts';
import { CheckSkipped, type Check, type CheckContext } from './checks/check.ts';
import * as reviews from './checks/reviews.ts';
import * as reconciliation from './checks/reconciliation.ts';
import * as missedChases from './checks/missed-chases.ts';
import * as escalations from './checks/escalations.ts';
import * as lateStarts from './checks/late-starts.ts';
import * as incidents from './checks/incidents.ts';
import * as existingContracts from './checks/existing-contracts.ts';
import * as reviewActions from './checks/review-actions.ts';
import * as exemptions from './checks/exemptions.ts';
import { casePageLink } from './exemptions.ts';

/**
 * Continual monitoring (Offshoring Policy, Process 4). Each run checks what has fallen due, reading
 * the sparse gsi3 index by due date (never the whole register), records its findings as a run item,
 * and sends the security team one digest. A run is idempotent for its date; a failing check is
 * reported and the others still run. Each check is its own module (functions/domain/checks/), run
 * in this order.
 */
const CHECK_RUNS = {
  reviews: { title: reviews.title, run: reviews.reviews },
  reconciliation: { title: reconciliation.title, run: reconciliation.reconciliation },
  missedChases: { title: missedChases.title, run: missedChases.missedChases },
  escalations: { title: escalations.title, run: escalations.escalations },
  lateStarts: { title: lateStarts.title, run: lateStarts.lateStarts },
  incidents: { title: incidents.title, run: incidents.incidents },
  existingContracts: { title: existingContracts.title, run: existingContracts.existingContracts },
  reviewActions: { title: reviewActions.title, run: reviewActions.reviewActions },
  exemptions: { title: exemptions.title, run: exemptions.exemptions },
} as const satisfies Record<string, { title: string; run: Check }>;
export type CheckName = keyof typeof CHECK_RUNS;

/** A RUNNING run older than this is taken to have crashed and may be taken over. */
const STALE_RUN_SECONDS = 900;
const MAX_ITEMS_KEPT = 500;

export async function listRuns(runtime: Runtime, limit = 30): Promise<MonitoringRun[]> {
  return runtime.store.monitoringRuns.recentRuns(limit);
}

export async function runMonitoring(runtime: Runtime, options: { date?: string } = {}): Promise<MonitoringRun & { repeated: boolean }> {
  const { clock, store } = runtime;
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
  let chases: Promise<{ approval: ApprovalRecord; dueAt: string }[]> | undefined;
  const ctx: CheckContext = {
    runtime,
    date,
    now,
    read: (items) => {
      itemsRead += items;
    },
    counted,
    openRequests: () => (openRequests ??= store.openRequests().then((read) => counted(read).requests)),
    overdueChases: () =>
      (chases ??= store
        .chasesDueBy(new Date(now.getTime() - MONITORING_RULES.missedChaseGraceSeconds * 1000).toISOString())
        .then((read) => counted(read).chases)),
    // Findings are read by people (the digest email, the monitoring page): they link to pages, never the JSON API.
    // An exemption's findings (a missed chase, a stuck round) link to its own page.
    requestLink: (id) => casePageLink(runtime.publicBaseUrl, id),
    serviceLink: (id) => registerPageLink(runtime.publicBaseUrl, id),
  };

  const results: CheckResult[] = [];
  for (const [check, { title, run }] of Object.entries(CHECK_RUNS) as [CheckName, (typeof CHECK_RUNS)[CheckName]][]) {
    try {
      const found = await run(ctx);
      results.push({ check, title, status: 'OK', count: found.length, items: found.slice(0, MAX_ITEMS_KEPT) });
    } catch (error) {
      if (error instanceof CheckSkipped) {
        results.push({ check, title, status: 'SKIPPED', count: 0, items: [], error: error.message });
        continue;
      }
      logger.error('Monitoring check failed', { check, error: error as Error });
      results.push({
        check,
        title,
        status: 'FAILED',
        count: 0,
        items: [],
        error: `${(error as Error).name}: ${(error as Error).message}`.slice(0, 500),
      });
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
