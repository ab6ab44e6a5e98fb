import { describe, expect, it } from 'vitest';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { StaleState, TransactionConflict } from '../../../functions/store/errors.ts';
import type { DirectoryVersion } from '../../../functions/store/directory.ts';
import { loadApproverDirectory } from '../../../functions/platform/directory.ts';
import { AT, TABLE, cancelled, mockedStore, transactItems } from './mock-table.ts';

const { ddb, store } = mockedStore();
const currentKey = { pk: 'DIRECTORY', sk: 'CURRENT' };
const version = (changes: Partial<DirectoryVersion> = {}): DirectoryVersion => ({
  version: 1,
  directory: loadApproverDirectory(),
  changedBy: { kind: 'SYSTEM', name: 'offshore-approvals' },
  changedAt: AT,
  note: 'The first version',
  changes: [],
  ...changes,
});

describe('Method: current', () => {
  it('gets the current copy, strongly consistent, and parses it', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...currentKey, entity: 'DIRECTORY', ...version() } });
    expect(await store.directory.current()).toEqual(version());
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, { TableName: TABLE, Key: currentKey, ConsistentRead: true });
  });

  it('answers undefined before the first version is saved', async () => {
    ddb.on(GetCommand).resolves({});
    expect(await store.directory.current()).toBeUndefined();
  });
});

describe('Method: version', () => {
  it('gets one version by its number (what the request page names a round as chosen from)', async () => {
    ddb
      .on(GetCommand)
      .resolves({ Item: { pk: 'DIRECTORY', sk: 'VERSION#000003', entity: 'DIRECTORY_VERSION', ...version({ version: 3, basedOn: 2 }) } });
    expect(await store.directory.version(3)).toEqual(version({ version: 3, basedOn: 2 }));
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, {
      TableName: TABLE,
      Key: { pk: 'DIRECTORY', sk: 'VERSION#000003' },
      ConsistentRead: true,
    });
  });

  it('answers undefined for a version never saved', async () => {
    ddb.on(GetCommand).resolves({});
    expect(await store.directory.version(9)).toBeUndefined();
  });
});

describe('Method: history', () => {
  it('reads every version, newest first', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'DIRECTORY', sk: 'VERSION#000002', ...version({ version: 2, basedOn: 1 }) }] });
    expect(await store.directory.history()).toEqual([version({ version: 2, basedOn: 1 })]);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: TABLE,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
      ExpressionAttributeValues: { ':pk': 'DIRECTORY', ':version': 'VERSION#' },
      ScanIndexForward: false,
    });
  });
});

describe('Method: saveVersion', () => {
  it('writes the first version and the current copy only if neither exists', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await store.directory.saveVersion(version());
    const items = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(items).toEqual([
      {
        Put: {
          TableName: TABLE,
          Item: { pk: 'DIRECTORY', sk: 'VERSION#000001', entity: 'DIRECTORY_VERSION', ...version() },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Put: { TableName: TABLE, Item: { ...currentKey, entity: 'DIRECTORY', ...version() }, ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
  });

  it('replaces the current copy only while it is still the version the edit was made from; the version item is always new', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const next = version({ version: 4, basedOn: 3, note: 'New CISO', changes: [{ path: 'roles.CISO.name', from: 'A', to: 'B' }] });
    await store.directory.saveVersion(next);
    const [versionPut, currentPut] = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(versionPut!.Put).toMatchObject({ Item: { sk: 'VERSION#000004', version: 4 }, ConditionExpression: 'attribute_not_exists(pk)' });
    expect(currentPut!.Put).toEqual({
      TableName: TABLE,
      Item: { ...currentKey, entity: 'DIRECTORY', ...next },
      ConditionExpression: '#version = :basedOn',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':basedOn': 3 },
    });
  });

  it('throws StaleState when another version was saved first', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    await expect(store.directory.saveVersion(version({ version: 2, basedOn: 1 }))).rejects.toBeInstanceOf(StaleState);
  });

  it('throws TransactionConflict (to retry) when only a concurrent transaction got in the way', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None'));
    await expect(store.directory.saveVersion(version({ version: 2, basedOn: 1 }))).rejects.toBeInstanceOf(TransactionConflict);
  });
});
