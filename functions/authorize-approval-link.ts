import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult, Context } from 'aws-lambda';
import middy from '@middy/core';
import { entryPoint } from '#platform/lambda';
import { ENV, env } from '#platform/config';
import { dynamoDb } from '#platform/clients/dynamodb';
import { clientSettingsFromEnvironment, type RuntimeClients } from '#platform/clients/settings';
import { hashLinkToken, isWellFormedLinkToken } from '#domain/links';
import { linkedApprovals } from '#store/link-lookup';
import { observed } from '#platform/observability';

/**
 * API Gateway Lambda authorizer for the approver's pages (`/approvals/{approvalId}`): approvers
 * have no account, so the link token is their authorization. Allows only a well-formed token whose
 * hash names a link to this very approval. Whether the link is still usable (decided, expired,
 * closed) is the page's business: it answers 409/410 with an explanation, which a gateway denial
 * could not.
 */
export function authorizeApprovalLink(runtime: LinkTable) {
  const linkedApproval = linkedApprovals(runtime.clients.documents, runtime.tableName);
  return async (event: APIGatewayRequestAuthorizerEventV2): Promise<APIGatewaySimpleAuthorizerResult> => {
    const token = event.queryStringParameters?.token;
    const approvalId = event.pathParameters?.approvalId;
    if (!approvalId || !isWellFormedLinkToken(token)) return { isAuthorized: false };
    return { isAuthorized: (await linkedApproval(hashLinkToken(token))) === approvalId };
  };
}

/**
 * All the authorizer reads: the table, through a DynamoDB client. A whole Runtime (the one local
 * mode and the tests pass) is one; the Lambda builds only this, so its bundle holds no store,
 * directory, HTTP chain or other SDK client.
 */
export interface LinkTable {
  readonly tableName: string;
  readonly clients: Pick<RuntimeClients, 'documents'>;
}

export const makeHandler = (runtime: LinkTable) =>
  middy<APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult, Error, Context>(authorizeApprovalLink(runtime)).use(observed());
export const handler = entryPoint(
  (): LinkTable => ({ tableName: env(ENV.tableName), clients: dynamoDb(clientSettingsFromEnvironment()) }),
  makeHandler,
);
