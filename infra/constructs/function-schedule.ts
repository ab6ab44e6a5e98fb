import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
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
  /** Where deliveries that still fail go (an alarm watches it). */
  readonly deadLetterQueue: IQueue;
}

/** Runs a function on a schedule: an EventBridge rule with retries, then the dead-letter queue, so a missed run is visible. */
export class FunctionSchedule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: FunctionScheduleProps) {
    super(scope, id);
    this.rule = new Rule(this, 'Rule', {
      description: props.description,
      schedule: Schedule.expression(props.expression),
      targets: [
        new LambdaFunction(props.function, {
          retryAttempts: 4,
          maxEventAge: props.maxEventAge ?? Duration.hours(2),
          deadLetterQueue: props.deadLetterQueue,
        }),
      ],
    });
  }
}
