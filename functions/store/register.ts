import { keys, SK_PREFIX } from './keys.ts';
import { queryAll } from './paging.ts';
import { auditPut } from './requests.ts';
import { RegisterEntrySchema, RegisterVersionSchema, type RegisterEntry, type RegisterVersion } from './records.ts';
import type { AuditEvent } from './audit.ts';
import { isNew, type Condition, type Table, type TransactItem } from './table.ts';

/**
 * The offshore service register (Offshoring Policy, Process 4): one entry per service, holding its
 * current version, with every version beside it as the entry's history.
 */

/**
 * The register entry as a table item, with its list (gsi1) and review-due (gsi3) index keys, and
 * while it is a non-compliant existing contract, its action plan date (gsi2).
 */
export function registerEntryItem(entry: RegisterEntry) {
  return {
    ...keys.service(entry.serviceId),
    ...keys.serviceList(entry.serviceName, entry.serviceId),
    ...keys.reviewDue(entry.reviewDue, entry.serviceId),
    ...(entry.compliance === 'NON_COMPLIANT' && entry.existingContract
      ? keys.actionPlanDue(entry.existingContract.actionPlanDate, entry.serviceId)
      : {}),
    entity: 'SERVICE',
    ...entry,
  };
}

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
    version: { reason: string; replaces?: number; audit?: { requestId: string; event: AuditEvent } },
  ): Promise<void> {
    await this.#table.transact([
      this.#table.putItem(
        { ...keys.serviceVersion(entry.serviceId, entry.version), entity: 'SERVICE_VERSION', reason: version.reason, ...entry },
        isNew,
      ),
      this.#table.putItem(registerEntryItem(entry), version.replaces === undefined ? undefined : stillAtVersion(version.replaces)),
      ...(version.audit ? [auditPut(this.#table, version.audit.requestId, version.audit.event)] : []),
    ]);
  }

  /** Notes that the owner was told about the entry's review date, unless the entry changed since it was read (then StaleState). */
  async recordReviewReminder(entry: Pick<RegisterEntry, 'serviceId' | 'version' | 'reviewDue'>): Promise<void> {
    await this.#table.update(keys.service(entry.serviceId), { set: { dueSoonNotifiedFor: entry.reviewDue } }, stillAtVersion(entry.version));
  }
}
