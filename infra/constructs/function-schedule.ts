import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FunctionScheduleProps {
  readonly function: IFunction;
  /** EventBridge schedule expression (UTC), e.g. `cron(0 6 * * ? *)`. */
  readonly expression: string;
  readonly description: string;
  /**
   * How long EventBridge keeps retrying a failed delivery.
   * @default Duration.hours(2)
   */
  readonly maxEventAge?: Duration;
}

/**
 * Runs a function on a schedule: an EventBridge rule with retries, and a dead-letter queue for
 * deliveries that still fail, so a missed run is visible (an alarm watches the queue).
 */
export class FunctionSchedule extends Construct {
  readonly rule: Rule;
  readonly deadLetterQueue: Queue;
  /** Where failed deliveries go if re-driving them fails again and again. */
  readonly parkedQueue: Queue;

  constructor(scope: Construct, id: string, props: FunctionScheduleProps) {
    super(scope, id);
    this.parkedQueue = new Queue(this, 'ParkedQueue', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // An operator re-drives failed runs from here; one that keeps failing is parked, not lost.
      deadLetterQueue: { queue: this.parkedQueue, maxReceiveCount: 5 },
    });
    this.rule = new Rule(this, 'Rule', {
      description: props.description,
      schedule: Schedule.expression(props.expression),
      targets: [
        new LambdaFunction(props.function, {
          retryAttempts: 4,
          maxEventAge: props.maxEventAge ?? Duration.hours(2),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });
  }
}
