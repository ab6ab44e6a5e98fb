import { RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { tableDesign } from '../../functions/shared/store/table-design.ts';

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

// Data-plane actions only. No Scan (every access pattern is a key or index query), no streams.
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
// What DynamoDB needs from a caller of a table under a customer-managed key: CDK's table grants
// (kms:ReEncrypt*, kms:GenerateDataKey*) with each wildcard written out as the actions it stands for.
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = [
  'kms:Encrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
];

/**
 * The single table (requests, approvals, audit trail, approval links, idempotency records), built
 * from functions/shared/store/table-design.ts, the same description local mode builds its table from.
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
   * Grants data access on the table and each of its indexes by name (no `index/*` wildcard), and
   * use of the table key through DynamoDB only (`kms:ViaService`): a function can never call KMS
   * with the key itself.
   */
  grantData(grantee: IGrantable, access: TableAccess): void {
    const indexArns = this.indexNames.map((name) => `${this.tableArn}/index/${name}`);
    Grant.addToPrincipal({
      grantee,
      actions: access === 'getItem' ? ['dynamodb:GetItem'] : access === 'read' ? READ_ACTIONS : [...READ_ACTIONS, ...WRITE_ACTIONS],
      resourceArns: access === 'getItem' ? [this.tableArn] : [this.tableArn, ...indexArns],
    });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: access === 'readWrite' ? [...KEY_READ_ACTIONS, ...KEY_WRITE_ACTIONS] : KEY_READ_ACTIONS,
        resources: [this.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }
}
