import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { JOURNAL_FILE, startLocalDynamoDb, type LocalDynamoDb } from '../../local/dynamodb/transactions.ts';

/**
 * The local DynamoDB (dynalite behind the transaction proxy), driven through the real SDK clients
 * the way the store drives AWS.
 */

const TABLE = 'txn-test';

function clients(url: string) {
  const raw = new DynamoDBClient({ endpoint: url, region: 'eu-west-2', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  return { raw, doc: DynamoDBDocumentClient.from(raw) };
}

async function createTable(client: DynamoDBClient): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('table never became ACTIVE');
}

async function cancellation(promise: Promise<unknown>): Promise<TransactionCanceledException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransactionCanceledException);
  return error as TransactionCanceledException;
}

describe('local DynamoDB with transactions', () => {
  let db: LocalDynamoDb;
  let raw: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  const get = async (pk: string, sk = 'A') => (await doc.send(new GetCommand({ TableName: TABLE, Key: { pk, sk }, ConsistentRead: true }))).Item;

  beforeAll(async () => {
    db = await startLocalDynamoDb({});
    ({ raw, doc } = clients(db.url));
    await createTable(raw);
  });

  afterAll(async () => {
    raw?.destroy();
    await db?.close();
  });

  it('commits every Put of a transaction', async () => {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { pk: 'two-puts', sk: 'A', n: 1 }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: TABLE, Item: { pk: 'two-puts', sk: 'B', n: 2 } } },
        ],
      }),
    );
    expect(await get('two-puts', 'A')).toEqual({ pk: 'two-puts', sk: 'A', n: 1 });
    expect(await get('two-puts', 'B')).toEqual({ pk: 'two-puts', sk: 'B', n: 2 });
  });

  it('rolls back the applied actions when a later condition fails, reporting every reason', async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'rollback', sk: 'B', status: 'open', version: 1 } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'rollback', sk: 'C', keep: true } }));
    const error = await cancellation(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: 'rollback', sk: 'A', fresh: true } } },
            // An overwrite of an existing item, applied before the failure: must be restored.
            { Put: { TableName: TABLE, Item: { pk: 'rollback', sk: 'C', keep: false } } },
            {
              Update: {
                TableName: TABLE,
                Key: { pk: 'rollback', sk: 'B' },
                UpdateExpression: 'SET #s = :closed, version = version + :one',
                ConditionExpression: '#s = :expected',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':closed': 'closed', ':one': 1, ':expected': 'draft' },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      ),
    );
    expect(error.name).toBe('TransactionCanceledException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, ConditionalCheckFailed]');
    expect(error.CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'None', 'ConditionalCheckFailed']);
    expect(error.CancellationReasons?.[2]).toMatchObject({
      Message: 'The conditional request failed',
      Item: { pk: { S: 'rollback' }, status: { S: 'open' } },
    });
    expect(await get('rollback', 'A')).toBeUndefined();
    expect(await get('rollback', 'B')).toEqual({ pk: 'rollback', sk: 'B', status: 'open', version: 1 });
    expect(await get('rollback', 'C')).toEqual({ pk: 'rollback', sk: 'C', keep: true });
  });

  it('reports every failing condition, not only the first', async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'many-fail', sk: 'A' } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'many-fail', sk: 'C' } }));
    const error = await cancellation(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: 'many-fail', sk: 'A', x: 1 }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: TABLE, Item: { pk: 'many-fail', sk: 'B', x: 1 }, ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Update: {
                TableName: TABLE,
                Key: { pk: 'many-fail', sk: 'C' },
                UpdateExpression: 'SET x = :x',
                ConditionExpression: 'attribute_not_exists(pk)',
                ExpressionAttributeValues: { ':x': 1 },
              },
            },
          ],
        }),
      ),
    );
    expect(error.CancellationReasons?.map((r) => r.Code)).toEqual(['ConditionalCheckFailed', 'None', 'ConditionalCheckFailed']);
    expect(await get('many-fail', 'A')).toEqual({ pk: 'many-fail', sk: 'A' });
    expect(await get('many-fail', 'B')).toBeUndefined();
    expect(await get('many-fail', 'C')).toEqual({ pk: 'many-fail', sk: 'C' });
  });

  it('cancels with a failing ConditionCheck; a passing one on a missing item leaves nothing behind', async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'check', sk: 'guard', open: false } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'check', sk: 'target', n: 0 } }));
    const update = {
      Update: {
        TableName: TABLE,
        Key: { pk: 'check', sk: 'target' },
        UpdateExpression: 'SET n = n + :one',
        ExpressionAttributeValues: { ':one': 1 },
      },
    };

    const error = await cancellation(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            update,
            {
              ConditionCheck: {
                TableName: TABLE,
                Key: { pk: 'check', sk: 'guard' },
                ConditionExpression: '#o = :t',
                ExpressionAttributeNames: { '#o': 'open' },
                ExpressionAttributeValues: { ':t': true },
              },
            },
          ],
        }),
      ),
    );
    expect(error.CancellationReasons).toEqual([{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }]);
    expect(await get('check', 'target')).toEqual({ pk: 'check', sk: 'target', n: 0 });

    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          update,
          { ConditionCheck: { TableName: TABLE, Key: { pk: 'check', sk: 'missing' }, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            ConditionCheck: {
              TableName: TABLE,
              Key: { pk: 'check', sk: 'guard' },
              ConditionExpression: '#o = :f',
              ExpressionAttributeNames: { '#o': 'open' },
              ExpressionAttributeValues: { ':f': false },
            },
          },
        ],
      }),
    );
    expect(await get('check', 'target')).toEqual({ pk: 'check', sk: 'target', n: 1 });
    expect(await get('check', 'missing')).toBeUndefined();
    expect(await get('check', 'guard')).toEqual({ pk: 'check', sk: 'guard', open: false });
  });

  it('deletes in a transaction, and restores a deleted item on cancellation', async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'delete', sk: 'A', v: 1 } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'delete', sk: 'B', v: 2 } }));
    await cancellation(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: TABLE, Key: { pk: 'delete', sk: 'A' } } },
            { Delete: { TableName: TABLE, Key: { pk: 'delete', sk: 'B' }, ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': 99 } } },
          ],
        }),
      ),
    );
    expect(await get('delete', 'A')).toEqual({ pk: 'delete', sk: 'A', v: 1 });

    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: TABLE, Key: { pk: 'delete', sk: 'A' } } },
          { Delete: { TableName: TABLE, Key: { pk: 'delete', sk: 'B' }, ConditionExpression: 'v = :v', ExpressionAttributeValues: { ':v': 2 } } },
        ],
      }),
    );
    expect(await get('delete', 'A')).toBeUndefined();
    expect(await get('delete', 'B')).toBeUndefined();
  });

  it('lets exactly one of two concurrent create-if-absent transactions win', async () => {
    const attempt = (who: string) =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: 'race', sk: 'A', who }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: TABLE, Item: { pk: 'race', sk: `log#${who}`, who } } },
          ],
        }),
      );
    const results = await Promise.allSettled([attempt('one'), attempt('two'), attempt('three')]);
    const winners = results.filter((r) => r.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(TransactionCanceledException);
    const winner = (await get('race', 'A'))?.who as string;
    const { Items } = await doc.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'race' } }),
    );
    expect(Items?.map((i) => i.sk).sort()).toEqual(['A', `log#${winner}`]);
  });

  it('serialises plain conditional writes against transactions', async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'counter', sk: 'A', n: 0 } }));
    const bump = (i: number) =>
      i % 2
        ? doc.send(
            new UpdateCommand({
              TableName: TABLE,
              Key: { pk: 'counter', sk: 'A' },
              UpdateExpression: 'SET n = n + :one',
              ExpressionAttributeValues: { ':one': 1 },
            }),
          )
        : doc.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Update: {
                    TableName: TABLE,
                    Key: { pk: 'counter', sk: 'A' },
                    UpdateExpression: 'SET n = n + :one',
                    ExpressionAttributeValues: { ':one': 1 },
                  },
                },
              ],
            }),
          );
    await Promise.all(Array.from({ length: 20 }, (_, i) => bump(i)));
    expect(await get('counter', 'A')).toMatchObject({ n: 20 });
  });

  it('reads with TransactGetItems', async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'tget', sk: 'A', a: 1, b: 'x' } }));
    const { Responses } = await doc.send(
      new TransactGetCommand({
        TransactItems: [
          { Get: { TableName: TABLE, Key: { pk: 'tget', sk: 'A' } } },
          { Get: { TableName: TABLE, Key: { pk: 'tget', sk: 'missing' } } },
          { Get: { TableName: TABLE, Key: { pk: 'tget', sk: 'A' }, ProjectionExpression: '#b', ExpressionAttributeNames: { '#b': 'b' } } },
        ],
      }),
    );
    expect(Responses).toEqual([{ Item: { pk: 'tget', sk: 'A', a: 1, b: 'x' } }, {}, { Item: { b: 'x' } }]);
  });

  it('answers ValidationException for bad transactions, applying nothing', async () => {
    const put = (sk: string) => ({ Put: { TableName: TABLE, Item: { pk: { S: 'invalid' }, sk: { S: sk } } } });
    const rejects = async (items: unknown[], message: RegExp) => {
      const error = await raw.send(new TransactWriteItemsCommand({ TransactItems: items as never })).then(
        () => undefined,
        (e: unknown) => e,
      );
      // The SDK has no ValidationException class: it arrives as a DynamoDBServiceException so named.
      expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
      expect((error as Error).message).toMatch(message);
    };
    await rejects([put('A'), put('A')], /multiple operations on one item/);
    await rejects(
      Array.from({ length: 101 }, (_, i) => put(String(i))),
      /less than or equal to 100/,
    );
    // dynalite's own validation of an action (here a bad update expression) comes back verbatim, after rollback.
    await rejects(
      [put('B'), { Update: { TableName: TABLE, Key: { pk: { S: 'invalid' }, sk: { S: 'C' } }, UpdateExpression: 'SET = oops' } }],
      /Invalid UpdateExpression/,
    );
    expect(await get('invalid', 'A')).toBeUndefined();
    expect(await get('invalid', 'B')).toBeUndefined();
  });

  it('reports an item-level validation failure as a ValidationError reason, as DynamoDB does', async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'item-invalid', sk: 'B', n: 1 } }));
    const error = await cancellation(
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: 'item-invalid', sk: 'A' } } },
            {
              Update: {
                TableName: TABLE,
                Key: { pk: 'item-invalid', sk: 'B' },
                UpdateExpression: 'SET n = #absent + :one',
                ExpressionAttributeNames: { '#absent': 'absent' },
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      ),
    );
    expect(error.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ValidationError', Message: 'The provided expression refers to an attribute that does not exist in the item' },
    ]);
    expect(await get('item-invalid', 'A')).toBeUndefined();
    expect(await get('item-invalid', 'B')).toEqual({ pk: 'item-invalid', sk: 'B', n: 1 });
  });

  it('applies a transaction once per ClientRequestToken, as DynamoDB does: a retry after a lost answer succeeds without applying it again', async () => {
    const once = (token: string, n: number) =>
      raw.send(
        new TransactWriteItemsCommand({
          ClientRequestToken: token,
          TransactItems: [
            {
              Put: {
                TableName: TABLE,
                Item: { pk: { S: 'token-once' }, sk: { S: 'A' }, n: { N: String(n) } },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: TABLE,
                Key: { pk: { S: 'token-once' }, sk: { S: 'count' } },
                UpdateExpression: 'ADD applied :one',
                ExpressionAttributeValues: { ':one': { N: '1' } },
              },
            },
          ],
        }),
      );
    await once('retry-of-one-call', 1);
    await once('retry-of-one-call', 1);
    expect(await get('token-once', 'count')).toEqual({ pk: 'token-once', sk: 'count', applied: 1 });
    // The same token with other parameters is refused; another token is a new transaction (whose condition fails).
    await expect(once('retry-of-one-call', 2)).rejects.toMatchObject({ name: 'IdempotentParameterMismatchException' });
    const reasons = (await cancellation(once('another-call', 1))).CancellationReasons?.map((r) => r.Code);
    expect(reasons).toEqual(['ConditionalCheckFailed', 'None']);
    expect(await get('token-once', 'count')).toEqual({ pk: 'token-once', sk: 'count', applied: 1 });
  });

  it('lets the SDK retry a transaction whose answer was lost (the SDK keeps its own token across retries)', async () => {
    const lossy = clients(db.url);
    let lost = 0;
    // The first answer of each call is dropped after the proxy applied it, as a network timeout would.
    lossy.raw.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        if (lost++ % 2 === 0) throw Object.assign(new Error('answer lost'), { name: 'TimeoutError' });
        return result;
      },
      { step: 'finalizeRequest', priority: 'low', name: 'loseFirstAnswer' },
    );
    try {
      await lossy.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: 'lost-answer', sk: 'A' }, ConditionExpression: 'attribute_not_exists(pk)' } },
            {
              Update: {
                TableName: TABLE,
                Key: { pk: 'lost-answer', sk: 'count' },
                UpdateExpression: 'ADD applied :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );
      expect(lost).toBe(2);
      expect(await get('lost-answer', 'count')).toEqual({ pk: 'lost-answer', sk: 'count', applied: 1 });
    } finally {
      lossy.raw.destroy();
    }
  });

  it('still serves the plain operations through the proxy', async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'plain', sk: 'A', n: 1 } }));
    await doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'plain', sk: 'B', n: 2 } }));
    expect(await get('plain', 'A')).toEqual({ pk: 'plain', sk: 'A', n: 1 });
    const { Items } = await doc.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'plain' } }),
    );
    expect(Items?.map((i) => i.n)).toEqual([1, 2]);
    const health = await fetch(db.url);
    expect(health.status).toBe(200);
    expect(await health.text()).toMatch(/^healthy/);
  });
});

describe('local DynamoDB persistence', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'local-dynamodb-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data in dataDir across a restart', async () => {
    const first = await startLocalDynamoDb({ dataDir });
    const a = clients(first.url);
    await createTable(a.raw);
    await a.doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: TABLE, Item: { pk: 'kept', sk: 'A', v: 'yes' } } }] }));
    a.raw.destroy();
    await first.close();

    const second = await startLocalDynamoDb({ dataDir });
    const b = clients(second.url);
    try {
      const { Item } = await b.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'kept', sk: 'A' } }));
      expect(Item).toEqual({ pk: 'kept', sk: 'A', v: 'yes' });
    } finally {
      b.raw.destroy();
      await second.close();
    }
  });

  it('puts back a transaction a crash cut short, when it starts on that dataDir again; a finished one leaves no journal', async () => {
    const first = await startLocalDynamoDb({ dataDir });
    const a = clients(first.url);
    await a.doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'crash', sk: 'A', v: 'before' } }));
    await a.doc.send(new TransactWriteCommand({ TransactItems: [{ Put: { TableName: TABLE, Item: { pk: 'crash', sk: 'C', v: 'committed' } } }] }));
    await expect(access(path.join(dataDir, JOURNAL_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    // A transaction half applied when the process died: A changed and B added straight into dynalite,
    // with the undo images the proxy writes before it applies anything.
    const direct = clients(first.dynaliteUrl);
    await direct.doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'crash', sk: 'A', v: 'half applied' } }));
    await direct.doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'crash', sk: 'B', v: 'half applied' } }));
    await writeFile(
      path.join(dataDir, JOURNAL_FILE),
      JSON.stringify([
        { tableName: TABLE, key: { pk: { S: 'crash' }, sk: { S: 'A' } }, before: { pk: { S: 'crash' }, sk: { S: 'A' }, v: { S: 'before' } } },
        { tableName: TABLE, key: { pk: { S: 'crash' }, sk: { S: 'B' } } },
      ]),
    );
    direct.raw.destroy();
    a.raw.destroy();
    await first.close();

    const second = await startLocalDynamoDb({ dataDir });
    const b = clients(second.url);
    try {
      const { Items } = await b.doc.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'crash' },
          ConsistentRead: true,
        }),
      );
      expect(Items).toEqual([
        { pk: 'crash', sk: 'A', v: 'before' },
        { pk: 'crash', sk: 'C', v: 'committed' },
      ]);
      await expect(access(path.join(dataDir, JOURNAL_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      b.raw.destroy();
      await second.close();
    }
  });
});
