import { ArnFormat, CfnOutput, Stack } from 'aws-cdk-lib';
import { Grant, PolicyStatement, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType, type CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { checkSubstitutions, readDefinition } from '../asl.ts';
import { acknowledge } from '../nag.ts';

export interface ApprovalWorkflowProps {
  /** Absolute path of the ASL file: the only definition of the workflow. */
  readonly definitionFile: string;
  /** Each `${Placeholder}` in the ASL file and the function whose ARN replaces it. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /**
   * Retention of the execution log group (execution data included, so it holds personal data).
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
  /** Encrypts execution data (inputs, outputs, history) and the execution log group. */
  readonly key: IKey;
  /**
   * The state machine's name: fixed, so that the key grants can name its ARN (Step Functions puts
   * that ARN in the encryption context) and so that grants need no reference to the state machine.
   * @default `${stackName}-approval-round` (see {@link approvalRoundName})
   */
  readonly stateMachineName?: string;
}

/** The state machine's name in a stack: one execution is one approval round. */
export function approvalRoundName(stackName: string): string {
  return `${stackName}-approval-round`;
}

/**
 * What a caller asks of Step Functions and so of the key. A customer-managed key encrypts whatever
 * a call writes into an execution: StartExecution's input, SendTaskSuccess's output,
 * SendTaskFailure's and StopExecution's error and cause. Reading it back needs kms:Decrypt, which
 * DescribeExecution avoids with `includedData: METADATA_ONLY`; ListExecutions and
 * SendTaskHeartbeat carry no execution data.
 */
export const STATE_MACHINE_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;

/** Step Functions' default data key reuse period for a customer-managed key, written out. */
const KMS_DATA_KEY_REUSE_PERIOD_SECONDS = 300;

/**
 * The approval workflow: a Standard state machine defined by the ASL file, its `${...}`
 * placeholders substituted by CloudFormation with the catalogue's function ARNs, logging every
 * event with execution data, traced by X-Ray, its execution data encrypted with the given key.
 *
 * Callers are granted access through the `grant…` methods, which name the state machine by the ARN
 * built from its name rather than by a reference: a function the state machine invokes can then be
 * granted access to it without a CloudFormation dependency cycle (state machine → function → role
 * policy → state machine).
 */
export class ApprovalWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;
  readonly key: IKey;
  readonly stateMachineName: string;
  /** `arn:…:stateMachine:<name>`, built from the name: no reference to the state machine resource. */
  readonly stateMachineArn: string;
  /** `arn:…:execution:<name>:*`: this state machine's executions, and no other's. */
  readonly executionArns: string;

  constructor(scope: Construct, id: string, props: ApprovalWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const definition = readDefinition(props.definitionFile);
    checkSubstitutions(definition, Object.keys(props.functions), props.definitionFile);

    this.key = props.key;
    this.stateMachineName = props.stateMachineName ?? approvalRoundName(stack.stackName);
    this.stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.executionArns = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_YEAR, encryptionKey: props.key });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      // Inlined from the file at synth (not uploaded as an asset) so `cdk diff` shows workflow
      // changes and the template can be checked for unsubstituted placeholders.
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(Object.entries(props.functions).map(([name, fn]) => [name, fn.functionArn])),
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // The key is set on the resource rather than through the L2's CustomerManagedEncryptionConfiguration,
    // which would also let log delivery decrypt with the key from any account.
    (this.stateMachine.node.defaultChild as CfnStateMachine).encryptionConfiguration = {
      type: 'CUSTOMER_MANAGED_KMS_KEY',
      kmsKeyId: props.key.keyArn,
      kmsDataKeyReusePeriodSeconds: KMS_DATA_KEY_REUSE_PERIOD_SECONDS,
    };
    // The execution role encrypts and decrypts this state machine's data, and only this one's.
    this.stateMachine.addToRolePolicy(this.keyStatement());
    // Vended log delivery: the role asks for a data key for this account's log deliveries...
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: {
          StringEquals: {
            'kms:EncryptionContext:SourceArn': stack.formatArn({ service: 'logs', resource: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          },
        },
      }),
    );
    // ...and CloudWatch Logs' delivery service decrypts it, for deliveries of this account only.
    props.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    for (const fn of new Set(Object.values(props.functions))) {
      // The unqualified ARN only (the ASL invokes that), not `fn.grantInvoke`'s extra `arn:*`.
      Grant.addToPrincipal({ grantee: this.stateMachine, actions: ['lambda:InvokeFunction'], resourceArns: [fn.functionArn] });
    }
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Step Functions log delivery (logs:CreateLogDelivery and related) and X-Ray (xray:PutTraceSegments and related) do not support resource-level permissions.',
    );

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
  }

  /** states:StartExecution on this state machine, and the key for the execution's input. */
  grantStartExecution(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: ['states:StartExecution'], resourceArns: [this.stateMachineArn] });
    this.grantKey(grantee);
  }

  /**
   * states:SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat (a task token names no resource, so
   * the grant is on the state machine, as Step Functions authorizes it), and the key for the
   * output, error and cause they write.
   */
  grantTaskResponse(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      resourceArns: [this.stateMachineArn],
    });
    this.grantKey(grantee);
  }

  /** states:StopExecution on this state machine's executions, and the key for the error and cause it writes. */
  grantStopExecution(grantee: IGrantable): Grant {
    const grant = Grant.addToPrincipal({ grantee, actions: ['states:StopExecution'], resourceArns: [this.executionArns] });
    this.grantKey(grantee);
    return grant;
  }

  /**
   * states:ListExecutions on this state machine and states:DescribeExecution on its executions. No
   * key: the caller describes with `includedData: 'METADATA_ONLY'`.
   */
  grantInspectExecutions(grantee: IGrantable): Grant {
    Grant.addToPrincipal({ grantee, actions: ['states:ListExecutions'], resourceArns: [this.stateMachineArn] });
    return Grant.addToPrincipal({ grantee, actions: ['states:DescribeExecution'], resourceArns: [this.executionArns] });
  }

  private grantKey(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(this.keyStatement());
  }

  /**
   * The key's two actions, for this state machine's data only: Step Functions puts the state
   * machine's ARN in the encryption context of every key use.
   */
  private keyStatement(): PolicyStatement {
    return new PolicyStatement({
      actions: [...STATE_MACHINE_KEY_ACTIONS],
      resources: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': this.stateMachineArn } },
    });
  }
}
