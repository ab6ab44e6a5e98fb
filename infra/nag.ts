import { Stack, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
// cdk-nag's own formatter for finding ids (`Resource::<Logical.Arn>:*`), so a computed
// acknowledgement matches the finding exactly (cdk-nag 3 has no prefix matching).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Runs the AWS Solutions and Serverless packs over every stack at synth; findings land in validation-report.json. */
export function addNagChecks(app: App): void {
  // writeSuppressionsToCloudFormation: each acknowledgement (with its reason) is also written into
  // the resource's Metadata, so the audit trail travels with the template.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
    new ServerlessChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
}

/** Acknowledges one cdk-nag finding on a construct and everything below it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The IAM5 finding id for a wildcard resource built from tokens (e.g. a state machine's execution
 * ARN pattern), resolved the way cdk-nag resolves it. Only for tokens of the scope's own stack:
 * a cross-stack reference resolves to an import only at synth.
 */
export function wildcardResourceFinding(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resourceArn))}]`;
}
