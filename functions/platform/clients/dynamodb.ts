import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../observability.ts';
import { clientOptions, type ClientSettings, type RuntimeClients } from './settings.ts';

/**
 * The table's clients, traced: every DynamoDB call is a subsegment in X-Ray. The document client
 * shares the base client's middleware stack, so its calls are traced too. Up to 5 attempts: a
 * throttled or briefly unavailable table is retried before a handler gives up.
 */
export function dynamoDb(settings: ClientSettings): Pick<RuntimeClients, 'dynamoDb' | 'documents'> {
  const client = tracer.captureAWSv3Client(new DynamoDBClient({ ...clientOptions(settings, settings.endpoints?.dynamoDb), maxAttempts: 5 }));
  return { dynamoDb: client, documents: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }) };
}
