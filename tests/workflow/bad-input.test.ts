import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { fixedClock } from '../fixtures/index.ts';
import { BODY_CONTRACTS, figures, prepareTargets, routeKey, runBadInputs, settledSnapshot, writeRoutes, type Targets } from './bad-input.ts';

/**
 * Generated bad bodies (fast-check) for every write route of the function catalogue, against one
 * local stack: every one refused with 400 naming its fields, 413 or 415; none accepted, none 5xx,
 * none left without an answer; and every item of the table as it was. `npm run bench` runs the
 * same generators ten times over (bench/bad-input.ts).
 *
 * The seed is fixed so the suite is repeatable; BAD_INPUT_SEED explores others, BAD_INPUT_RUNS
 * runs more.
 */
const ATTEMPTS = Number(process.env.BAD_INPUT_RUNS ?? 2000);
const SEED = Number(process.env.BAD_INPUT_SEED ?? 20261123);

let h: Harness;
let targets: Targets;
let before: Map<string, string>;
beforeAll(async () => {
  h = await startHarness({ runtime: { clock: fixedClock() } });
  targets = await prepareTargets(h);
  before = await settledSnapshot(h);
}, 90_000);
afterAll(() => h?.close());

describe('bad input on every write route', () => {
  it('covers every POST route of the catalogue, each with a description of its body', () => {
    expect(writeRoutes.length).toBeGreaterThanOrEqual(8);
    expect(writeRoutes.map(routeKey).filter((key) => !BODY_CONTRACTS[key])).toEqual([]);
  });

  it(`refuses ${ATTEMPTS} generated bad bodies with 4xx and field paths, never 5xx, and the table is unchanged`, async () => {
    const report = await runBadInputs(h, targets, { attempts: ATTEMPTS, seed: SEED, before });
    // Every route got its share.
    for (const route of writeRoutes) expect(report.byRoute[routeKey(route)] ?? 0).toBeGreaterThan(ATTEMPTS / (4 * writeRoutes.length));
    expect(report.failures).toEqual([]);
    expect(report.table).toEqual({ added: [], removed: [], modified: [] });
    expect(figures(report)).toEqual({ attempts: ATTEMPTS, wronglyAccepted: 0, fiveHundreds: 0, lost: 0, stuck: 0 });
    expect(report.verdicts.refused).toBe(ATTEMPTS);
  }, 120_000);
});
