import { describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ZodError } from 'zod';
import { StaleState, TransactionConflict } from '../../../functions/store/errors.ts';
import { TransitionRefused } from '../../../functions/domain/lifecycle.ts';
import { InvalidPageToken, pageToken } from '../../../functions/store/paging.ts';
import {
  AT,
  TABLE,
  approvalRecord,
  auditEvent,
  cancelled,
  conditionFailed,
  linkRecord,
  mockedStore,
  requestRecord,
  roundRecord,
  transactItems,
} from './mock-table.ts';

const { ddb, store } = mockedStore();

const auditPut = (requestId: string, event = auditEvent()) => ({
  Put: {
    TableName: TABLE,
    Item: { pk: `REQUEST#${requestId}`, sk: `AUDIT#${event.at}#${event.eventId}`, entity: 'AUDIT', requestId, ...event },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});
const approvalKey = { pk: 'REQUEST#OFF-1', sk: 'APPROVAL#002#APR-1' };
const stillPending = { ConditionExpression: '#status = :pending' };

describe('Method: createRequest', () => {
  it('puts the request, its approvals and its audit events in one transaction, each only if new', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const record = requestRecord({ round: 1, version: 0 });
    const endorsement = approvalRecord({
      approvalId: 'APR-2',
      kind: 'ENDORSEMENT',
      role: 'DEPARTMENTAL_HEAD',
      reminderAt: undefined,
      chaseAt: undefined,
    });
    await store.createRequest(record, [approvalRecord(), endorsement], [auditEvent()], roundRecord());

    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const [request, approval, endorsed, audit] = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(request).toEqual({
      Put: {
        TableName: TABLE,
        Item: {
          pk: 'REQUEST#OFF-1',
          sk: 'REQUEST',
          gsi2pk: 'OWNER#priya.shah@justice.gov.uk',
          gsi2sk: AT,
          gsi3pk: 'OPEN_REQUEST',
          gsi3sk: `${AT}#OFF-1`,
          entity: 'REQUEST',
          ...record,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    // A waiting approval is in the chase index from its reminder time; an endorsement from its deadline.
    expect(approval).toEqual({
      Put: {
        TableName: TABLE,
        Item: {
          ...approvalKey,
          gsi1pk: 'APPROVAL#APR-1',
          gsi1sk: 'APPROVAL',
          gsi3pk: 'CHASE_DUE',
          gsi3sk: '2026-11-30T10:00:00.000Z#APR-1',
          entity: 'APPROVAL',
          ...approvalRecord(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    expect(endorsed!.Put!.Item).toMatchObject({ gsi3pk: 'CHASE_DUE', gsi3sk: '2026-12-21T10:00:00.000Z#APR-2' });
    expect(audit).toEqual(auditPut('OFF-1'));
  });

  it('says StaleState when any of the items already exists', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    await expect(store.createRequest(requestRecord(), [], [auditEvent()], roundRecord())).rejects.toBeInstanceOf(StaleState);
  });
});

describe('Method: getRequest', () => {
  it('gets the request item, strongly consistent, and parses it', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'REQUEST#OFF-1', sk: 'REQUEST', gsi2pk: 'OWNER#x', entity: 'REQUEST', ...requestRecord() } });
    expect(await store.getRequest('OFF-1')).toEqual(requestRecord());
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, {
      TableName: TABLE,
      Key: { pk: 'REQUEST#OFF-1', sk: 'REQUEST' },
      ConsistentRead: true,
    });
  });

  it('answers undefined for an unknown request', async () => {
    ddb.on(GetCommand).resolves({});
    expect(await store.getRequest('OFF-2')).toBeUndefined();
  });

  it('refuses an item that is not a request', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...requestRecord(), status: 'SOMEWHERE_ELSE' } });
    await expect(store.getRequest('OFF-1')).rejects.toBeInstanceOf(ZodError);
  });
});

describe('Method: getRequestView', () => {
  it("queries the request's partition page after page and tells the items apart by sort key", async () => {
    const approval = { ...approvalKey, entity: 'APPROVAL', taskToken: 'secret', ...approvalRecord() };
    const audit = auditPut('OFF-1').Put.Item;
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [approval], LastEvaluatedKey: approvalKey })
      .resolvesOnce({ Items: [audit, { pk: 'REQUEST#OFF-1', sk: 'REQUEST', ...requestRecord() }] });

    const view = await store.getRequestView('OFF-1');
    expect(view).toEqual({ request: requestRecord(), approvals: [{ ...approvalRecord(), taskToken: 'secret' }], audit: [auditEvent()], rounds: [] });
    const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    const query = {
      TableName: TABLE,
      ConsistentRead: true,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'REQUEST#OFF-1' },
    };
    expect(queries).toEqual([query, { ...query, ExclusiveStartKey: approvalKey }]);
  });

  it('answers undefined when the partition holds no request', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    expect(await store.getRequestView('OFF-9')).toBeUndefined();
  });
});

describe('Method: listByOwner', () => {
  const lastKey = { pk: 'REQUEST#OFF-1', sk: 'REQUEST', gsi2pk: 'OWNER#priya.shah@justice.gov.uk', gsi2sk: AT };

  it("reads a page of the owner's index, newest first, and hands back where the next page starts", async () => {
    ddb.on(QueryCommand).resolves({ Items: [requestRecord()], LastEvaluatedKey: lastKey });
    const page = await store.listByOwner('Priya.Shah@justice.gov.uk', 10);
    expect(page).toEqual({ requests: [requestRecord()], next: pageToken(lastKey) });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: TABLE,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': 'OWNER#priya.shah@justice.gov.uk' },
      ScanIndexForward: false,
      Limit: 10,
    });
  });

  it("starts the next page at the token's key", async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    expect(await store.listByOwner('priya.shah@justice.gov.uk', 10, pageToken(lastKey))).toEqual({ requests: [] });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ExclusiveStartKey: lastKey });
  });

  it("refuses another owner's token without reading the table", async () => {
    await expect(store.listByOwner('someone.else@justice.gov.uk', 10, pageToken(lastKey))).rejects.toBeInstanceOf(InvalidPageToken);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 0);
  });
});

describe('Method: openRequests', () => {
  it('reads every page of the open requests in the sparse index, counting the items read', async () => {
    const lastKey = { pk: 'REQUEST#OFF-1', sk: 'REQUEST', gsi3pk: 'OPEN_REQUEST', gsi3sk: `${AT}#OFF-1` };
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [requestRecord()], ScannedCount: 1, LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [requestRecord({ requestId: 'OFF-2' })], ScannedCount: 1 });
    const { requests, itemsRead } = await store.openRequests();
    expect(requests.map((r) => r.requestId)).toEqual(['OFF-1', 'OFF-2']);
    expect(itemsRead).toBe(2);
    const query = {
      TableName: TABLE,
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk',
      ExpressionAttributeValues: { ':pk': 'OPEN_REQUEST' },
    };
    expect(ddb.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([query, { ...query, ExclusiveStartKey: lastKey }]);
  });
});

describe('Method: recordServiceOwnerSubject', () => {
  const update = {
    TableName: TABLE,
    Key: { pk: 'REQUEST#OFF-1', sk: 'REQUEST' },
    UpdateExpression: 'SET #serviceOwnerSubject = :serviceOwnerSubject',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(serviceOwnerSubject)',
    ExpressionAttributeNames: { '#serviceOwnerSubject': 'serviceOwnerSubject' },
    ExpressionAttributeValues: { ':serviceOwnerSubject': 'idp-1' },
  };

  it('records the subject only on an existing request that has none', async () => {
    ddb.on(UpdateCommand).resolves({});
    expect(await store.recordServiceOwnerSubject('OFF-1', 'idp-1')).toBe(true);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(UpdateCommand, update);
  });

  it('answers false when a subject was recorded first', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    expect(await store.recordServiceOwnerSubject('OFF-1', 'idp-1')).toBe(false);
  });
});

describe('Method: appendAudit', () => {
  it('puts the event under its time and id, never over another', async () => {
    ddb.on(PutCommand).resolves({});
    const emailSent = auditEvent({
      type: 'EMAIL_SENT',
      details: { key: 'APPROVED:2', to: ['priya.shah@justice.gov.uk'], cc: [], subject: 'Approved', messageId: 'MSG-1' },
    });
    await store.appendAudit('OFF-1', emailSent);
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(PutCommand, auditPut('OFF-1', emailSent).Put);
  });

  it('is done when the event is already there: a retry whose earlier try was written, its answer lost', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    const emailSent = auditEvent({
      type: 'EMAIL_SENT',
      details: { key: 'REQUEST:APR-1', to: ['siro@hmcts.justice.local'], cc: [], subject: 'Approval needed', messageId: 'MSG-2' },
    });
    await expect(store.appendAudit('OFF-1', emailSent)).resolves.toBeUndefined();
  });
});

describe('Method: closeWaitingApprovals', () => {
  it('closes each approval still waiting on its own, leaving one decided meanwhile as decided, and answers those it closed', async () => {
    const [first, second] = [approvalRecord({ approvalId: 'APR-1' }), approvalRecord({ approvalId: 'APR-2' })];
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    expect((await store.closeWaitingApprovals([first, second], AT)).map((a) => a.approvalId)).toEqual(['APR-1']);
    const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates.map((u) => u.Key)).toEqual([
      { pk: 'REQUEST#OFF-1', sk: `APPROVAL#${String(first.round).padStart(3, '0')}#APR-1` },
      { pk: 'REQUEST#OFF-1', sk: `APPROVAL#${String(second.round).padStart(3, '0')}#APR-2` },
    ]);
    for (const update of updates) {
      expect(update.ConditionExpression).toBe('#status = :pending');
      expect(update.ExpressionAttributeValues).toMatchObject({ ':pending': 'PENDING', ':status': 'CLOSED', ':decidedAt': AT });
    }
  });
});

describe('Method: transition', () => {
  const record = requestRecord({ status: 'REJECTED', version: 3 });
  const requestUpdate = (transaction: number) => transactItems(ddb.commandCalls(TransactWriteCommand)[transaction]!.args[0].input)[0]!.Update!;

  it("moves the request along the lifecycle's row, only if it is still as read (status and version), bumping the version, with the audit event", async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const escalation = { businessArea: 'HMCTS', caseForApproval: 'why', at: AT };
    const moved = await store.transition(record, 'ESCALATE_TO_DEPARTMENTAL_HEAD', { reason: 'Escalated', at: AT, set: { escalation } }, auditEvent());
    expect(moved).toEqual({ requestId: 'OFF-1', status: 'ESCALATED', version: 4 });
    const [update, audit, ...rest] = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(update).toEqual({
      Update: {
        TableName: TABLE,
        Key: { pk: 'REQUEST#OFF-1', sk: 'REQUEST' },
        UpdateExpression:
          'SET #status = :status, #updatedAt = :updatedAt, #escalation = :escalation, #statusReason = :statusReason ADD #version :version',
        ConditionExpression: '#version = :seenVersion AND #status = :seenStatus',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#updatedAt': 'updatedAt',
          '#escalation': 'escalation',
          '#statusReason': 'statusReason',
          '#version': 'version',
        },
        ExpressionAttributeValues: {
          ':status': 'ESCALATED',
          ':updatedAt': AT,
          ':escalation': escalation,
          ':statusReason': 'Escalated',
          ':version': 1,
          ':seenVersion': 3,
          ':seenStatus': 'REJECTED',
        },
      },
    });
    expect(audit).toEqual(auditPut('OFF-1'));
    expect(rest).toEqual([]);
  });

  it('takes a request that is no longer open out of the monitoring index, and removes fields set to undefined', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await store.transition(record, 'WITHDRAW', { at: AT, set: { escalation: undefined } }, auditEvent());
    expect(requestUpdate(0).UpdateExpression).toBe(
      'SET #status = :status, #updatedAt = :updatedAt REMOVE #escalation, #gsi3pk, #gsi3sk ADD #version :version',
    );
  });

  it('keeps a request that is still open in the monitoring index', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await store.transition(record, 'ADJUST_PLANS', { at: AT }, auditEvent());
    expect(requestUpdate(0).UpdateExpression).toBe('SET #status = :status, #updatedAt = :updatedAt ADD #version :version');
  });

  it('refuses an event the lifecycle has no row for in the current status, with a 409 saying the status, and writes nothing', async () => {
    const approved = requestRecord({ status: 'APPROVED' });
    const refusal = store.transition(approved, 'WITHDRAW', { at: AT }, auditEvent());
    await expect(refusal).rejects.toBeInstanceOf(TransitionRefused);
    await expect(refusal).rejects.toMatchObject({
      statusCode: 409,
      details: { requestId: 'OFF-1', status: 'APPROVED' },
      message: expect.stringContaining('is APPROVED'),
    });
    await expect(store.transition(record, 'ALL_APPROVED', { at: AT }, auditEvent())).rejects.toBeInstanceOf(TransitionRefused);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
  });

  it('closes, lapses and adds approvals and stores a link in the same transaction, each with its own condition', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const link = linkRecord({ approvalId: 'APR-3' });
    await store.transition(record, 'PROVIDE_MITIGATIONS', { at: AT }, auditEvent(), {
      close: [approvalRecord()],
      lapse: { approval: approvalRecord({ approvalId: 'APR-2' }), reason: 'no response in time' },
      add: [approvalRecord({ approvalId: 'APR-3', round: 3 })],
      link: { tokenHash: 'abc', link },
    });
    const [, , close, lapse, add, linkPut] = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(close).toEqual({
      Update: {
        TableName: TABLE,
        Key: approvalKey,
        UpdateExpression: 'SET #status = :status, #decidedAt = :decidedAt REMOVE #taskToken, #gsi3pk, #gsi3sk',
        ...stillPending,
        ExpressionAttributeNames: {
          '#status': 'status',
          '#decidedAt': 'decidedAt',
          '#taskToken': 'taskToken',
          '#gsi3pk': 'gsi3pk',
          '#gsi3sk': 'gsi3sk',
        },
        ExpressionAttributeValues: { ':status': 'CLOSED', ':decidedAt': AT, ':pending': 'PENDING' },
      },
    });
    expect(lapse).toEqual({
      Update: {
        TableName: TABLE,
        Key: { pk: 'REQUEST#OFF-1', sk: 'APPROVAL#002#APR-2' },
        UpdateExpression: 'SET #status = :status, #decidedAt = :decidedAt, #reason = :reason REMOVE #taskToken, #gsi3pk, #gsi3sk',
        ...stillPending,
        ExpressionAttributeNames: {
          '#status': 'status',
          '#decidedAt': 'decidedAt',
          '#reason': 'reason',
          '#taskToken': 'taskToken',
          '#gsi3pk': 'gsi3pk',
          '#gsi3sk': 'gsi3sk',
        },
        ExpressionAttributeValues: { ':status': 'LAPSED', ':decidedAt': AT, ':reason': 'no response in time', ':pending': 'PENDING' },
      },
    });
    expect(add!.Put).toMatchObject({
      Item: { pk: 'REQUEST#OFF-1', sk: 'APPROVAL#003#APR-3', status: 'PENDING' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(linkPut).toEqual({
      Put: { TableName: TABLE, Item: { pk: 'LINK#abc', sk: 'LINK', entity: 'LINK', ...link }, ConditionExpression: 'attribute_not_exists(pk)' },
    });
  });

  it('says StaleState when another change won (a failed condition), TransactionConflict when only a concurrent transaction was in the way', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None')).rejectsOnce(cancelled('None', 'TransactionConflict'));
    const move = () => store.transition(record, 'WITHDRAW', { at: AT }, auditEvent());
    await expect(move()).rejects.toBeInstanceOf(StaleState);
    await expect(move()).rejects.toBeInstanceOf(TransactionConflict);
  });
});

describe('Method: getApproval', () => {
  it('gets the approval item, strongly consistent, with its task token', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...approvalKey, gsi1pk: 'APPROVAL#APR-1', ...approvalRecord(), taskToken: 'tt' } });
    expect(await store.getApproval(approvalRecord())).toEqual({ ...approvalRecord(), taskToken: 'tt' });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, { TableName: TABLE, Key: approvalKey, ConsistentRead: true });
  });

  it('reads the chase times of an approval stored under their earlier names (escalateAt, escalatedAt) as chaseAt and chasedAt', async () => {
    const { chaseAt, ...stored } = approvalRecord();
    ddb
      .on(GetCommand)
      .resolves({ Item: { ...approvalKey, ...stored, escalateAt: chaseAt, remindedAt: AT, escalatedAt: '2026-12-07T10:00:01.000Z' } });
    const read = await store.getApproval(approvalRecord());
    expect(read).toEqual({ ...approvalRecord(), remindedAt: AT, chasedAt: '2026-12-07T10:00:01.000Z' });
    expect(read).not.toHaveProperty('escalateAt');
    expect(read).not.toHaveProperty('escalatedAt');
  });

  it('prefers the new names when an item holds both', async () => {
    ddb.on(GetCommand).resolves({
      Item: { ...approvalKey, ...approvalRecord(), chasedAt: AT, escalateAt: '2000-01-01T00:00:00.000Z', escalatedAt: '2000-01-01T00:00:00.000Z' },
    });
    expect(await store.getApproval(approvalRecord())).toEqual({ ...approvalRecord(), chasedAt: AT });
  });
});

describe('Method: chasesDueBy', () => {
  it('reads the waiting approvals whose next step was due by then, with when it was due', async () => {
    ddb
      .on(QueryCommand)
      .resolves({ Items: [{ ...approvalKey, gsi3pk: 'CHASE_DUE', gsi3sk: '2026-11-30T10:00:00.000Z#APR-1', ...approvalRecord() }], ScannedCount: 1 });
    expect(await store.chasesDueBy('2026-12-01T00:00:00.000Z')).toEqual({
      chases: [{ approval: approvalRecord(), dueAt: '2026-11-30T10:00:00.000Z' }],
      itemsRead: 1,
    });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(QueryCommand, {
      TableName: TABLE,
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk <= :upTo',
      ExpressionAttributeValues: { ':pk': 'CHASE_DUE', ':upTo': '2026-12-01T00:00:00.000Z' },
    });
  });
});

describe('Method: storeTaskToken', () => {
  it('stores the task token on a still-waiting approval and moves it in the chase index, with the stage link and audit event', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const link = linkRecord();
    await store.storeTaskToken(approvalRecord(), {
      taskToken: 'tt',
      nextStepDue: '2026-12-07T10:00:00.000Z',
      at: AT,
      stamp: 'remindedAt',
      link: { tokenHash: 'abc', link },
      audit: auditEvent(),
    });
    expect(transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input)).toEqual([
      {
        Update: {
          TableName: TABLE,
          Key: approvalKey,
          UpdateExpression: 'SET #taskToken = :taskToken, #gsi3pk = :gsi3pk, #gsi3sk = :gsi3sk, #remindedAt = :remindedAt',
          ...stillPending,
          ExpressionAttributeNames: {
            '#status': 'status',
            '#taskToken': 'taskToken',
            '#gsi3pk': 'gsi3pk',
            '#gsi3sk': 'gsi3sk',
            '#remindedAt': 'remindedAt',
          },
          ExpressionAttributeValues: {
            ':taskToken': 'tt',
            ':gsi3pk': 'CHASE_DUE',
            ':gsi3sk': '2026-12-07T10:00:00.000Z#APR-1',
            ':remindedAt': AT,
            ':pending': 'PENDING',
          },
        },
      },
      { Put: { TableName: TABLE, Item: { pk: 'LINK#abc', sk: 'LINK', entity: 'LINK', ...link }, ConditionExpression: 'attribute_not_exists(pk)' } },
      auditPut('OFF-1'),
    ]);
  });

  it('only takes the token when the stage was already recorded (no link, no event, no stamp)', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await store.storeTaskToken(approvalRecord(), { taskToken: 'tt', nextStepDue: '2026-12-07T10:00:00.000Z', at: AT });
    const items = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(items).toHaveLength(1);
    expect(items[0]!.Update!.UpdateExpression).toBe('SET #taskToken = :taskToken, #gsi3pk = :gsi3pk, #gsi3sk = :gsi3sk');
  });

  it('says StaleState when the approval no longer waits', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed'));
    await expect(store.storeTaskToken(approvalRecord(), { taskToken: 'tt', nextStepDue: AT, at: AT })).rejects.toBeInstanceOf(StaleState);
  });
});

describe('Method: recordDecision', () => {
  it('consumes the link (unused and still valid), decides the still-waiting approval and appends the evidence, all at once', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await store.recordDecision(approvalRecord(), { tokenHash: 'abc', status: 'REJECTED', reason: 'Too risky', at: AT }, auditEvent());
    expect(transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input)).toEqual([
      {
        Update: {
          TableName: TABLE,
          Key: { pk: 'LINK#abc', sk: 'LINK' },
          UpdateExpression: 'SET #usedAt = :usedAt',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND validUntil > :at',
          ExpressionAttributeNames: { '#usedAt': 'usedAt' },
          ExpressionAttributeValues: { ':usedAt': AT, ':at': AT },
        },
      },
      {
        Update: {
          TableName: TABLE,
          Key: approvalKey,
          // The task token stays: the workflow is resumed with it.
          UpdateExpression: 'SET #status = :status, #decidedAt = :decidedAt, #reason = :reason REMOVE #gsi3pk, #gsi3sk',
          ...stillPending,
          ExpressionAttributeNames: { '#status': 'status', '#decidedAt': 'decidedAt', '#reason': 'reason', '#gsi3pk': 'gsi3pk', '#gsi3sk': 'gsi3sk' },
          ExpressionAttributeValues: { ':status': 'REJECTED', ':decidedAt': AT, ':reason': 'Too risky', ':pending': 'PENDING' },
        },
      },
      auditPut('OFF-1'),
    ]);
  });

  it('records no reason when none was given', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await store.recordDecision(approvalRecord(), { tokenHash: 'abc', status: 'APPROVED', at: AT }, auditEvent());
    expect(transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input)[1]!.Update!.UpdateExpression).toBe(
      'SET #status = :status, #decidedAt = :decidedAt REMOVE #gsi3pk, #gsi3sk',
    );
  });

  it('says StaleState when the link was used or the approval decided first', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    await expect(store.recordDecision(approvalRecord(), { tokenHash: 'abc', status: 'APPROVED', at: AT }, auditEvent())).rejects.toBeInstanceOf(
      StaleState,
    );
  });
});

describe('Method: lapseApproval', () => {
  it('lapses the still-waiting approval with its audit event', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await store.lapseApproval(approvalRecord(), { at: AT, reason: 'approval not obtained in time' }, auditEvent());
    const [lapse, audit] = transactItems(ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input);
    expect(lapse!.Update).toMatchObject({
      Key: approvalKey,
      ...stillPending,
      ExpressionAttributeValues: { ':status': 'LAPSED', ':reason': 'approval not obtained in time', ':pending': 'PENDING' },
    });
    expect(audit).toEqual(auditPut('OFF-1'));
  });
});
