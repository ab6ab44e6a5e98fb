import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Grant, PolicyStatement, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption, type CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FailedInvocationsProps {
  /**
   * How long a failed invocation waits in each queue for an operator.
   * @default Duration.days(14), the SQS maximum
   */
  readonly retention?: Duration;
}

/**
 * Where failed asynchronous invocations land (every function's dead-letter target, the schedule's,
 * and the alarm topic's undeliverable emails): nothing that failed is lost, and an alarm watches the
 * depth. An operator re-drives from `queue`; a message that keeps failing moves to `parked`, and
 * from there back to `queue`, so no redrive policy ever drops one. (The parked queue names its
 * target by a fixed name, not a reference, so the two policies do not make a CloudFormation cycle.)
 *
 * A failed event names requests and people, so the queues are encrypted with their own
 * customer-managed key, usable only for these queues (the key policy and every grant are
 * conditioned on the queue's ARN in the SQS encryption context) and only over TLS.
 */
export class FailedInvocations extends Construct {
  readonly queue: Queue;
  readonly parked: Queue;
  readonly key: Key;
  /** The queue's ARN as SQS puts it in the encryption context; built from its name, not a reference, so the key policy can use it. */
  private readonly queueArnByName: string;

  constructor(scope: Construct, id: string, props: FailedInvocationsProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const queueName = `${stack.stackName}-failed-invocations`;
    const parkedName = `${queueName}-parked`;
    const arnOf = (name: string) => stack.formatArn({ service: 'sqs', resource: name });
    this.queueArnByName = arnOf(queueName);

    this.key = new Key(this, 'Key', {
      description: 'Offshore approvals: encrypts failed invocations (their events name requests and people)',
      enableKeyRotation: true,
      // The queues go with the stack, and their messages with them; the key follows after the waiting period.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(30),
    });
    const common = {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: props.retention ?? Duration.days(14),
    };
    this.parked = new Queue(this, 'Parked', { ...common, queueName: parkedName });
    this.queue = new Queue(this, 'Queue', { ...common, queueName, deadLetterQueue: { queue: this.parked, maxReceiveCount: 5 } });
    (this.parked.node.defaultChild as CfnQueue).redrivePolicy = { deadLetterTargetArn: this.queueArnByName, maxReceiveCount: 50 };

    // EventBridge (a scheduled event it could not deliver) and SNS (an alarm email it could not
    // deliver) write to the queue as themselves; the queue policy CDK writes names the rule or topic.
    for (const service of ['events.amazonaws.com', 'sns.amazonaws.com']) {
      this.key.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal(service)],
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account, 'kms:EncryptionContext:aws:sqs:arn': this.queueArnByName },
          },
        }),
      );
    }
  }

  /**
   * What a Lambda function's role needs to send its failed asynchronous invocations here: exactly
   * sqs:SendMessage on the queue and the two key actions SQS asks of a sender, for this queue only
   * (CDK's `grantSendMessages` would add kms:Encrypt, kms:ReEncrypt* and wildcards).
   */
  grantSend(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [this.queue.queueArn] });
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:sqs:arn': this.queueArnByName } },
      }),
    );
  }
}
