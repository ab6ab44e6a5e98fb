import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import { Table } from './table.ts';

/**
 * The approval a link opens, by the hash of its token: the link authorizer's one read (a strongly
 * consistent GetItem of one attribute). Apart from links.ts, so the authorizer's bundle holds no
 * store and no schema: the one attribute is checked for what it is, a string.
 */
export function linkedApprovals(client: DynamoDBDocumentClient, tableName: string): (tokenHash: string) => Promise<string | undefined> {
  const table = new Table(client, tableName);
  return async (tokenHash) => {
    const item = await table.get(keys.link(tokenHash), ['approvalId']);
    return typeof item?.approvalId === 'string' ? item.approvalId : undefined;
  };
}
