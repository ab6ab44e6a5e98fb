import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { StaleState, TransactionConflict } from './errors.ts';

/**
 * The table as the store's aggregates use it (functions/store/requests.ts, links.ts, register.ts,
 * monitoring-runs.ts): the only code that sends DynamoDB commands. Expressions are built here from
 * named parts, and DynamoDB's refusals become the store's errors (errors.ts).
 */

export type Item = Record<string, unknown>;
export interface Key {
  pk: string;
  sk: string;
}
export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** A condition: its expression and the names and values it uses. */
export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** Both conditions must hold. */
export function allOf(...conditions: Condition[]): Condition {
  return conditions.reduce((all, c) => ({
    expression: `${all.expression} AND ${c.expression}`,
    names: { ...all.names, ...c.names },
    values: mergeValues(all.values, c.values),
  }));
}

/** The item is new: no item has its key yet. */
export const isNew: Condition = { expression: 'attribute_not_exists(pk)' };
/** The item exists. */
export const exists: Condition = { expression: 'attribute_exists(pk)' };

/**
 * An update: `set` assigns each field (a field set to undefined is removed), `remove` removes
 * attributes, `add` adds to numbers. Field names and values are placeholders (`#field`, `:field`),
 * so no field name is ever a reserved word.
 */
export interface Change {
  set?: Record<string, unknown>;
  remove?: readonly string[];
  add?: Record<string, number>;
}

interface Expression {
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

function mergeValues(a: Record<string, unknown> = {}, b: Record<string, unknown> = {}): Record<string, unknown> {
  for (const name of Object.keys(b)) {
    if (name in a && a[name] !== b[name]) throw new Error(`Expression value ${name} is given twice`);
  }
  return { ...a, ...b };
}

/** DynamoDB refuses empty name and value maps, so they are left out when empty. */
function expression(update: Change | undefined, condition: Condition | undefined): Expression {
  const names: Record<string, string> = { ...condition?.names };
  let values: Record<string, unknown> = {};
  const clauses: string[] = [];
  if (update) {
    const assignments: string[] = [];
    const removals: string[] = [];
    for (const [field, value] of Object.entries(update.set ?? {})) {
      names[`#${field}`] = field;
      if (value === undefined) removals.push(`#${field}`);
      else {
        values = mergeValues(values, { [`:${field}`]: value });
        assignments.push(`#${field} = :${field}`);
      }
    }
    for (const field of update.remove ?? []) {
      names[`#${field}`] = field;
      removals.push(`#${field}`);
    }
    const additions = Object.entries(update.add ?? {}).map(([field, by]) => {
      names[`#${field}`] = field;
      values = mergeValues(values, { [`:${field}`]: by });
      return `#${field} :${field}`;
    });
    if (assignments.length) clauses.push(`SET ${assignments.join(', ')}`);
    if (removals.length) clauses.push(`REMOVE ${removals.join(', ')}`);
    if (additions.length) clauses.push(`ADD ${additions.join(', ')}`);
  }
  values = mergeValues(values, condition?.values);
  return {
    ...(clauses.length ? { UpdateExpression: clauses.join(' ') } : {}),
    ...(condition ? { ConditionExpression: condition.expression } : {}),
    ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  };
}

/** A query: the key condition, on the table or an index, with the names and values it uses. */
export interface Query {
  index?: string;
  key: Condition;
  /** Newest (highest sort key) first. */
  descending?: boolean;
  limit?: number;
  startKey?: Item;
}

export interface QueryPage {
  items: Item[];
  /** Items DynamoDB read for this page (what it costs), whether or not they are returned. */
  itemsRead: number;
  lastKey?: Item;
}

export class Table {
  readonly client: DynamoDBDocumentClient;
  readonly name: string;

  constructor(client: DynamoDBDocumentClient, name: string) {
    this.client = client;
    this.name = name;
  }

  /** A transaction's Put. */
  putItem(item: Item, condition?: Condition): TransactItem {
    return { Put: { TableName: this.name, Item: item, ...expression(undefined, condition) } };
  }

  /** A transaction's Update. */
  updateItem(key: Key, change: Change, condition?: Condition): TransactItem {
    const { UpdateExpression, ...rest } = expression(change, condition);
    if (!UpdateExpression) throw new Error('An update must change something');
    return { Update: { TableName: this.name, Key: key, UpdateExpression, ...rest } };
  }

  /** One item, strongly consistent (the store never acts on a stale read of a single item). */
  async get(key: Key, attributes?: readonly string[]): Promise<Item | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.name,
        Key: key,
        ConsistentRead: true,
        ...(attributes ? { ProjectionExpression: attributes.join(', ') } : {}),
      }),
    );
    return Item;
  }

  async put(item: Item, condition?: Condition): Promise<void> {
    await refusalsAsStaleState(() => this.client.send(new PutCommand({ ...this.putItem(item, condition).Put! })));
  }

  async update(key: Key, change: Change, condition?: Condition): Promise<void> {
    await refusalsAsStaleState(() => this.client.send(new UpdateCommand({ ...this.updateItem(key, change, condition).Update! })));
  }

  /** One page of a query. Reads on the table are strongly consistent; an index can only be read eventually. */
  async query(query: Query): Promise<QueryPage> {
    const { index, key, descending, limit, startKey } = query;
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.name,
        ...(index ? { IndexName: index } : { ConsistentRead: true }),
        KeyConditionExpression: key.expression,
        ...(key.names ? { ExpressionAttributeNames: key.names } : {}),
        ExpressionAttributeValues: key.values,
        ...(descending ? { ScanIndexForward: false } : {}),
        ...(limit ? { Limit: limit } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    return {
      items: page.Items ?? [],
      itemsRead: page.ScannedCount ?? page.Count ?? 0,
      ...(page.LastEvaluatedKey ? { lastKey: page.LastEvaluatedKey } : {}),
    };
  }

  /**
   * Runs a transaction, all or nothing. A failed condition becomes StaleState so callers can answer
   * 409/410; it wins over a conflict in the same cancellation, since retrying cannot make that
   * condition hold. A cancellation only by a concurrent transaction becomes TransactionConflict,
   * to be retried.
   */
  async transact(items: TransactItem[]): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
        if (codes.includes('ConditionalCheckFailed')) throw new StaleState('The record changed since it was read', { cause: error });
        if (codes.includes('TransactionConflict'))
          throw new TransactionConflict('Another transaction was changing the same items; try again', { cause: error });
      }
      throw error;
    }
  }
}

async function refusalsAsStaleState(send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new StaleState('The record changed since it was read', { cause: error });
    throw error;
  }
}
