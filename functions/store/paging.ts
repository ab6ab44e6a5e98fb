import * as z from 'zod';
import { keys } from './keys.ts';
import type { Item, Query, Table } from './table.ts';

/**
 * Every item a query matches, page after page: the store's one pagination loop. `itemsRead` is what
 * DynamoDB read for it (continual monitoring reports it: its cost must grow with what is due).
 */
export async function queryAll(table: Table, query: Omit<Query, 'startKey'>): Promise<{ items: Item[]; itemsRead: number }> {
  const items: Item[] = [];
  let itemsRead = 0;
  let startKey: Item | undefined;
  do {
    const page = await table.query({ ...query, ...(startKey ? { startKey } : {}) });
    items.push(...page.items);
    itemsRead += page.itemsRead;
    startKey = page.lastKey;
  } while (startKey);
  return { items, itemsRead };
}

/**
 * Paging tokens: a page's last key (DynamoDB's LastEvaluatedKey), as base64url JSON, handed back
 * by the caller for the next page. The caller can change it, so it is checked before DynamoDB sees
 * it: it must be exactly a key of the index being read, in the caller's own partition.
 */

/** The token is not one this listing handed out to this caller; `message` says what is wrong with it. */
export class InvalidPageToken extends Error {
  override readonly name = 'InvalidPageToken';
}

export function pageToken(lastEvaluatedKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastEvaluatedKey)).toString('base64url');
}

// The ids the service issues (functions/web/http.ts checks path ids the same way).
const REQUEST_PK = /^REQUEST#[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** A key of gsi2 (a service owner's requests): the table's key and the index's, nothing else. */
const OwnerPageKeySchema = z.strictObject({
  pk: z.string().regex(REQUEST_PK),
  sk: z.literal(keys.request('').sk),
  gsi2pk: z.string(),
  gsi2sk: z.iso.datetime(),
});

function decode(token: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new InvalidPageToken('is not a paging token: it must be base64url');
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidPageToken('is not a paging token: it does not decode');
  }
}

/** Where the next page of `email`'s requests starts, from the token the previous page gave them. */
export function ownerPageStart(token: string, email: string): z.infer<typeof OwnerPageKeySchema> {
  const parsed = OwnerPageKeySchema.safeParse(decode(token));
  if (!parsed.success) throw new InvalidPageToken('is not a paging token from this listing: it names no place in it');
  if (parsed.data.gsi2pk !== keys.ownerLookup(email, '').gsi2pk) throw new InvalidPageToken('is a paging token from another owner’s listing');
  return parsed.data;
}
