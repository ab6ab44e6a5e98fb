import { describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { MonitoringRun } from '../../../functions/store/records.ts';
import { AT, TABLE, conditionFailed, mockedStore } from './mock-table.ts';

const { ddb, store } = mockedStore();
const runKey = { pk: 'MONITORING_RUN', sk: '2026-11-23' };
const completed: MonitoringRun = {
  date: '2026-11-23',
  status: 'COMPLETED',
  startedAt: AT,
  finishedAt: AT,
  checks: [{ check: 'reviews', title: 'Reviews', status: 'OK', count: 1, items: [{ kind: 'OVERDUE', id: 'SVC-1', summary: 'Overdue' }] }],
  counts: { reviews: 1 },
  itemsRead: 3,
  digest: { to: 'security@justice.gov.uk', subject: 'Digest', sentAt: AT },
};

describe('Method: claimRun', () => {
  const claim = {
    TableName: TABLE,
    Item: { ...runKey, entity: 'MONITORING_RUN', date: '2026-11-23', status: 'RUNNING', startedAt: AT },
    ConditionExpression: 'attribute_not_exists(pk) OR (#status = :running AND startedAt < :stale)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':running': 'RUNNING', ':stale': '2026-11-23T09:45:00.000Z' },
  };

  it("claims the date's run when none exists, or when the one running is stale", async () => {
    ddb.on(PutCommand).resolves({});
    expect(await store.monitoringRuns.claimRun('2026-11-23', AT, '2026-11-23T09:45:00.000Z')).toEqual({ claimed: true });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, claim);
  });

  it('answers the run that holds the date when the claim fails', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: { ...runKey, entity: 'MONITORING_RUN', ...completed } });
    expect(await store.monitoringRuns.claimRun('2026-11-23', AT, '2026-11-23T09:45:00.000Z')).toEqual({ claimed: false, existing: completed });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, { TableName: TABLE, Key: runKey, ConsistentRead: true });
  });
});

describe('Method: completeRun', () => {
  it('puts the finished run over its claim', async () => {
    ddb.on(PutCommand).resolves({});
    await store.monitoringRuns.completeRun(completed);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, { TableName: TABLE, Item: { ...runKey, entity: 'MONITORING_RUN', ...completed } });
  });
});

describe('Method: recentRuns', () => {
  it('reads the latest runs, newest first, without their keys', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ ...runKey, entity: 'MONITORING_RUN', ...completed }] });
    expect(await store.monitoringRuns.recentRuns(5)).toEqual([completed]);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: TABLE,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'MONITORING_RUN' },
      ScanIndexForward: false,
      Limit: 5,
    });
  });
});
