import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { authorizeApprovalLink, makeHandler } from '../../functions/authorize-approval-link.ts';
import { lambdaContext } from '../../local/api-server.ts';
import { createRuntime } from '../../functions/platform/runtime.ts';
import { hashLinkToken, mintLinkToken } from '../../functions/domain/links.ts';

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());

const authorize = authorizeApprovalLink(createRuntime({ tableName: 'offshore-test' }));
const event = (approvalId: string | undefined, token: string | undefined) =>
  ({ pathParameters: approvalId ? { approvalId } : undefined, queryStringParameters: token === undefined ? undefined : { token } }) as never;

describe('the approval link authorizer', () => {
  it("allows a well-formed token whose link belongs to this approval, looked up by the token's hash", async () => {
    const token = mintLinkToken();
    ddb.on(GetCommand).resolves({ Item: { approvalId: 'APR-1' } });
    expect(await authorize(event('APR-1', token))).toEqual({ isAuthorized: true });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'offshore-test',
      Key: { pk: `LINK#${hashLinkToken(token)}`, sk: 'LINK' },
      ConsistentRead: true,
    });
  });

  it("denies another approval's token", async () => {
    ddb.on(GetCommand).resolves({ Item: { approvalId: 'APR-2' } });
    expect(await authorize(event('APR-1', mintLinkToken()))).toEqual({ isAuthorized: false });
  });

  it('denies an unknown token', async () => {
    ddb.on(GetCommand).resolves({});
    expect(await authorize(event('APR-1', mintLinkToken()))).toEqual({ isAuthorized: false });
  });

  it('denies a missing or malformed token without reading the table', async () => {
    for (const token of [undefined, '', 'short', 'x'.repeat(44)]) expect(await authorize(event('APR-1', token))).toEqual({ isAuthorized: false });
    expect(await authorize(event(undefined, mintLinkToken()))).toEqual({ isAuthorized: false });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it("answers API Gateway's simple response through the Lambda entry point (middleware included)", async () => {
    const token = mintLinkToken();
    ddb.on(GetCommand).resolves({ Item: { approvalId: 'APR-1' } });
    const handler = makeHandler(createRuntime({ tableName: 'offshore-test' }));
    expect(await handler(event('APR-1', token), lambdaContext('authorizeApprovalLink'))).toEqual({ isAuthorized: true });
    expect(await handler(event('APR-2', token), lambdaContext('authorizeApprovalLink'))).toEqual({ isAuthorized: false });
  });
});
