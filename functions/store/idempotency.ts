import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Runtime } from '#platform/runtime';
import { keys } from './keys.ts';

/** Powertools idempotency records, in the table under one partition per function (they expire by TTL). */
export function idempotencyRecords(runtime: Pick<Runtime, 'tableName' | 'clients'>, functionName: string): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName: runtime.tableName,
    awsSdkV3Client: runtime.clients.dynamoDb,
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    staticPkValue: keys.idempotencyPartition(functionName),
    expiryAttr: 'expiresAt',
  });
}
