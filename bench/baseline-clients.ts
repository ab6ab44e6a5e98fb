import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SESv2Client } from '@aws-sdk/client-sesv2';

/**
 * The bundle benchmark's baseline (bench/bundles.ts): a Lambda that only builds the three SDK
 * clients the service uses (DynamoDB with its document client, Step Functions, SES), as the
 * module loads, and does nothing else. Every function's bundle and load time is compared with it.
 */
const dynamoDb = new DynamoDBClient({});
const clients = [dynamoDb, DynamoDBDocumentClient.from(dynamoDb), new SFNClient({}), new SESv2Client({})];

export const handler = async () => clients.length;
