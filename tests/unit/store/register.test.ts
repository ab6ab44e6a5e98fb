import { describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StaleState } from '../../../functions/store/errors.ts';
import { AT, TABLE, auditEvent, cancelled, conditionFailed, mockedStore, registerEntry, transactItems } from './mock-table.ts';

const { ddb, store } = mockedStore();
const entryKey = { pk: 'SERVICE#SVC-1', sk: 'SERVICE' };
const entryItem = (entry = registerEntry()) => ({
  ...entryKey,
  gsi1pk: 'SERVICE',
  gsi1sk: `${entry.serviceName.toLowerCase()}#${entry.serviceId}`,
  gsi3pk: 'REVIEW_DUE',
  gsi3sk: `${entry.reviewDue}#${entry.serviceId}`,
  // An approved entry is listed by the year it was approved in (the governance report).
  ...(entry.approvedAt ? { gsi2pk: `APPROVED_IN#${entry.approvedAt.slice(0, 4)}`, gsi2sk: `${entry.approvedAt}#${entry.serviceId}` } : {}),
  entity: 'SERVICE',
  ...entry,
});

describe('Method: getEntry', () => {
  it('gets the entry, strongly consistent, and parses it', async () => {
    ddb.on(GetCommand).resolves({ Item: entryItem() });
    expect(await store.register.getEntry('SVC-1')).toEqual(registerEntry());
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, { TableName: TABLE, Key: entryKey, ConsistentRead: true });
  });
});

describe('Method: listEntries', () => {
  it('reads the register index by name, page after page', async () => {
    const lastKey = { ...entryKey, gsi1pk: 'SERVICE', gsi1sk: 'court hearing transcription#SVC-1' };
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [entryItem()], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [entryItem(registerEntry({ serviceId: 'SVC-2' }))] });
    expect((await store.register.listEntries()).map((e) => e.serviceId)).toEqual(['SVC-1', 'SVC-2']);
    const query = { TableName: TABLE, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': 'SERVICE' } };
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([query, { ...query, ExclusiveStartKey: lastKey }]);
  });
});

describe('Method: history', () => {
  it('reads every version beside the entry, each with why it was written', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [{ pk: 'SERVICE#SVC-1', sk: 'VERSION#0001', entity: 'SERVICE_VERSION', reason: 'Approved', ...registerEntry({ version: 1 }) }],
    });
    expect(await store.register.history('SVC-1')).toEqual([{ ...registerEntry({ version: 1 }), reason: 'Approved' }]);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: TABLE,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
      ExpressionAttributeValues: { ':pk': 'SERVICE#SVC-1', ':version': 'VERSION#' },
    });
  });
});

describe('Method: dueForReview', () => {
  it('reads only the entries due by then, from the sparse index, counting the items read', async () => {
    ddb.on(QueryCommand).resolves({ Items: [entryItem()], ScannedCount: 1 });
    expect(await store.register.dueForReview('2027-06-22#\uffff')).toEqual({ entries: [registerEntry()], itemsRead: 1 });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: TABLE,
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk <= :upTo',
      ExpressionAttributeValues: { ':pk': 'REVIEW_DUE', ':upTo': '2027-06-22#\uffff' },
    });
  });
});

describe('Method: reviewActionsDueBefore', () => {
  it('reads only the services with a review action due before the date, from the sparse index', async () => {
    const services = [{ serviceId: 'SVC-1', serviceName: 'Court hearing transcription', actions: [{ what: 'Access review', dueBy: '2027-01-31' }] }];
    ddb
      .on(QueryCommand)
      .resolves({ Items: [{ pk: 'SERVICE#SVC-1', sk: 'REVIEW_ACTIONS', entity: 'REVIEW_ACTIONS', ...services[0] }], ScannedCount: 1 });
    expect(await store.register.reviewActionsDueBefore('2027-02-01')).toEqual({ services, itemsRead: 1 });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: TABLE,
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :date',
      ExpressionAttributeValues: { ':pk': 'REVIEW_ACTION_DUE', ':date': '2027-02-01' },
    });
  });
});

describe('Method: putRegisterVersion', () => {
  const versionPut = (entry = registerEntry(), reason = 'Approved request OFF-1 round 1') => ({
    Put: {
      TableName: TABLE,
      Item: { pk: 'SERVICE#SVC-1', sk: `VERSION#000${entry.version}`, entity: 'SERVICE_VERSION', reason, ...entry },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });

  it('writes a new version and the entry, with the audit event of the approval, all at once', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await store.register.putRegisterVersion(registerEntry(), {
      reason: 'Approved request OFF-1 round 1',
      audit: { requestId: 'OFF-1', event: auditEvent() },
    });
    expect(transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input)).toEqual([
      versionPut(),
      { Put: { TableName: TABLE, Item: entryItem() } },
      {
        Put: {
          TableName: TABLE,
          Item: { pk: 'REQUEST#OFF-1', sk: `AUDIT#${AT}#EVT-1`, entity: 'AUDIT', requestId: 'OFF-1', ...auditEvent() },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  });

  it('replaces the entry only while it still holds the version read (a review)', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const next = registerEntry({ version: 3, reviewDue: '2027-11-23' });
    await store.register.putRegisterVersion(next, { reason: 'Reviewed', replaces: 2 });
    expect(transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input)).toEqual([
      versionPut(next, 'Reviewed'),
      {
        Put: {
          TableName: TABLE,
          Item: entryItem(next),
          ConditionExpression: '#version = :seenVersion',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':seenVersion': 2 },
        },
      },
    ]);
  });

  it("puts a review's open actions in the due index by the earliest date, and takes them out when a review closes them", async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const actions = [
      { what: 'Renew the certificate', dueBy: '2027-03-01' },
      { what: 'Access review', dueBy: '2027-01-31' },
    ];
    const review = { outcome: 'ACTIONS_NEEDED' as const, notes: 'Late', actions, reviewedBy: 'sam@justice.gov.uk', reviewedAt: AT };
    const next = registerEntry({ version: 3, reviewActions: actions });
    await store.register.putRegisterVersion(next, { reason: 'Reviewed', replaces: 2, review });
    const [version, , marker] = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input) as {
      Put: { Item: Record<string, unknown> };
    }[];
    expect(version!.Put.Item).toMatchObject({ sk: 'VERSION#0003', review });
    expect(marker!.Put.Item).toEqual({
      pk: 'SERVICE#SVC-1',
      sk: 'REVIEW_ACTIONS',
      gsi3pk: 'REVIEW_ACTION_DUE',
      gsi3sk: '2027-01-31#SVC-1',
      entity: 'REVIEW_ACTIONS',
      serviceId: 'SVC-1',
      serviceName: next.serviceName,
      actions,
    });

    ddb.resetHistory();
    const closed = registerEntry({ version: 4 });
    await store.register.putRegisterVersion(closed, {
      reason: 'Reviewed',
      replaces: 3,
      review: { ...review, outcome: 'SATISFACTORY', actions: undefined },
    });
    const [, , emptied] = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input) as { Put: { Item: Record<string, unknown> } }[];
    expect(emptied!.Put.Item).toEqual({
      pk: 'SERVICE#SVC-1',
      sk: 'REVIEW_ACTIONS',
      entity: 'REVIEW_ACTIONS',
      serviceId: 'SVC-1',
      serviceName: next.serviceName,
      actions: [],
    });
  });

  it('says StaleState when the version exists or another review moved the entry first', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
    await expect(store.register.putRegisterVersion(registerEntry(), { reason: 'Reviewed', replaces: 1 })).rejects.toBeInstanceOf(StaleState);
  });
});

describe('Method: recordReviewReminder', () => {
  it('notes the review date the owner was told about, only if the entry is unchanged', async () => {
    ddb.on(UpdateCommand).resolves({});
    await store.register.recordReviewReminder(registerEntry());
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, {
      TableName: TABLE,
      Key: entryKey,
      UpdateExpression: 'SET #dueSoonNotifiedFor = :dueSoonNotifiedFor',
      ConditionExpression: '#version = :seenVersion',
      ExpressionAttributeNames: { '#version': 'version', '#dueSoonNotifiedFor': 'dueSoonNotifiedFor' },
      ExpressionAttributeValues: { ':dueSoonNotifiedFor': '2027-05-23', ':seenVersion': 2 },
    });
  });

  it('says StaleState when the entry changed', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    await expect(store.register.recordReviewReminder(registerEntry())).rejects.toBeInstanceOf(StaleState);
  });
});

describe('Method: keyApprovalYears', () => {
  it('gives each approved entry stored without it its approval-year key, leaves one that changed meanwhile, and notes it is done', async () => {
    const older = (id: string, approvedAt?: string) => {
      const { gsi2pk: _pk, gsi2sk: _sk, ...item } = { gsi2pk: undefined, gsi2sk: undefined, ...entryItem(registerEntry({ serviceId: id })) };
      return { ...item, pk: `SERVICE#${id}`, serviceId: id, approvedAt };
    };
    ddb.on(GetCommand).resolves({});
    ddb.on(QueryCommand).resolves({
      Items: [older('SVC-1', '2024-05-01T10:00:00.000Z'), older('SVC-2', '2025-02-01T10:00:00.000Z'), older('SVC-3'), entryItem()],
      ScannedCount: 4,
    });
    ddb.on(UpdateCommand, { Key: { pk: 'SERVICE#SVC-2', sk: 'SERVICE' } }).rejects(conditionFailed());
    ddb.on(PutCommand).resolves({});
    expect(await store.register.keyApprovalYears()).toEqual({ updated: 1, itemsRead: 5 });
    const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates.map((u) => u.Key!.pk)).toEqual(['SERVICE#SVC-1', 'SERVICE#SVC-2']);
    expect(updates[0]).toMatchObject({
      ConditionExpression: '#version = :seenVersion',
      ExpressionAttributeValues: { ':gsi2pk': 'APPROVED_IN#2024', ':gsi2sk': '2024-05-01T10:00:00.000Z#SVC-1', ':seenVersion': 2 },
    });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'REGISTER', sk: 'APPROVAL_YEARS_KEYED' }),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('reads nothing more once it is done', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'REGISTER', sk: 'APPROVAL_YEARS_KEYED' } });
    expect(await store.register.keyApprovalYears()).toEqual({ updated: 0, itemsRead: 1 });
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
  });
});
