/**
 * `npm run bench:bad-input` (and `npm run bench`): the bad-input property run of
 * tests/workflow/bad-input.test.ts at bench size. Generates BENCH_BAD_INPUTS bodies (default 10,000)
 * over every write route of the function catalogue from BAD_INPUT_SEED (default: a fresh seed,
 * printed, so any run can be reproduced), sends them one after another to one local stack, and
 * prints the figures docs/reliability.md reports. Exits 1 if any body was accepted, answered 5xx or
 * with no field paths, left without an answer, or changed the table.
 */
// Set before the handlers load (Powertools reads its settings when it is constructed).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { startHarness } = await import('../tests/workflow/harness.ts');
const { fixedClock } = await import('../tests/fixtures/index.ts');
const { figures, prepareTargets, runBadInputs, settledSnapshot } = await import('../tests/workflow/bad-input.ts');

const ATTEMPTS = Number(process.env.BENCH_BAD_INPUTS ?? 10_000);
const SEED = Number(process.env.BAD_INPUT_SEED ?? Math.floor(Math.random() * 2 ** 31));

const h = await startHarness({ runtime: { clock: fixedClock() } });
let failed = false;
try {
  const targets = await prepareTargets(h);
  const before = await settledSnapshot(h);
  const report = await runBadInputs(h, targets, {
    attempts: ATTEMPTS,
    seed: SEED,
    before,
    onAnswer: (input, answer, verdict, i) => {
      if (process.env.BAD_INPUT_TRACE) console.error(i, input.route, input.kind, answer.status, verdict);
      else if ((i + 1) % 1000 === 0) console.error(`${i + 1}/${ATTEMPTS}`);
    },
  });
  const f = figures(report);
  console.log(
    JSON.stringify(
      {
        ...f,
        seed: report.seed,
        itemsCompared: before.size,
        seconds: report.ms / 1000,
        byRoute: report.byRoute,
        byStatus: report.byStatus,
        verdicts: report.verdicts,
        failures: report.failures,
        table: report.table,
      },
      null,
      2,
    ),
  );
  console.log(
    `\n| Bad input (property-based, every write route) | ${f.attempts} | ${f.wronglyAccepted} | ${f.fiveHundreds} | ${f.lost} | ${f.stuck} |`,
  );
  failed = report.verdicts.refused !== report.attempts || f.wronglyAccepted + f.fiveHundreds + f.lost + f.stuck > 0;
  if (failed)
    console.error(
      `Not every bad input was refused cleanly: reproduce with BAD_INPUT_SEED=${report.seed} BENCH_BAD_INPUTS=${ATTEMPTS} npm run bench:bad-input`,
    );
} finally {
  await h.close();
}
process.exit(failed ? 1 : 0);
