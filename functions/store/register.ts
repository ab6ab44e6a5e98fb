import * as z from 'zod';
import { keys, SK_PREFIX } from './keys.ts';
import { queryAll } from './paging.ts';
import { auditPut } from './requests.ts';
import {
  RegisterEntrySchema,
  RegisterVersionSchema,
  ReviewActionSchema,
  type RecordedReview,
  type RegisterEntry,
  type RegisterVersion,
  type ReviewAction,
} from './records.ts';
import type { AuditEvent } from './audit.ts';
import { StaleState } from './errors.ts';
import { isNew, type Condition, type Item, type Table, type TransactItem } from './table.ts';

/**
 * The offshore service register (Offshoring Policy, Process 4): one entry per service, holding its
 * current version, with every version beside it as the entry's history.
 */

/** gsi2's key for an entry: its action plan date while a non-compliant existing contract, else the year it was approved in. */
function registerGsi2Keys(entry: Pick<RegisterEntry, 'serviceId' | 'compliance' | 'existingContract' | 'approvedAt'>) {
  if (entry.compliance === 'NON_COMPLIANT' && entry.existingContract)
    return keys.actionPlanDue(entry.existingContract.actionPlanDate, entry.serviceId);
  return entry.approvedAt ? keys.approvedIn(entry.approvedAt, entry.serviceId) : {};
}

/**
 * The register entry as a table item, with its list (gsi1) and review-due (gsi3) index keys, and
 * on gsi2 its action plan date while it is a non-compliant existing contract, else the year it
 * was approved in.
 */
export function registerEntryItem(entry: RegisterEntry) {
  return {
    ...keys.service(entry.serviceId),
    ...keys.serviceList(entry.serviceName, entry.serviceId),
    ...keys.reviewDue(entry.reviewDue, entry.serviceId),
    ...registerGsi2Keys(entry),
    entity: 'SERVICE',
    ...entry,
  };
}

/**
 * The item that puts a service's open review actions in the due index (gsi3), keyed by the earliest
 * date one is due by; with none open it carries no index keys, so it leaves the index.
 */
function reviewActionsItem(entry: Pick<RegisterEntry, 'serviceId' | 'serviceName' | 'reviewActions'>) {
  const actions = entry.reviewActions ?? [];
  const earliest = actions.map((a) => a.dueBy).sort()[0];
  return {
    ...keys.reviewActions(entry.serviceId),
    ...(earliest ? keys.reviewActionDue(earliest, entry.serviceId) : {}),
    entity: 'REVIEW_ACTIONS',
    serviceId: entry.serviceId,
    serviceName: entry.serviceName,
    actions,
  };
}

const ReviewActionsItemSchema = z.object({ serviceId: z.string(), serviceName: z.string(), actions: z.array(ReviewActionSchema) });

/** How many older entries are given their approval-year key at once. */
const KEYING_BATCH = 25;

const stillAtVersion = (version: number): Condition => ({
  expression: '#version = :seenVersion',
  names: { '#version': 'version' },
  values: { ':seenVersion': version },
});

export class RegisterStore {
  readonly #table: Table;

  constructor(table: Table) {
    this.#table = table;
  }

  async getEntry(serviceId: string): Promise<RegisterEntry | undefined> {
    const item = await this.#table.get(keys.service(serviceId));
    return item ? RegisterEntrySchema.parse(item) : undefined;
  }

  /** The whole register, by service name (gsi1). */
  async listEntries(): Promise<RegisterEntry[]> {
    const { items } = await queryAll(this.#table, {
      index: 'gsi1',
      key: { expression: 'gsi1pk = :pk', values: { ':pk': keys.serviceList('', '').gsi1pk } },
    });
    return items.map((item) => RegisterEntrySchema.parse(item));
  }

  /** Every version of a service's entry, oldest first. */
  async history(serviceId: string): Promise<RegisterVersion[]> {
    const { items } = await queryAll(this.#table, {
      key: { expression: 'pk = :pk AND begins_with(sk, :version)', values: { ':pk': keys.service(serviceId).pk, ':version': SK_PREFIX.version } },
    });
    return items.map((item) => RegisterVersionSchema.parse(item));
  }

  /** Entries whose review falls due by `upTo` (gsi3, a date or a date-prefixed bound): never the whole register. */
  async dueForReview(upTo: string): Promise<{ entries: RegisterEntry[]; itemsRead: number }> {
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi3',
      key: { expression: 'gsi3pk = :pk AND gsi3sk <= :upTo', values: { ':pk': keys.reviewDue('', '').gsi3pk, ':upTo': upTo } },
    });
    return { entries: items.map((item) => RegisterEntrySchema.parse(item)), itemsRead };
  }

  /** Non-compliant existing contracts whose action plan date is before `date` (gsi2): never the whole register. */
  async actionPlansOverdue(date: string): Promise<{ entries: RegisterEntry[]; itemsRead: number }> {
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi2',
      key: { expression: 'gsi2pk = :pk AND gsi2sk < :date', values: { ':pk': keys.actionPlanDue('', '').gsi2pk, ':date': date } },
    });
    return { entries: items.map((item) => RegisterEntrySchema.parse(item)), itemsRead };
  }

  /** Services with a review action due before `date` (gsi3, by the earliest one's date): never the whole register. */
  async reviewActionsDueBefore(
    date: string,
  ): Promise<{ services: { serviceId: string; serviceName: string; actions: ReviewAction[] }[]; itemsRead: number }> {
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi3',
      key: { expression: 'gsi3pk = :pk AND gsi3sk < :date', values: { ':pk': keys.reviewActionDue('', '').gsi3pk, ':date': date } },
    });
    return { services: items.map((item) => ReviewActionsItemSchema.parse(item)), itemsRead };
  }

  /**
   * The entries approved in `year` (gsi2, by approval year), and the non-compliant existing
   * contracts approved in it, which gsi2 holds by action plan date instead: never the whole
   * register. Entries stored before they carried the approval-year key are given it first, once.
   */
  async approvedIn(year: number): Promise<{ entries: RegisterEntry[]; itemsRead: number }> {
    const keyed = await this.keyApprovalYears();
    const pk = keys.approvedIn(`${year}`, '').gsi2pk;
    const [approved, onActionPlan] = await Promise.all([
      queryAll(this.#table, { index: 'gsi2', key: { expression: 'gsi2pk = :pk', values: { ':pk': pk } } }),
      queryAll(this.#table, { index: 'gsi2', key: { expression: 'gsi2pk = :pk', values: { ':pk': keys.actionPlanDue('', '').gsi2pk } } }),
    ]);
    const entries = [
      ...approved.items.map((item) => RegisterEntrySchema.parse(item)),
      ...onActionPlan.items.map((item) => RegisterEntrySchema.parse(item)).filter((e) => e.approvedAt?.slice(0, 4) === String(year)),
    ];
    return { entries, itemsRead: keyed.itemsRead + approved.itemsRead + onActionPlan.itemsRead };
  }

  /** The entries with these ids that exist, one strongly consistent GetItem each. */
  async entries(serviceIds: readonly string[]): Promise<{ entries: RegisterEntry[]; itemsRead: number }> {
    const found = await Promise.all([...new Set(serviceIds)].map((id) => this.getEntry(id)));
    const entries = found.filter((e): e is RegisterEntry => e !== undefined);
    return { entries, itemsRead: entries.length };
  }

  /**
   * Gives every entry approved before entries carried gsi2's approval-year key that key, then notes
   * it is done, so the whole register is read for it once only. An entry written meanwhile carries
   * the key already, so one that changed since it was read is left as it is.
   */
  async keyApprovalYears(): Promise<{ updated: number; itemsRead: number }> {
    if (await this.#table.get(keys.registerApprovalYearsKeyed())) return { updated: 0, itemsRead: 1 };
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi1',
      key: { expression: 'gsi1pk = :pk', values: { ':pk': keys.serviceList('', '').gsi1pk } },
    });
    const unkeyed = items.filter((item: Item) => item.gsi2pk === undefined && typeof item.approvedAt === 'string');
    let updated = 0;
    // A few at a time: a large register is keyed within one page's request, without a burst of writes.
    for (let i = 0; i < unkeyed.length; i += KEYING_BATCH) {
      const written = await Promise.all(
        unkeyed.slice(i, i + KEYING_BATCH).map(async (item) => {
          const entry = RegisterEntrySchema.parse(item);
          try {
            await this.#table.update(keys.service(entry.serviceId), { set: registerGsi2Keys(entry) }, stillAtVersion(entry.version));
            return 1;
          } catch (error) {
            if (error instanceof StaleState) return 0;
            throw error;
          }
        }),
      );
      updated += written.reduce((n: number, w) => n + w, 0);
    }
    try {
      await this.#table.put({ ...keys.registerApprovalYearsKeyed(), entity: 'REGISTER_KEYED', updated }, isNew);
    } catch (error) {
      if (!(error instanceof StaleState)) throw error;
    }
    return { updated, itemsRead: 1 + itemsRead };
  }

  /** A new entry's first version, for a transaction elsewhere (a submission listing an existing contract): only if new. */
  firstVersionPuts(entry: RegisterEntry, reason: string): TransactItem[] {
    return [
      this.#table.putItem({ ...keys.serviceVersion(entry.serviceId, entry.version), entity: 'SERVICE_VERSION', reason, ...entry }, isNew),
      this.#table.putItem(registerEntryItem(entry), isNew),
    ];
  }

  /**
   * Writes a new version of an entry and makes it the entry's current one, all or nothing. The
   * version is new (conditional), so a retried write cannot write it twice. `replaces`: the version
   * the entry must still hold (two reviews at once cannot both move its date). `audit`: the event in
   * the trail of the request that caused it. Throws StaleState if a condition failed.
   */
  async putRegisterVersion(
    entry: RegisterEntry,
    version: { reason: string; replaces?: number; audit?: { requestId: string; event: AuditEvent }; review?: RecordedReview },
  ): Promise<void> {
    // The open review actions' index item follows the entry: written while it has any, and by every review (one closing them takes it out of the index).
    const actions = entry.reviewActions?.length || version.review ? [this.#table.putItem(reviewActionsItem(entry))] : [];
    await this.#table.transact([
      this.#table.putItem(
        {
          ...keys.serviceVersion(entry.serviceId, entry.version),
          entity: 'SERVICE_VERSION',
          reason: version.reason,
          ...(version.review ? { review: version.review } : {}),
          ...entry,
        },
        isNew,
      ),
      this.#table.putItem(registerEntryItem(entry), version.replaces === undefined ? undefined : stillAtVersion(version.replaces)),
      ...actions,
      ...(version.audit ? [auditPut(this.#table, version.audit.requestId, version.audit.event)] : []),
    ]);
  }

  /** Notes that the owner was told about the entry's review date, unless the entry changed since it was read (then StaleState). */
  async recordReviewReminder(entry: Pick<RegisterEntry, 'serviceId' | 'version' | 'reviewDue'>): Promise<void> {
    await this.#table.update(keys.service(entry.serviceId), { set: { dueSoonNotifiedFor: entry.reviewDue } }, stillAtVersion(entry.version));
  }
}
