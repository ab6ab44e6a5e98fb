import { describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { StaleState } from '../../../functions/store/errors.ts';
import type { IncidentRecord } from '../../../functions/store/records.ts';
import { AT, TABLE, conditionFailed, mockedStore } from './mock-table.ts';

const { ddb, store } = mockedStore();
const key = { pk: 'INCIDENT#INC-1', sk: 'INCIDENT' };
const incident = (changes: Partial<IncidentRecord> = {}): IncidentRecord => ({
  incidentId: 'INC-1',
  kind: 'PERSONAL_DATA_BREACH',
  serviceId: 'SVC-1',
  serviceName: 'Court hearing transcription',
  description: 'A transcript went to the wrong firm',
  discoveredAt: '2026-11-22',
  reporter: { name: 'Priya Shah', email: 'Priya.Shah@justice.gov.uk' },
  reportedBy: { kind: 'SERVICE_OWNER', sub: 'sub-1', email: 'Priya.Shah@justice.gov.uk' },
  reportedAt: AT,
  status: 'OPEN',
  updates: [],
  notifications: [{ recipient: 'DPO', name: 'MoJ Data Protection Officer', email: 'privacy@justice.gov.uk', status: 'SENT', attempts: 1 }],
  approvalAfterBreach: { serviceId: 'SVC-1', status: 'NEEDED' },
  version: 1,
  ...changes,
});
const sentItem = () => ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;

describe('Method: create', () => {
  it('puts the report only if its id is new, listed by time, by who reported it, and in the monitoring index', async () => {
    ddb.on(PutCommand).resolves({});
    await store.incidents.create(incident());
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { TableName: TABLE, ConditionExpression: 'attribute_not_exists(pk)' });
    expect(sentItem()).toMatchObject({
      ...key,
      gsi1pk: 'INCIDENT',
      gsi1sk: `${AT}#INC-1`,
      gsi2pk: 'REPORTED_BY#priya.shah@justice.gov.uk',
      gsi2sk: AT,
      gsi3pk: 'OPEN_INCIDENT',
      gsi3sk: `${AT}#INC-1`,
    });
  });
});

describe('Method: save', () => {
  it('writes the next version only if the incident is still at the version read', async () => {
    ddb.on(PutCommand).resolves({});
    await store.incidents.save(incident({ version: 3 }), 2);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: '#version = :seenVersion',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':seenVersion': 2 },
    });
  });

  it('keeps the incident in the monitoring index while it is open, an email is pending, or its approval round is due, and only then', async () => {
    ddb.on(PutCommand).resolves({});
    const watched = [
      incident({ status: 'CONTAINED', approvalAfterBreach: { serviceId: 'SVC-1', status: 'APPROVED' } }),
      incident({ status: 'CLOSED' }),
      incident({
        status: 'CLOSED',
        approvalAfterBreach: undefined,
        notifications: [{ recipient: 'REPORTER', name: 'Priya Shah', email: 'p@justice.gov.uk', status: 'PENDING', attempts: 3 }],
      }),
    ];
    for (const record of watched) await store.incidents.save(record, 1);
    await store.incidents.save(incident({ status: 'CLOSED', approvalAfterBreach: { serviceId: 'SVC-1', status: 'APPROVED' } }), 1);
    const items = ddb.commandCalls(PutCommand).map((call) => call.args[0].input.Item!);
    expect(items.map((item) => item.gsi3pk)).toEqual(['OPEN_INCIDENT', 'OPEN_INCIDENT', 'OPEN_INCIDENT', undefined]);
  });

  it('says StaleState when another change was saved first', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    await expect(store.incidents.save(incident({ version: 2 }), 1)).rejects.toBeInstanceOf(StaleState);
  });
});

describe('Method: get, list, listReportedBy, watched', () => {
  it('gets one strongly consistent and parses it', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...key, entity: 'INCIDENT', ...incident() } });
    expect(await store.incidents.get('INC-1')).toEqual(incident());
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: key, ConsistentRead: true });
  });

  it('lists by index, newest first, and reads the monitoring index oldest first', async () => {
    ddb.on(QueryCommand).resolves({ Items: [{ ...key, ...incident() }], ScannedCount: 1 });
    await store.incidents.list();
    await store.incidents.listReportedBy('Priya.Shah@justice.gov.uk');
    expect(await store.incidents.watched()).toEqual({ incidents: [incident()], itemsRead: 1 });
    const inputs = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs.map((i) => [i.IndexName, i.ExpressionAttributeValues?.[':pk'], i.ScanIndexForward])).toEqual([
      ['gsi1', 'INCIDENT', false],
      ['gsi2', 'REPORTED_BY#priya.shah@justice.gov.uk', false],
      ['gsi3', 'OPEN_INCIDENT', undefined],
    ]);
  });
});
