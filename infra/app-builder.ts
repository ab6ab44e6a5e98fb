import { App } from 'aws-cdk-lib';
import { addNagChecks } from './nag.ts';
import type { ServiceCatalogue } from './service-catalogue.ts';
import { readSettings } from './settings.ts';
import { StatefulStack } from './stacks/stateful-stack.ts';
import { StatelessStack } from './stacks/stateless-stack.ts';

/**
 * Context the app always starts from; cdk.json and `-c` override it. Here rather than in cdk.json
 * so that the tests, which build the app without the CLI, build the same thing.
 */
const BASE_CONTEXT: Record<string, unknown> = {
  // Exports (Fn::ImportValue) between the stacks: CloudFormation then refuses any stateful change
  // that would pull the table, key or identity out from under the deployed functions.
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
};

export const STACK_NAMES = { stateful: 'OffshoreApprovalsStateful', stateless: 'OffshoreApprovalsStateless' } as const;
export const DEFAULT_REGION = 'eu-west-2';

export interface BuildOptions {
  /** @default projectCatalogue */
  readonly catalogue?: ServiceCatalogue;
  /** Cloud assembly directory. @default the CLI's, or a temporary directory */
  readonly outdir?: string;
}

export interface BuiltApp {
  readonly app: App;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * The one way the app is built: infra/app.ts (the CDK CLI) and tests/infra both call this.
 * `context` adds to (and overrides) what cdk.json and `-c` give the CLI.
 */
export function buildApp(context?: Record<string, unknown>, options: BuildOptions = {}): BuiltApp {
  const app = new App({ context: { ...BASE_CONTEXT, ...context }, outdir: options.outdir });
  const settings = readSettings(app);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? DEFAULT_REGION };

  const stateful = new StatefulStack(app, STACK_NAMES.stateful, {
    env,
    settings,
    description: 'Offshore approvals: data (DynamoDB table, KMS key) and the SES sender identity. Retained.',
  });
  const stateless = new StatelessStack(app, STACK_NAMES.stateless, {
    env,
    settings,
    table: stateful.table,
    sender: stateful.sender,
    catalogue: options.catalogue,
    description: 'Offshore approvals: functions, HTTP API and approval workflow.',
  });

  addNagChecks(app);
  return { app, stateful, stateless };
}
