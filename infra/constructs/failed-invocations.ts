import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Grant, PolicyStatement, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

export interface FailedInvocationsProps {
  /**
   * How long a failed invocation waits in each queue for an operator.
   * @default Duration.days(14), the SQS maximum
   */
  readonly retention?: Duration;
}

/**
 * Where failed asynchronous invocations land (the scheduled functions' dead-letter target, the
 * schedules', and the alarm topic's undeliverable emails): nothing that failed is lost, and alarms
 * watch both queues. A message received 5 times from `queue` without being deleted moves to
 * `parked`; `parked` has no redrive policy of its own (a dead-letter target must exist before a
 * queue names it, so the two cannot name each other), and an operator moves its messages back
 * with SQS's own redrive, StartMessageMoveTask (infra/README.md, "Runbook: failed invocations").
 *
 * A failed event names requests and people, so the queues are encrypted with their own
 * customer-managed key, usable only for these queues (the key policy and every grant are
 * conditioned on the queue's ARN in the SQS encryption context) and only over TLS.
 */
export class FailedInvocations extends Construct {
  readonly queue: Queue;
  readonly parked: Queue;
  readonly key: Key;
  /** How long each queue keeps a message. */
  readonly retention: Duration;
  /** The queue's ARN as SQS puts it in the encryption context; built from its name, not a reference, so the key policy can use it. */
  private readonly queueArnByName: string;

  constructor(scope: Construct, id: string, props: FailedInvocationsProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const queueName = `${stack.stackName}-failed-invocations`;
    const parkedName = `${queueName}-parked`;
    const arnOf = (name: string) => stack.formatArn({ service: 'sqs', resource: name });
    this.queueArnByName = arnOf(queueName);
    this.retention = props.retention ?? Duration.days(14);

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
      retentionPeriod: this.retention,
    };
    this.parked = new Queue(this, 'Parked', { ...common, queueName: parkedName });
    this.queue = new Queue(this, 'Queue', { ...common, queueName, deadLetterQueue: { queue: this.parked, maxReceiveCount: 5 } });
    acknowledge(
      this.parked,
      'Serverless-SQSRedrivePolicy',
      'The last queue of the chain: the dead-letter target of the failed-invocations queue. A redrive policy back to that queue cannot exist (each would have to exist before the other names it); an operator moves parked messages back with StartMessageMoveTask (infra/README.md, "Runbook: failed invocations"), and an alarm watches its depth.',
    );

    // EventBridge (a scheduled event it could not deliver) and SNS (an alarm email it could not
    // deliver) write to the queue as themselves, for a rule or topic of this account (the queue
    // policy CDK writes names the very rule or topic).
    const sources = {
      'events.amazonaws.com': stack.formatArn({ service: 'events', resource: 'rule', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      'sns.amazonaws.com': stack.formatArn({ service: 'sns', resource: '*' }),
    };
    for (const [service, sourceArn] of Object.entries(sources)) {
      this.key.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal(service)],
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account, 'kms:EncryptionContext:aws:sqs:arn': this.queueArnByName },
            ArnLike: { 'aws:SourceArn': sourceArn },
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
