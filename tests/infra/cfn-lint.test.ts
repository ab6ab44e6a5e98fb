import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app-builder.ts';
import { ACCOUNT, deploymentContext, SKIP_BUNDLING } from './template-helpers.ts';

/**
 * cfn-lint (AWS's CloudFormation linter) over the templates `cdk deploy` would send: synthesized
 * for an account with a department's settings. Errors fail; warnings are allowed (CDK's templates
 * carry W3005, a DependsOn beside a GetAtt). Skipped, saying so, where cfn-lint is not installed.
 */

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

interface CfnLintMatch {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path?: readonly (string | number)[] };
}

const cfnLint = onPath('cfn-lint');

const SKIPPED = 'cfn-lint is not on PATH (install it with `pip install cfn-lint`): the templates were not linted';

/** cfn-lint's findings on these templates, and its exit status (a bit mask: 2 errors, 4 warnings, 8 informational; 1 a failure of its own). */
function lint(templates: readonly string[], region = 'eu-west-2'): { status: number | null; matches: CfnLintMatch[] } {
  const run = spawnSync(cfnLint!, ['--format', 'json', '--regions', region, '--', ...templates], { encoding: 'utf8' });
  expect({ status: run.status, stderr: run.stderr }).not.toMatchObject({ status: 1 });
  return { status: run.status, matches: JSON.parse(run.stdout || '[]') as CfnLintMatch[] };
}

const errorsIn = (matches: CfnLintMatch[]) =>
  matches
    .filter((m) => m.Level === 'Error')
    .map((m) => `${path.basename(m.Filename)} ${m.Rule.Id} ${(m.Location.Path ?? []).join('/')}: ${m.Message}`);

describe('cfn-lint', () => {
  it('reports no error on any template of a synth for an account, each in its own region', (ctx) => {
    if (!cfnLint) ctx.skip(SKIPPED);
    const outdir = mkdtempSync(path.join(tmpdir(), 'offshore-cfn-lint-'));
    const { app } = buildApp({ ...SKIP_BUNDLING, ...deploymentContext() }, { account: ACCOUNT, outdir });
    const stacks = app.synth().stacks;
    expect(stacks.map((s) => [path.basename(s.templateFullPath), s.environment.region]).sort()).toEqual([
      ['OffshoreApprovalsStateful.template.json', 'eu-west-2'],
      ['OffshoreApprovalsStateless.template.json', 'eu-west-2'],
      // The web ACL for CloudFront, which AWS WAF takes only in us-east-1.
      ['OffshoreApprovalsWebAcl.template.json', 'us-east-1'],
    ]);

    const byRegion = Map.groupBy(stacks, (s) => s.environment.region);
    const runs = [...byRegion].map(([region, inRegion]) =>
      lint(
        inRegion.map((s) => s.templateFullPath),
        region,
      ),
    );
    const matches = runs.flatMap((r) => r.matches);
    expect(errorsIn(matches)).toEqual([]);
    for (const { status } of runs) expect(status! & 2).toBe(0);
    const warnings = [...new Set(matches.filter((m) => m.Level === 'Warning').map((m) => m.Rule.Id))];
    if (warnings.length > 0) ctx.annotate(`cfn-lint warnings (allowed): ${warnings.join(', ')}`);
  });

  it('still checks: an error in a template is reported', (ctx) => {
    if (!cfnLint) ctx.skip(SKIPPED);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'offshore-cfn-lint-')), 'broken.template.json');
    // A queue whose dead-letter target is a resource the template does not have.
    const broken = {
      Resources: {
        Queue: {
          Type: 'AWS::SQS::Queue',
          Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Missing', 'Arn'] }, maxReceiveCount: 5 } },
        },
      },
    };
    writeFileSync(file, JSON.stringify(broken));
    const { status, matches } = lint([file]);
    expect(errorsIn(matches).length).toBeGreaterThan(0);
    expect(status! & 2).toBe(2);
  });
});
