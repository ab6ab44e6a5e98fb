import { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal, type IGrantable, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing, type CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ENV, type EnvName } from '../../functions/platform/config.ts';
import { LAMBDA_BUNDLING, pageTemplatesHooks } from '../bundling.ts';
import { acknowledge, wildcardResourceFinding } from '../nag.ts';
import { fromRepoRoot } from '../paths.ts';
import type { ApprovalWorkflow } from './approval-workflow.ts';
import type { ApprovalsTable, TableAccess } from './approvals-table.ts';
import { grantSendFrom, type SenderReference } from './email-sender.ts';
import type { FailedInvocations } from './failed-invocations.ts';
import type { WebSecrets } from './web-secrets.ts';

export const SERVICE_NAME = 'offshore-approvals';
/** The CloudWatch namespace of the service's own metrics (Powertools Metrics, embedded metric format). */
export const METRICS_NAMESPACE = 'OffshoreApprovals';

export interface ProjectFunctionProps {
  /** Entry file relative to the repository root. It must export `handler`. */
  readonly entry: string;
  readonly description: string;
  /**
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(29): just under the HTTP API's 30-second integration timeout, so an
   * API caller gets the function's own error rather than a gateway timeout.
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's log group.
   * @default RetentionDays.ONE_YEAR: long enough to investigate an incident or complaint about a
   * decision a year on (and any annual review); the durable record of every decision is the audit
   * trail in the table, so logs need not be kept longer, and logs may hold personal data.
   */
  readonly logRetention?: RetentionDays;
  /** Encrypts the function's log group (logs may hold personal data). */
  readonly logKey: IKey;
  /**
   * Where failed asynchronous invocations go, for a function invoked asynchronously (a schedule).
   * Lambda sends only failed asynchronous invocations to a dead-letter queue, so a function invoked
   * only synchronously (an API route, an authorizer, a state machine task) has none: its caller
   * gets the error (an API 5xx, the workflow's Retry and Catch) and the error alarm fires.
   * @default - none: the function is invoked only synchronously
   */
  readonly deadLetters?: FailedInvocations;
  /**
   * For a function that renders pages: its bundle carries the templates folder (infra/page-templates.ts)
   * with this asset manifest, the one of the assets deployed to the assets bucket.
   * @default - no templates
   */
  readonly pageTemplates?: { readonly assetManifest: string };
}

/**
 * The project's Lambda: Node.js 24 on Graviton, X-Ray active, its own log group with retention,
 * a role that starts with nothing but that log group, and ESM bundles built by the local esbuild.
 * Access is added with the `bind…` methods, each of which grants and sets the environment
 * variable the handler reads (names from functions/platform/config.ts) together.
 */
export class ProjectFunction extends Construct implements IGrantable {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_YEAR, encryptionKey: props.logKey });
    // Our own role, not the AWS managed AWSLambdaBasicExecutionRole (which may write to any log group).
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      // IAM role descriptions allow Latin-1 only; the catalogue's prose may not be.
      description: `${SERVICE_NAME} ${id} function`,
    });
    this.grantPrincipal = this.role;
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: fromRepoRoot(props.entry),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      projectRoot: fromRepoRoot('.'),
      depsLockFilePath: fromRepoRoot('package-lock.json'),
      // Powertools: Logger (JSON, INFO), Metrics (EMF to stdout: no permission needed), Tracer
      // (X-Ray, active tracing above). Responses are never put in traces: they hold personal data.
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        NODE_OPTIONS: '--enable-source-maps',
      },
      // infra/bundling.ts: the options bench/bundles.ts builds with too.
      bundling: {
        ...LAMBDA_BUNDLING,
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        externalModules: [...LAMBDA_BUNDLING.externalModules],
        commandHooks: props.pageTemplates ? pageTemplatesHooks(props.pageTemplates.assetManifest) : undefined,
      },
    });
    if (props.deadLetters) {
      // Set on the function resource rather than through the L2's `deadLetterQueue`, whose grant
      // would add kms:Encrypt, kms:ReEncrypt* and kms:GenerateDataKey*.
      (this.function.node.defaultChild as CfnFunction).deadLetterConfig = { targetArn: props.deadLetters.queue.queueArn };
      props.deadLetters.grantSend(this.role);
    } else {
      acknowledge(
        this.function,
        'Serverless-LambdaDLQ',
        'Invoked only synchronously (API Gateway, the HTTP API authorizer, or a Step Functions task): Lambda sends nothing but failed asynchronous invocations to a dead-letter queue, so one would never receive anything. The caller gets the error and the Errors alarm fires.',
      );
    }
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions.',
    );
  }

  get functionArn(): string {
    return this.function.functionArn;
  }

  /** Sets one of the handler settings from functions/platform/config.ts. */
  setEnvironment(name: EnvName, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /** Table access and TABLE_NAME. */
  bindTable(table: ApprovalsTable, access: TableAccess, options: { idempotency?: boolean } = {}): this {
    table.grantData(this, access, options);
    return this.setEnvironment(ENV.tableName, table.tableName);
  }

  /**
   * State machine access and STATE_MACHINE_ARN, with the key actions each call needs. Every grant
   * names the state machine by the ARN built from its name, so a function the state machine
   * invokes may have these needs too (no dependency cycle).
   */
  bindStateMachine(workflow: ApprovalWorkflow, needs: { start?: boolean; stop?: boolean; sendTaskResult?: boolean; inspect?: boolean }): this {
    if (needs.start) workflow.grantStartExecution(this);
    if (needs.sendTaskResult) workflow.grantTaskResponse(this);
    const executionGrants = [];
    // Reconciliation: list this machine's executions (on the machine) and describe each (on its executions).
    if (needs.inspect) executionGrants.push(workflow.grantInspectExecutions(this));
    if (needs.stop) executionGrants.push(workflow.grantStopExecution(this));
    for (const grant of executionGrants) {
      for (const statement of grant.principalStatements) {
        for (const resource of statement.resources) {
          acknowledge(
            this.role,
            wildcardResourceFinding(this, resource),
            "Executions are named per request at run time; the pattern is limited to this one state machine's executions.",
          );
        }
      }
    }
    return this.setEnvironment(ENV.stateMachineArn, workflow.stateMachineArn);
  }

  /**
   * Reading the pages' secrets (SESSION_KEY_ARN, OIDC_CLIENT_SECRET_ARN) and the identity provider
   * the pages sign people in with (OIDC_ISSUER, OIDC_CLIENT_ID).
   */
  bindWebSecrets(secrets: WebSecrets, identityProvider: { issuer: string; clientId: string }): this {
    secrets.grantRead(this);
    this.setEnvironment(ENV.sessionKeyArn, secrets.sessionKey.secretArn);
    this.setEnvironment(ENV.oidcClientSecretArn, secrets.oidcClientSecret.secretArn);
    this.setEnvironment(ENV.oidcIssuer, identityProvider.issuer);
    return this.setEnvironment(ENV.oidcClientId, identityProvider.clientId);
  }

  /** ses:SendEmail from the sender identity, EMAIL_FROM and (when set) EMAIL_REPLY_TO. */
  bindEmail(sender: SenderReference): this {
    grantSendFrom(this, sender);
    this.setEnvironment(ENV.emailFrom, sender.from);
    if (sender.replyTo) this.setEnvironment(ENV.emailReplyTo, sender.replyTo);
    return this;
  }
}
