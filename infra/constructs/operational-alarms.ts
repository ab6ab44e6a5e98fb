import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface OperationalAlarmsProps {
  /** Function name (for the alarm description) → function. */
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly stateMachine: IStateMachine;
  readonly apiStage: HttpStage;
  /**
   * Failed asynchronous invocations: any message in `queue` is a run that did not happen; one in
   * `parked` was received 5 times and left there. Undeliverable alarm emails go to `queue` too.
   */
  readonly failedInvocations: { readonly queue: IQueue; readonly parked: IQueue; readonly retention: Duration };
  /**
   * Address subscribed to the alarm topic (SES is not involved: SNS sends a confirmation link).
   * @default - no subscription; the alarms still show in the CloudWatch console
   */
  readonly email?: string;
  /**
   * Evaluation period of every alarm.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/**
 * One alarm per thing that should never happen silently: a function error, a failed or timed-out
 * approval round, a 5xx from the API, a failed invocation waiting in the dead-letter queue, a
 * bounced email (and a bounce rate that puts sending at risk). Each goes to an encrypted SNS topic. (Aborted rounds are not
 * alarmed: stopping a round is something the service does on purpose.)
 */
export class OperationalAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
    // CloudWatch cannot publish to a topic under the AWS managed SNS key, so the topic has its own.
    const key = new Key(this, 'TopicKey', {
      description: 'Offshore approvals: encrypts the operational alarms topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY, // holds no data at rest: messages are delivered and gone
      pendingWindow: Duration.days(7),
    });
    // CloudWatch publishes for this account's alarms only (its confused-deputy conditions).
    const stack = Stack.of(this);
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.topic = new Topic(this, 'Topic', { masterKey: key, enforceSSL: true, displayName: 'Offshore approvals alarms' });
    // Undeliverable alarm emails are kept with the failed invocations, not dropped.
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email, { deadLetterQueue: props.failedInvocations.queue }));

    const period = props.period ?? Duration.minutes(5);
    const action = new SnsAction(this.topic);
    const alarm = (alarmId: string, metric: IMetric, description: string, threshold = 1) => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
    };

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, fn.metricErrors({ period, statistic: 'Sum' }), `The ${name} function raised an error`);
    }
    alarm('RoundsFailed', props.stateMachine.metricFailed({ period }), 'An approval round execution failed');
    alarm('RoundsTimedOut', props.stateMachine.metricTimedOut({ period }), 'An approval round execution timed out');
    alarm('ApiServerErrors', props.apiStage.metricServerError({ period }), 'The API answered with a 5xx');
    const { queue, parked, retention } = props.failedInvocations;
    alarm(
      'FailedInvocations',
      queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'A failed invocation is waiting in the dead-letter queue (runbook: infra/README.md)',
    );
    alarm(
      'ParkedFailedInvocations',
      parked.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'A failed invocation was received 5 times and parked (runbook: infra/README.md)',
    );
    // SQS deletes a message when its retention ends (14 days): warn halfway there.
    const warnAfter = Math.floor(retention.toSeconds() / 2);
    for (const [alarmId, q] of [
      ['FailedInvocationsAgeing', queue],
      ['ParkedFailedInvocationsAgeing', parked],
    ] as const) {
      alarm(
        alarmId,
        q.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
        `A failed invocation has waited ${Duration.seconds(warnAfter).toDays({ integral: false })} days; SQS deletes it after ${retention.toDays({ integral: false })} (runbook: infra/README.md)`,
        warnAfter,
      );
    }
    // SES publishes bounces per account: an approver who never gets their link is a stalled approval.
    alarm(
      'EmailBounces',
      new Metric({ namespace: 'AWS/SES', metricName: 'Bounce', statistic: 'Sum', period }),
      'An email to an approver, owner or the security team bounced',
    );
    // SES reviews an account whose bounce rate passes 5% and may pause its sending at 10%: act before then.
    alarm(
      'EmailBounceRate',
      new Metric({ namespace: 'AWS/SES', metricName: 'Reputation.BounceRate', statistic: 'Maximum', period: Duration.hours(1) }),
      "The account's email bounce rate reached 5%, where SES starts a review (at 10% it may pause sending)",
      0.05,
    );
  }
}
