import { describe, expect, it } from 'vitest';
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { StaleState } from '../../../functions/store/errors.ts';
import { AT, TABLE, approvalRecord, auditEvent, cancelled, mockedStore, requestRecord, roundRecord, transactItems } from './mock-table.ts';

/**
 * Each approval round's request content is its own item (Offshoring Policy, Process 2: approvals
 * "obtained and documented"), written only in the transaction that starts the round, and only if
 * no item for that round exists: no later write can overwrite what an earlier round decided on.
 */
const { ddb, store } = mockedStore();

const roundPut = (round = roundRecord()) => ({
  Put: {
    TableName: TABLE,
    Item: { pk: 'REQUEST#OFF-1', sk: `ROUND#${String(round.round).padStart(3, '0')}`, entity: 'ROUND', ...round },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

describe('Method: createRequest', () => {
  it("puts round 1's request content in the submission's transaction, only if it is new", async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await store.createRequest(requestRecord({ round: 1, version: 0 }), [approvalRecord({ round: 1 })], [auditEvent()], roundRecord());

    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const items = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(items).toHaveLength(4);
    expect(items.at(-1)).toEqual(roundPut());
  });
});

describe('directoryVersion: the approver directory version a round was routed by', () => {
  it("is written on round 1's item and on the request item at submission", async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const round1 = roundRecord({ directoryVersion: 3 });
    await store.createRequest(requestRecord({ round: 1, version: 0, directoryVersion: 3 }), [approvalRecord({ round: 1 })], [auditEvent()], round1);

    const items = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(items.at(-1)).toEqual(roundPut(round1));
    expect(items.at(-1)!.Put!.Item!.directoryVersion).toBe(3);
    expect(items.find((item) => item.Put?.Item?.sk === 'REQUEST')!.Put!.Item!.directoryVersion).toBe(3);
  });

  it("is set on the request item by the transaction that starts the next round, beside that round's own item", async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const round2 = roundRecord({ round: 2, start: 'RESUBMITTED', directoryVersion: 4 });
    await store.transition(
      requestRecord({ status: 'REJECTED', round: 1, version: 4, directoryVersion: 3 }),
      'ADJUST_PLANS',
      {
        at: AT,
        set: { round: 2, directoryVersion: 4 },
      },
      auditEvent(),
      { add: [approvalRecord()], round: round2 },
    );

    const items = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(items.at(-1)!.Put!.Item!.directoryVersion).toBe(4);
    const update = items.find((item) => item.Update?.Key?.sk === 'REQUEST')!.Update!;
    expect(Object.values(update.ExpressionAttributeNames ?? {})).toContain('directoryVersion');
    expect(Object.values(update.ExpressionAttributeValues ?? {})).toContain(4);
  });

  it('reads round items with it, and those stored before it was recorded without it', async () => {
    const before = roundRecord();
    const after = roundRecord({ round: 2, start: 'RESUBMITTED', directoryVersion: 4 });
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: 'REQUEST#OFF-1', sk: 'REQUEST', entity: 'REQUEST', ...requestRecord({ round: 2, directoryVersion: 4 }) },
        roundPut(before).Put.Item,
        roundPut(after).Put.Item,
      ],
    });
    const view = await store.getRequestView('OFF-1');
    expect(view?.rounds.map((r) => r.directoryVersion)).toEqual([undefined, 4]);
    expect(view?.request.directoryVersion).toBe(4);
  });
});

describe('Method: transition', () => {
  const rejected = requestRecord({ status: 'REJECTED', round: 1, version: 4 });

  it("puts the new round's request content in the transaction that starts it, only if it is new, and never updates an earlier one", async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const round2 = roundRecord({ round: 2, start: 'RESUBMITTED', request: { ...roundRecord().request, supplierName: 'Another supplier' } });
    await store.transition(rejected, 'ADJUST_PLANS', { at: AT }, auditEvent(), { add: [approvalRecord()], round: round2 });

    const items = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(items.at(-1)).toEqual(roundPut(round2));
    // Nothing in the transaction touches another round's item.
    const roundWrites = items.filter((item) => JSON.stringify(item).includes('"ROUND#'));
    expect(roundWrites).toEqual([roundPut(round2)]);
    expect(items.some((item) => item.Update?.Key?.sk?.toString().startsWith('ROUND#'))).toBe(false);
  });

  it('writes no round item for a change of status that starts no round', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await store.transition(requestRecord(), 'WITHDRAW', { at: AT }, auditEvent());
    const items = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(items.filter((item) => JSON.stringify(item).includes('"ROUND#'))).toEqual([]);
  });

  it('says StaleState, and starts no round, when that round already has its item', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'None', 'ConditionalCheckFailed'));
    const attempt = store.transition(rejected, 'ADJUST_PLANS', { at: AT }, auditEvent(), {
      add: [approvalRecord()],
      round: roundRecord({ round: 2 }),
    });
    await expect(attempt).rejects.toBeInstanceOf(StaleState);
  });
});

describe('Method: getRequestView', () => {
  it("reads every round's item from the request's partition, oldest first, beside the approvals and the trail", async () => {
    const round1 = roundRecord();
    const round2 = roundRecord({ round: 2, start: 'MITIGATIONS_PROVIDED', request: { ...round1.request, mitigations: ['Encrypted at rest'] } });
    ddb.on(QueryCommand).resolves({
      Items: [
        { pk: 'REQUEST#OFF-1', sk: 'APPROVAL#001#APR-1', entity: 'APPROVAL', ...approvalRecord({ round: 1 }) },
        { pk: 'REQUEST#OFF-1', sk: 'REQUEST', entity: 'REQUEST', ...requestRecord({ round: 2 }) },
        roundPut(round1).Put.Item,
        roundPut(round2).Put.Item,
      ],
    });
    const view = await store.getRequestView('OFF-1');
    expect(view?.rounds).toEqual([round1, round2]);
    expect(view?.approvals.map((a) => a.round)).toEqual([1]);
    expect(view?.request.round).toBe(2);
  });

  it('reads a request stored without round items as having none', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ pk: 'REQUEST#OFF-1', sk: 'REQUEST', entity: 'REQUEST', ...requestRecord() }] });
    expect((await store.getRequestView('OFF-1'))?.rounds).toEqual([]);
  });
});
