import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run bench`: every benchmark, one after the other, each in its own process against its own
 * local stack. A missed target fails the run, after the others have still run and reported.
 */
const BENCHES = ['monitoring.ts', 'bad-input.ts', 'bundles.ts', 'intake.ts', 'governance.ts'];

const missed = BENCHES.filter((bench) => {
  console.error(`== bench/${bench}`);
  const { status } = spawnSync(process.execPath, [path.join(import.meta.dirname, bench)], { stdio: 'inherit' });
  return status !== 0;
});
if (missed.length > 0) {
  console.error(`Targets missed in: ${missed.map((b) => `bench/${b}`).join(', ')}`);
  process.exitCode = 1;
}
