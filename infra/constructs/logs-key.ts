import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The customer-managed key for the workflow's execution data and every log group of the stateless
 * stack (logs and execution history can hold personal data). It lives beside what it encrypts so
 * its key policy can name them without a cross-stack cycle; it is retained, so logs kept for a year
 * stay readable if the stack is replaced.
 */
export class LogsKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { region, account } = Stack.of(this);
    this.key = new Key(this, 'Key', {
      description: 'Offshore approvals: encrypts workflow execution data and log groups',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts with the key only for this account's log groups in this region.
    this.key.grantEncryptDecrypt(
      new ServicePrincipal(`logs.${region}.amazonaws.com`).withConditions({
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Stack.of(this).partition}:logs:${region}:${account}:log-group:*` },
      }),
    );
  }
}
