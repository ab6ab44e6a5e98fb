import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { linkedApprovals } from '../../../functions/store/link-lookup.ts';
import { TABLE, linkRecord, mockedStore } from './mock-table.ts';

const { ddb, documents, store } = mockedStore();

describe('Method: findLink', () => {
  it('gets the link by the hash of its token, strongly consistent, and parses it', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'LINK#abc', sk: 'LINK', entity: 'LINK', ...linkRecord({ usedAt: '2026-11-24T10:00:00.000Z' }) } });
    expect(await store.links.findLink('abc')).toEqual(linkRecord({ usedAt: '2026-11-24T10:00:00.000Z' }));
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, { TableName: TABLE, Key: { pk: 'LINK#abc', sk: 'LINK' }, ConsistentRead: true });
  });

  it('answers undefined for a token no link has', async () => {
    ddb.on(GetCommand).resolves({});
    expect(await store.links.findLink('nope')).toBeUndefined();
  });
});

describe('Method: linkedApprovals', () => {
  it('reads only the approval id of the link', async () => {
    ddb.on(GetCommand).resolves({ Item: { approvalId: 'APR-1' } });
    const linkedApproval = linkedApprovals(documents, TABLE);
    expect(await linkedApproval('abc')).toBe('APR-1');
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(GetCommand, {
      TableName: TABLE,
      Key: { pk: 'LINK#abc', sk: 'LINK' },
      ConsistentRead: true,
      ProjectionExpression: 'approvalId',
    });
  });

  it('answers undefined for no link, or a link without a string approval id', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({})
      .resolvesOnce({ Item: { approvalId: 7 } });
    const linkedApproval = linkedApprovals(documents, TABLE);
    expect(await linkedApproval('abc')).toBeUndefined();
    expect(await linkedApproval('abc')).toBeUndefined();
  });
});
