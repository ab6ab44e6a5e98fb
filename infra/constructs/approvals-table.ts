import { RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { keys } from '../../functions/store/keys.ts';
import { tableDesign } from '../../functions/store/table-design.ts';

/** 'getItem': single-item reads of the table only (an authorizer's key lookup); 'read': every read, indexes too. */
export type TableAccess = 'getItem' | 'read' | 'readWrite';

export interface ApprovalsTableProps {
  /** Customer-managed key the table is encrypted with. */
  readonly encryptionKey: IKey;
  /**
   * The table's CloudFormation logical id, pinned so that refactoring the construct tree can never
   * replace (and so orphan or delete) the table.
   * @default 'ApprovalsTable'
   */
  readonly logicalId?: string;
  /**
   * What CloudFormation does with the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

// The data-plane calls the handlers make (functions/store and the Powertools idempotency
// layer): GetItem and Query to read; PutItem and UpdateItem to write, alone or in a
// TransactWriteItems (which IAM authorizes item by item). No Scan, no batches, no
// ConditionCheckItem, and DeleteItem only for idempotency records (below).
export const TABLE_ITEM_READ_ACTIONS = ['dynamodb:GetItem'];
export const TABLE_QUERY_ACTIONS = ['dynamodb:Query'];
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];
// The table key, through DynamoDB: kms:Decrypt to unwrap the table's key, kms:DescribeKey to
// check it; a writer also kms:GenerateDataKey. Never Encrypt, ReEncrypt or data key pairs.
export const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
export const TABLE_KEY_WRITE_ACTIONS = [...TABLE_KEY_READ_ACTIONS, 'kms:GenerateDataKey'];

/**
 * The single table (requests, approvals, audit trail, approval links, idempotency records), built
 * from functions/store/table-design.ts, the same description local mode builds its table from.
 * On-demand, point-in-time recovery, deletion protection, encrypted with a customer-managed key.
 */
export class ApprovalsTable extends Construct {
  readonly table: Table;
  readonly tableName: string;
  readonly tableArn: string;
  readonly encryptionKey: IKey;
  readonly indexNames: readonly string[];

  constructor(scope: Construct, id: string, props: ApprovalsTableProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableDesign.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDesign.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      timeToLiveAttribute: tableDesign.timeToLiveAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const index of tableDesign.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    (this.table.node.defaultChild as CfnResource).overrideLogicalId(props.logicalId ?? 'ApprovalsTable');
    this.tableName = this.table.tableName;
    this.tableArn = this.table.tableArn;
    this.indexNames = tableDesign.globalSecondaryIndexes.map((index) => index.indexName);
  }

  /**
   * Grants item access on the table, queries on the table and each of its indexes by name (no
   * `index/*` wildcard), and use of the table key through DynamoDB only (`kms:ViaService`): a
   * function can never call KMS with the key itself. `idempotency` adds DeleteItem, on the
   * idempotency records' partitions only.
   */
  grantData(grantee: IGrantable, access: TableAccess, options: { idempotency?: boolean } = {}): void {
    const indexArns = this.indexNames.map((name) => `${this.tableArn}/index/${name}`);
    Grant.addToPrincipal({
      grantee,
      actions: access === 'readWrite' ? [...TABLE_ITEM_READ_ACTIONS, ...TABLE_WRITE_ACTIONS] : TABLE_ITEM_READ_ACTIONS,
      resourceArns: [this.tableArn],
    });
    if (access !== 'getItem') Grant.addToPrincipal({ grantee, actions: TABLE_QUERY_ACTIONS, resourceArns: [this.tableArn, ...indexArns] });
    if (options.idempotency) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['dynamodb:DeleteItem'],
          resources: [this.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.idempotencyPartition('*')] } },
        }),
      );
    }
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: access === 'readWrite' ? TABLE_KEY_WRITE_ACTIONS : TABLE_KEY_READ_ACTIONS,
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }
}
