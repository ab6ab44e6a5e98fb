import { keys } from './keys.ts';
import { StaleState } from './errors.ts';
import { MonitoringRunSchema, type MonitoringRun } from './records.ts';
import type { Condition, Table } from './table.ts';

/** Continual-monitoring runs (Offshoring Policy, Process 4): one item per date, so a run is idempotent for its date. */

/** No run for the date yet, or one still RUNNING since before `staleBefore` (taken to have crashed). */
const freeToRun = (staleBefore: string): Condition => ({
  expression: 'attribute_not_exists(pk) OR (#status = :running AND startedAt < :stale)',
  names: { '#status': 'status' },
  values: { ':running': 'RUNNING', ':stale': staleBefore },
});

export class MonitoringRunStore {
  readonly #table: Table;

  constructor(table: Table) {
    this.#table = table;
  }

  /**
   * Claims the date's run: true if this caller runs it. False if another run holds the date
   * (finished, or running and not stale): `existing` is that run, as recorded.
   */
  async claimRun(date: string, startedAt: string, staleBefore: string): Promise<{ claimed: true } | { claimed: false; existing?: MonitoringRun }> {
    try {
      await this.#table.put({ ...keys.monitoringRun(date), entity: 'MONITORING_RUN', date, status: 'RUNNING', startedAt }, freeToRun(staleBefore));
      return { claimed: true };
    } catch (error) {
      if (!(error instanceof StaleState)) throw error;
      const item = await this.#table.get(keys.monitoringRun(date));
      return { claimed: false, ...(item ? { existing: MonitoringRunSchema.parse(item) } : {}) };
    }
  }

  /** Records the finished run (its findings and digest) over its claim. */
  async completeRun(run: MonitoringRun): Promise<void> {
    await this.#table.put({ ...keys.monitoringRun(run.date), entity: 'MONITORING_RUN', ...run });
  }

  /** The most recent runs, newest first. */
  async recentRuns(limit = 30): Promise<MonitoringRun[]> {
    const page = await this.#table.query({ key: { expression: 'pk = :pk', values: { ':pk': keys.monitoringRun('').pk } }, descending: true, limit });
    return page.items.map((item) => MonitoringRunSchema.parse(item));
  }
}
