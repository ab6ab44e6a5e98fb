import { keys } from './keys.ts';
import { LinkRecordSchema, type LinkRecord } from './records.ts';
import { allOf, exists, isNew, type Condition, type Table, type TransactItem } from './table.ts';

/**
 * Approval links: one item per emailed link, under the hash of its token (the token itself is never
 * stored), found with a strongly consistent GetItem: no index stands between an approver and their
 * decision.
 */

/** A link to store: the hash of its token and what it opens. */
export interface NewLink {
  tokenHash: string;
  link: LinkRecord;
}

/** The link record's Put, in whatever transaction issues the link: a token hash is never reused. */
export function linkPut(table: Table, { tokenHash, link }: NewLink): TransactItem {
  return table.putItem({ ...keys.link(tokenHash), entity: 'LINK', ...link }, isNew);
}

const notUsed: Condition = { expression: 'attribute_not_exists(usedAt)' };
const validAt = (at: string): Condition => ({ expression: 'validUntil > :at', values: { ':at': at } });

/** Consumes the link with the decision it carried: only once, and only while it is valid. */
export function linkUse(table: Table, tokenHash: string, at: string): TransactItem {
  return table.updateItem(keys.link(tokenHash), { set: { usedAt: at } }, allOf(exists, notUsed, validAt(at)));
}

export class LinkStore {
  readonly #table: Table;

  constructor(table: Table) {
    this.#table = table;
  }

  /** The link with this token hash, if there is one. */
  async findLink(tokenHash: string): Promise<LinkRecord | undefined> {
    const item = await this.#table.get(keys.link(tokenHash));
    return item ? LinkRecordSchema.parse(item) : undefined;
  }
}
