import { performance } from 'node:perf_hooks';
import { availableParallelism, totalmem } from 'node:os';
import { TransactWriteItemsCommand, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';

/**
 * `npm run bench:intake` (and `npm run bench`): POST /requests on the local stack against the least
 * any submission costs there: a bare write of the same items in one transaction plus one
 * StartExecution, sent by the same SDK clients to the same dynalite and Step Functions endpoint.
 * The items and the execution input are the ones intake itself sent for a request (captured from
 * its clients), with a fresh request id each time. Requests and bare writes alternate, REQUESTS of
 * each after WARMUP of each, so whatever the started workflows do in the background weighs on both
 * alike. Reports p50 and p99 of each and their ratio; exits 1 if either ratio is above TARGET.
 */
// Set before the handlers load (Powertools reads its settings when it is constructed).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { startLocalStack } = await import('../local/stack.ts');
const { singleAreaRequest, fixedClock } = await import('../tests/fixtures/index.ts');

const REQUESTS = Number(process.env.BENCH_INTAKE_REQUESTS ?? 200);
const WARMUP = 10;
const TARGET = 1.5;

const stack = await startLocalStack({ port: 0, sesPort: 0, identityProviderPort: 0, runtime: { clock: fixedClock() } });
const { dynamoDb, stepFunctions } = stack.runtime.clients;

// What intake sends, as sent (marshalled), captured before it is signed.
let capturing = false;
let transaction: TransactWriteItemsCommandInput | undefined;
let start: StartExecutionCommandInput | undefined;
dynamoDb.middlewareStack.add(
  (next) => async (args) => {
    const input = args.input as TransactWriteItemsCommandInput;
    if (capturing && input.TransactItems) transaction = structuredClone(input);
    return next(args);
  },
  { step: 'build', name: 'benchCaptureTransaction' },
);
stepFunctions.middlewareStack.add(
  (next) => async (args) => {
    if (capturing) start = structuredClone(args.input as StartExecutionCommandInput);
    return next(args);
  },
  { step: 'build', name: 'benchCaptureStart' },
);

const body = JSON.stringify(singleAreaRequest());
const owner = singleAreaRequest().serviceOwner.email;
const authorization = `Bearer ${stack.tokenFor({ email: owner })}`;
async function submit(): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/requests`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
  const answer = (await res.json()) as { requestId?: string };
  if (res.status !== 201 || !answer.requestId) throw new Error(`POST /requests answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer.requestId;
}

let bareCount = 0;
const bareParts: { transaction: number; start: number }[] = [];
let template: { requestId: string; transaction: string; start: string } | undefined;
async function bare(): Promise<void> {
  const requestId = `OFF-BENCH${String(++bareCount).padStart(6, '0')}`;
  const fresh = <T>(json: string): T => JSON.parse(json.replaceAll(template!.requestId, requestId)) as T;
  const started = performance.now();
  await dynamoDb.send(new TransactWriteItemsCommand(fresh(template!.transaction)));
  const written = performance.now();
  await stepFunctions.send(new StartExecutionCommand(fresh(template!.start)));
  bareParts.push({ transaction: written - started, start: performance.now() - written });
}

const timed = async (run: () => Promise<unknown>) => {
  const started = performance.now();
  await run();
  return performance.now() - started;
};

const intakeMs: number[] = [];
const bareMs: number[] = [];
try {
  capturing = true;
  const requestId = await submit();
  capturing = false;
  if (!transaction || !start) throw new Error('intake sent no transaction or no StartExecution');
  const items = transaction.TransactItems!.length;
  template = { requestId, transaction: JSON.stringify(transaction), start: JSON.stringify(start) };

  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const a = await timed(submit);
    const b = await timed(bare);
    if (i >= WARMUP) {
      intakeMs.push(a);
      bareMs.push(b);
    }
  }

  const percentile = (values: number[], p: number) => [...values].sort((x, y) => x - y)[Math.ceil((p / 100) * values.length) - 1]!;
  const figures = (values: number[]) => ({ p50: Number(percentile(values, 50).toFixed(1)), p99: Number(percentile(values, 99).toFixed(1)) });
  const intake = figures(intakeMs);
  const bareWrite = figures(bareMs);
  const ratio = { p50: Number((intake.p50 / bareWrite.p50).toFixed(2)), p99: Number((intake.p99 / bareWrite.p99).toFixed(2)) };
  console.log(
    JSON.stringify(
      {
        machine: { cpus: availableParallelism(), memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
        requests: REQUESTS,
        itemsPerTransaction: items,
        intakeMs: intake,
        bareWriteAndStartMs: bareWrite,
        bareMedianMs: {
          transaction: Number(
            percentile(
              bareParts.slice(WARMUP).map((p) => p.transaction),
              50,
            ).toFixed(1),
          ),
          startExecution: Number(
            percentile(
              bareParts.slice(WARMUP).map((p) => p.start),
              50,
            ).toFixed(1),
          ),
        },
        ratio,
        target: TARGET,
      },
      null,
      2,
    ),
  );
  if (ratio.p50 > TARGET || ratio.p99 > TARGET) {
    console.error(`Target missed: intake at most ${TARGET}× a bare write and start, at p50 and p99`);
    process.exitCode = 1;
  }
} finally {
  await stack.close();
}
