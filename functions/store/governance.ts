import { keys } from './keys.ts';
import { queryAll } from './paging.ts';
import { RegisterEntrySchema, type RegisterEntry } from './records.ts';
import type { RegisterStore } from './register.ts';
import type { Table } from './table.ts';

/**
 * The register reads of the governance report, by day rather than by year: a financial year
 * (1 April to 31 March) spans two approval-year partitions, and reads only its own days of each.
 */
export class GovernanceReads {
  readonly #table: Table;
  readonly #register: RegisterStore;

  constructor(table: Table, register: RegisterStore) {
    this.#table = table;
    this.#register = register;
  }

  /**
   * The entries approved from `from` to `to` (YYYY-MM-DD, inclusive; gsi2, one partition per
   * approval year, read from its first day to its last): never the whole register. Entries stored
   * before they carried the approval-year key are given it first, once. A non-compliant existing
   * contract is held on gsi2 by its action plan date instead: `nonCompliantContracts` reads those.
   */
  async approvedBetween(from: string, to: string): Promise<{ entries: RegisterEntry[]; itemsRead: number }> {
    const keyed = await this.#register.keyApprovalYears();
    const first = Number(from.slice(0, 4));
    const years = Array.from({ length: Number(to.slice(0, 4)) - first + 1 }, (_, i) => first + i);
    const pages = await Promise.all(
      years.map((year) =>
        queryAll(this.#table, {
          index: 'gsi2',
          key: {
            expression: 'gsi2pk = :pk AND gsi2sk BETWEEN :from AND :to',
            values: { ':pk': keys.approvedIn(`${year}`, '').gsi2pk, ':from': from, ':to': `${to}~` },
          },
        }),
      ),
    );
    return {
      entries: pages.flatMap((page) => page.items.map((item) => RegisterEntrySchema.parse(item))),
      itemsRead: keyed.itemsRead + pages.reduce((n, page) => n + page.itemsRead, 0),
    };
  }

  /** Every existing contract listed as non-compliant (gsi2, by action plan date): never the whole register. */
  async nonCompliantContracts(): Promise<{ entries: RegisterEntry[]; itemsRead: number }> {
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi2',
      key: { expression: 'gsi2pk = :pk', values: { ':pk': keys.actionPlanDue('', '').gsi2pk } },
    });
    return { entries: items.map((item) => RegisterEntrySchema.parse(item)), itemsRead };
  }
}
