import { CfnOutput } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CustomerManagedEncryptionConfiguration, DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
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
}

/**
 * The approval workflow: a Standard state machine defined by the ASL file, its `${...}`
 * placeholders substituted by CloudFormation with the catalogue's function ARNs, logging every
 * event with execution data, traced by X-Ray.
 */
export class ApprovalWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ApprovalWorkflowProps) {
    super(scope, id);
    const definition = readDefinition(props.definitionFile);
    checkSubstitutions(definition, Object.keys(props.functions), props.definitionFile);

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_YEAR, encryptionKey: props.key });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      // Inlined from the file at synth (not uploaded as an asset) so `cdk diff` shows workflow
      // changes and the template can be checked for unsubstituted placeholders.
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(Object.entries(props.functions).map(([name, fn]) => [name, fn.functionArn])),
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      encryptionConfiguration: new CustomerManagedEncryptionConfiguration(props.key),
    });
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
}
