import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaFunctions } from '../functions/catalogue.ts';
import { esbuildOptions } from '../infra/bundling.ts';
import { fromRepoRoot } from '../infra/paths.ts';

/**
 * `npm run bench:bundles` (and `npm run bench`): every catalogue function bundled with the options
 * CDK deploys them with (infra/bundling.ts), beside a baseline that only builds the three SDK
 * clients (bench/baseline-clients.ts). Reports each bundle's size and its module initialisation
 * (the median of RUNS cold `node` processes, each importing the bundle once, as Lambda's init phase
 * does: with Lambda's environment, so each function builds its runtime as it loads), both as
 * multiples of the baseline's, measured in the same run. Exits 1 if a target is missed.
 */
const RUNS = Number(process.env.BENCH_INIT_RUNS ?? 7);
const TARGETS = { size: 1.0, authorizerSize: 0.6, init: 1.15 };
const BASELINE = 'baseline';

const out = mkdtempSync(path.join(tmpdir(), 'offshore-bundles-'));
const entries: [string, string][] = [
  [BASELINE, fromRepoRoot('bench/baseline-clients.ts')],
  ...Object.entries(lambdaFunctions).map(([key, spec]): [string, string] => [key, fromRepoRoot(spec.entry)]),
];

interface Measured {
  bytes: number;
  /** Bytes in the bundle by package (node_modules) or by folder (the project's own code). */
  byPackage: Record<string, number>;
  initMs: number[];
}
const measured = new Map<string, Measured>();

try {
  for (const [key, entry] of entries) {
    const outfile = path.join(out, key, 'index.mjs');
    const { metafile } = await build({ ...esbuildOptions(entry, outfile), metafile: true });
    const byPackage: Record<string, number> = {};
    for (const [file, input] of Object.entries(Object.values(metafile.outputs).find((o) => o.entryPoint)!.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1] ?? path.dirname(file);
      byPackage[name] = (byPackage[name] ?? 0) + input.bytesInOutput;
    }
    measured.set(key, { bytes: statSync(outfile).size, byPackage, initMs: [] });
  }

  // As Lambda runs them (infra/constructs/project-function.ts sets the POWERTOOLS_ settings and source maps).
  const lambdaEnvironment = (key: string) => ({
    PATH: process.env.PATH,
    AWS_LAMBDA_FUNCTION_NAME: `offshore-approvals-${key}`,
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    TABLE_NAME: 'offshore-approvals',
    STATE_MACHINE_ARN: 'arn:aws:states:eu-west-2:000000000000:stateMachine:offshoring-approval',
    EMAIL_FROM: 'offshore-approvals@example.gov.uk',
    PUBLIC_BASE_URL: 'https://offshore-approvals.example.gov.uk',
    POWERTOOLS_SERVICE_NAME: 'offshore-approvals',
    POWERTOOLS_METRICS_NAMESPACE: 'OffshoreApprovals',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
    NODE_OPTIONS: '--enable-source-maps',
  });
  const importOnce = `const started = performance.now();
    await import(process.env.BENCH_BUNDLE);
    process.stdout.write(String(performance.now() - started));`;
  // Rounds interleave the bundles, so a busy moment on the machine falls on all of them alike.
  for (let round = 0; round < RUNS; round++) {
    for (const [key] of entries) {
      const bundle = pathToFileURL(path.join(out, key, 'index.mjs')).href;
      const ms = execFileSync(process.execPath, ['--input-type=module', '-e', importOnce], {
        env: { ...lambdaEnvironment(key), BENCH_BUNDLE: bundle },
        encoding: 'utf8',
      });
      measured.get(key)!.initMs.push(Number(ms));
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const baseline = measured.get(BASELINE)!;
const baselineInit = median(baseline.initMs);
const kib = (bytes: number) => Math.round(bytes / 1024);
const rows = [...measured].map(([key, m]) => {
  const sizeRatio = m.bytes / baseline.bytes;
  const initRatio = median(m.initMs) / baselineInit;
  const sizeTarget = key === 'authorizeApprovalLink' ? TARGETS.authorizerSize : TARGETS.size;
  const largest = Object.entries(m.byPackage)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, bytes]) => `${name} ${kib(bytes)}`);
  return {
    function: key,
    kib: kib(m.bytes),
    size: Number(sizeRatio.toFixed(2)),
    sizeTarget: key === BASELINE ? undefined : sizeTarget,
    initMs: Number(median(m.initMs).toFixed(1)),
    init: Number(initRatio.toFixed(2)),
    met: key === BASELINE || (sizeRatio <= sizeTarget && initRatio <= TARGETS.init),
    largest: largest.join(', '),
  };
});

const machine = {
  cpus: availableParallelism(),
  cpu: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  initRuns: RUNS,
};
console.log(JSON.stringify({ machine, targets: TARGETS, bundles: rows }, null, 2));
console.table(rows.map(({ largest: _, ...row }) => row));
const missed = rows.filter((r) => !r.met).map((r) => r.function);
if (missed.length > 0) {
  console.error(
    `Targets missed (size ≤ ${TARGETS.size}× baseline, authorizer ≤ ${TARGETS.authorizerSize}×, init ≤ ${TARGETS.init}×): ${missed.join(', ')}`,
  );
  process.exitCode = 1;
}
