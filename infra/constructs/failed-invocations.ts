import { Duration, Stack } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Where failed asynchronous invocations land (every function's dead-letter target, and the
 * schedule's): nothing that failed is lost, and an alarm watches the depth. An operator re-drives
 * from `queue`; a message that keeps failing moves to `parked`, and from there back to `queue`, so
 * no redrive policy ever drops one. (The parked queue names its target by a fixed name, not a
 * reference, so the two policies do not make a CloudFormation cycle.)
 */
export class FailedInvocations extends Construct {
  readonly queue: Queue;
  readonly parked: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    const queueName = `${stack.stackName}-failed-invocations`;
    const common = { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) };
    this.parked = new Queue(this, 'Parked', { ...common, queueName: `${stack.stackName}-failed-invocations-parked` });
    this.queue = new Queue(this, 'Queue', { ...common, queueName, deadLetterQueue: { queue: this.parked, maxReceiveCount: 5 } });
    const back = Queue.fromQueueArn(this, 'BackToQueue', stack.formatArn({ service: 'sqs', resource: queueName }));
    (this.parked.node.defaultChild as import('aws-cdk-lib/aws-sqs').CfnQueue).redrivePolicy = { deadLetterTargetArn: back.queueArn, maxReceiveCount: 50 };
  }
}
