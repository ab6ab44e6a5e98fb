import type { Runtime } from '../../platform/runtime.ts';
import type { ApprovalRecord, Finding, RequestRecord } from '../../store/records.ts';

/**
 * What a continual-monitoring check (Offshoring Policy, Process 4) is given: the run's date and
 * clock, reads shared between checks (each read once per run), and a tally of the items read, so
 * a run's cost grows with what is due and not with the register.
 */
export interface CheckContext {
  runtime: Runtime;
  /** The run's date (YYYY-MM-DD) and the moment it started. */
  date: string;
  now: Date;
  /** Counts items a check read directly (not through the shared reads). */
  read(items: number): void;
  /** Counts the items a store read reports, and answers it. */
  counted<T extends { itemsRead: number }>(read: T): T;
  /** Requests still open, read once per run. */
  openRequests(): Promise<RequestRecord[]>;
  /** Waiting approvals whose next step was due before the grace period, read once per run. */
  overdueChases(): Promise<{ approval: ApprovalRecord; dueAt: string }[]>;
  requestLink(requestId: string): string;
  serviceLink(serviceId: string): string;
}

/** One check: what needs someone's attention, as findings. */
export type Check = (ctx: CheckContext) => Promise<Finding[]>;

/** Thrown by a check that cannot look at all: the run reports it SKIPPED with this reason, never as all clear. */
export class CheckSkipped extends Error {
  override name = 'CheckSkipped';
}
