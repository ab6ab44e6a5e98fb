import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV } from '../../functions/platform/config.ts';
import { ApprovalWorkflow } from '../constructs/approval-workflow.ts';
import { ApprovalsApi } from '../constructs/approvals-api.ts';
import { OperationalAlarms } from '../constructs/operational-alarms.ts';
import type { ApprovalsTable } from '../constructs/approvals-table.ts';
import type { SenderReference } from '../constructs/email-sender.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { FunctionSchedule } from '../constructs/function-schedule.ts';
import { LogsKey } from '../constructs/logs-key.ts';
import { FailedInvocations } from '../constructs/failed-invocations.ts';
import { WebFront } from '../constructs/web-front.ts';
import type { WebSecrets } from '../constructs/web-secrets.ts';
import { pageAssetManifest, pageAssetsDir } from '../page-assets.ts';
import { fromRepoRoot } from '../paths.ts';
import { authorizerOf, checkCatalogue, pascalCase, projectCatalogue, rendersPages, type ServiceCatalogue } from '../service-catalogue.ts';
import type { DeploymentSettings } from '../settings.ts';

export interface StatelessStackProps extends StackProps {
  readonly table: ApprovalsTable;
  /** Plain names only: nothing about the sender is imported from the stateful stack (see SenderReference). */
  readonly sender: SenderReference;
  /** The pages' session key and the identity provider's client secret (stateful stack). */
  readonly webSecrets: WebSecrets;
  /** The AWS WAF web ACL for the distribution (its own stack, in us-east-1). */
  readonly webAclArn: string;
  readonly settings: DeploymentSettings;
  /**
   * What to build: functions, routes, state-machine placeholders.
   * @default projectCatalogue (functions/catalogue.ts)
   */
  readonly catalogue?: ServiceCatalogue;
}

/**
 * Code and wiring, built entirely from the catalogue: one function per entry (its `needs` become
 * grants plus environment variables), one API route per route, one state machine whose
 * placeholders are the catalogue's state-machine functions. Updated in place by every deploy;
 * destroyed (or its API or state machine replaced) only once no approval round is open: emailed
 * links carry the API's URL, and open rounds are executions of the state machine (infra/README.md).
 */
export class StatelessStack extends Stack {
  readonly functions: Readonly<Record<string, ProjectFunction>>;
  readonly api: ApprovalsApi;
  readonly workflow: ApprovalWorkflow;
  readonly alarms: OperationalAlarms;
  readonly failedInvocations: FailedInvocations;
  readonly web: WebFront;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const catalogue = props.catalogue ?? projectCatalogue;
    checkCatalogue(catalogue);

    const logsKey = new LogsKey(this, 'LogsKey').key;
    const failed = new FailedInvocations(this, 'FailedInvocations');
    this.failedInvocations = failed;
    const functions: Record<string, ProjectFunction> = {};
    for (const [key, spec] of Object.entries(catalogue.functions)) {
      functions[key] = new ProjectFunction(this, `${pascalCase(key)}Function`, {
        entry: spec.entry,
        description: spec.description,
        logKey: logsKey,
        // Only a schedule invokes a function asynchronously; every other invocation is synchronous.
        deadLetters: spec.schedule ? failed : undefined,
        pageTemplates: rendersPages(catalogue, key) ? { assetManifest: pageAssetManifest() } : undefined,
      });
    }
    this.functions = functions;
    const fn = (key: string): ProjectFunction => functions[key] ?? assertNever(key);

    const usesLinkAuth = catalogue.routes.some((route) => route.auth === 'approvalLink');
    this.api = new ApprovalsApi(this, 'Api', {
      routes: catalogue.routes.map((route) => ({
        method: route.method,
        path: route.path,
        handler: fn(route.function).function,
        handlerName: pascalCase(route.function),
        auth: route.auth ?? 'jwt',
      })),
      logKey: logsKey,
      identityProvider: { issuer: props.settings.oidcIssuer, audience: props.settings.oidcAudience },
      linkAuthorizer: usesLinkAuth ? fn(authorizerOf(catalogue, 'approvalLink')).function : undefined,
    });

    this.workflow = new ApprovalWorkflow(this, 'Workflow', {
      definitionFile: fromRepoRoot(catalogue.stateMachineFile),
      key: logsKey,
      functions: Object.fromEntries(Object.entries(catalogue.stateMachineFunctions).map(([placeholder, key]) => [placeholder, fn(key).function])),
    });

    // The distribution names only the API itself (its id), never its routes, so the functions may name
    // the distribution: CloudFormation creates API, distribution, functions, then routes.
    this.web = new WebFront(this, 'Web', {
      api: this.api.httpApi,
      assetsDir: pageAssetsDir(),
      webAclArn: props.webAclArn,
      logKey: logsKey,
      customDomain: props.settings.customDomain,
    });

    const publicBaseUrl = props.settings.publicBaseUrl ?? this.web.url;
    for (const [key, spec] of Object.entries(catalogue.functions)) {
      const f = fn(key);
      const { needs } = spec;
      if (needs.table) f.bindTable(props.table, needs.table, { idempotency: needs.idempotency });
      if (needs.startExecution || needs.stopExecution || needs.sendTaskResult || needs.inspectExecutions) {
        f.bindStateMachine(this.workflow, {
          start: needs.startExecution,
          stop: needs.stopExecution,
          sendTaskResult: needs.sendTaskResult,
          inspect: needs.inspectExecutions,
        });
      }
      if (spec.schedule)
        new FunctionSchedule(this, `${pascalCase(key)}Schedule`, { function: f.function, deadLetterQueue: failed.queue, ...spec.schedule });
      if (needs.sendEmail) f.bindEmail(props.sender);
      // Whoever sends email may report a breach or incident (or retry one): to these addresses when configured.
      if (needs.sendEmail && props.settings.dpoEmail) f.setEnvironment(ENV.dpoEmail, props.settings.dpoEmail);
      if (needs.sendEmail && props.settings.operationalSecurityEmail)
        f.setEnvironment(ENV.operationalSecurityEmail, props.settings.operationalSecurityEmail);
      if (needs.webSecrets) f.bindWebSecrets(props.webSecrets, { issuer: props.settings.oidcIssuer, clientId: props.settings.oidcClientId });
      // Every handler's runtime reads these (links in responses and emails; the approver directory).
      f.setEnvironment(ENV.publicBaseUrl, publicBaseUrl);
      f.setEnvironment(ENV.securityTeamGroup, props.settings.securityTeamGroup);
      if (props.settings.approverDirectoryEnvironment) f.setEnvironment(ENV.approverDirectory, props.settings.approverDirectoryEnvironment);
    }

    this.alarms = new OperationalAlarms(this, 'Alarms', {
      functions: Object.fromEntries(Object.entries(functions).map(([key, f]) => [key, f.function])),
      stateMachine: this.workflow.stateMachine,
      apiStage: this.api.stage,
      failedInvocations: { queue: failed.queue, parked: failed.parked, retention: failed.retention },
      email: props.settings.alarmEmail,
    });
  }
}

function assertNever(key: string): never {
  throw new Error(`Unknown function "${key}" (checkCatalogue should have caught this)`);
}
