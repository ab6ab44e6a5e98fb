import { Validations } from 'aws-cdk-lib';
import { ServerlessChecks, AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface Acknowledgement {
  /** Construct path the acknowledgement was made on (it covers everything below it). */
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

export interface Finding {
  readonly ruleName: string;
  readonly severity: string;
  readonly constructPath: string;
}

/** Every `Validations.of(x).acknowledge(...)` in the tree, as recorded in construct metadata. */
export function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([qualifiedId, reason]) => ({
          path: construct.node.path,
          // CDK records unqualified ids under its annotation namespace.
          id: qualifiedId.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/**
 * Runs the AWS Solutions pack over the tree directly (cdk-nag 3's documented test entry point).
 * With `honourAcknowledgements: false` it reports what the pack finds before any acknowledgement,
 * which is how a stale acknowledgement (one that matches nothing) is caught.
 */
export function rawNagFindings(root: IConstruct, options: { honourAcknowledgements: boolean; packs?: ('AwsSolutions' | 'Serverless')[] }): Finding[] {
  const packs = (options.packs ?? ['AwsSolutions', 'Serverless']).map((name) =>
    name === 'AwsSolutions' ? new AwsSolutionsChecks() : new ServerlessChecks(),
  );
  return packs.flatMap((pack) => findingsOf(pack, root, options.honourAcknowledgements));
}

function findingsOf(pack: AwsSolutionsChecks | ServerlessChecks, root: IConstruct, honourAcknowledgements: boolean): Finding[] {
  if (!honourAcknowledgements) {
    // cdk-nag 3.0 consults this (private) method for every finding; if a later version renames it,
    // the "still checks" test fails rather than this silently honouring acknowledgements.
    Object.assign(pack, { isAcknowledged: () => false });
  }
  return pack.validateScope(root).violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => ({
      ruleName: violation.ruleName,
      severity: violation.severity ?? 'unknown',
      constructPath: resource.constructPath ?? '',
    })),
  );
}
