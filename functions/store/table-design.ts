/**
 * The table's shape as data: CDK (infra/) and local mode both build the table from this, so the
 * deployed and the local table cannot drift. docs/table-design.md explains each access pattern.
 */
export const tableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** DynamoDB TTL attribute: only idempotency records set it; requests, approvals and audit never expire. */
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }, // approval by approvalId
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' }, // a service owner's requests
    { indexName: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' }, // sparse: what falls due, by date
  ],
} as const;
