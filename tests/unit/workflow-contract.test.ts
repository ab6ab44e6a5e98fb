import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { STATE_MACHINE_FILE } from '../../functions/catalogue.ts';
import {
  ApprovalRoundInputSchema,
  ApprovalStepPayloadSchema,
  ApprovalStepSchema,
  MAX_LAPSE_AFTER_SECONDS,
  ROUND_TIMEOUT_SECONDS,
  RoundEndSchema,
  StageWaitsSchema,
} from '../../functions/domain/workflow.ts';
import type * as z from 'zod';
import { DEFAULT_APPROVAL_WAITS } from '../../functions/domain/offshoring-policy.ts';
import { createRuntime } from '../../functions/platform/runtime.ts';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { StaleState, TransactionConflict } from '../../functions/store/errors.ts';
import { Table } from '../../functions/store/table.ts';

/**
 * The ASL and the code agree on names and numbers: the errors the ASL matches are the names the
 * code produces (after minification, as deployed), every Lambda task retries the same transient
 * failures, and the execution's timeout outlasts the longest round the configuration allows.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

interface State {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Error?: string;
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  ItemProcessor?: { States: Record<string, State> };
  ItemsPath?: string;
  ItemSelector?: Record<string, string>;
  Parameters?: { FunctionName?: string; Payload?: Record<string, unknown> };
}
interface Machine {
  TimeoutSeconds?: number;
  States: Record<string, State>;
}

const machine = JSON.parse(readFileSync(path.join(ROOT, STATE_MACHINE_FILE), 'utf8')) as Machine;

/** Every state, with the Map's own states, by name. */
function allStates(states: Record<string, State> = machine.States): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : []),
  ]);
}
const tasks = allStates().filter(([, state]) => state.Type === 'Task');

/**
 * Transient failures of a Lambda task: the Lambda service, its sandbox, throttling, an AWS call the
 * SDK gave up on for want of an answer (TimeoutError, after its own retries), and DynamoDB
 * transaction conflicts.
 */
const TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'Sandbox.Timedout',
  'TooManyRequestsException',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TimeoutError',
  'TransactionConflict',
];
const awsOwn = (name: string) =>
  /^(States|Lambda|Sandbox)\./.test(name) || /Exception$/.test(name) || name === 'RequestLimitExceeded' || name === 'TimeoutError';

/** The code's error names as deployed: bundled and minified (esbuild, no keepNames). */
async function minifiedNames(): Promise<{ branchErrors: string[]; transactionConflict: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'signals-'));
  try {
    const outfile = path.join(dir, 'names.mjs');
    await build({
      stdin: {
        contents: `export { BRANCH_ERRORS } from './functions/domain/workflow.ts'; export { TransactionConflict } from './functions/store/errors.ts';`,
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      outfile,
      logLevel: 'silent',
      external: ['@aws-sdk/*', 'zod'],
    });
    const bundle = (await import(pathToFileURL(outfile).href)) as {
      BRANCH_ERRORS: Record<string, string>;
      TransactionConflict: new (message: string) => Error;
    };
    return { branchErrors: Object.values(bundle.BRANCH_ERRORS), transactionConflict: new bundle.TransactionConflict('x').name };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the workflow error contract', () => {
  it('matches and raises, after minification, only names the code produces, and the Map catches every branch outcome', async () => {
    const { branchErrors, transactionConflict } = await minifiedNames();
    expect(branchErrors.sort()).toEqual(['ApprovalClosed', 'ApprovalLapsed', 'ApprovalRejected']);
    expect(transactionConflict).toBe('TransactionConflict');

    const matched = allStates().flatMap(([, state]) => [...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((r) => r.ErrorEquals));
    // Fail states inside a branch, which the Map's Catch routes (the execution's own Fail is for the alarms).
    const raised = allStates(machine.States.ApprovalRound!.ItemProcessor!.States).flatMap(([, state]) =>
      state.Type === 'Fail' && state.Error ? [state.Error] : [],
    );
    const ours = new Set([...matched, ...raised].filter((name) => !awsOwn(name)));
    expect([...ours].sort()).toEqual([...branchErrors, transactionConflict].sort());

    const roundCatches = machine.States.ApprovalRound!.Catch!.flatMap((c) => c.ErrorEquals);
    for (const name of branchErrors) expect(roundCatches).toContain(name);
    // A withdrawal or a newer round ends the round quietly; only a real failure reaches RoundFailed.
    expect(machine.States.ApprovalRound!.Catch!.find((c) => c.ErrorEquals.includes('ApprovalClosed'))!.Next).toBe('RoundClosed');
    expect(machine.States.RoundClosed!.Type).toBe('Succeed');
  });

  it('never catches an expected outcome from a Lambda: no Task matches a branch outcome by name', () => {
    for (const [name, state] of tasks) {
      const matched = [...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((r) => r.ErrorEquals);
      expect(
        matched.filter((error) => /^Approval/.test(error)),
        name,
      ).toEqual([]);
    }
  });
});

describe('retries', () => {
  it.each(tasks.map(([name]) => name))(
    '%s retries every transient Lambda, throttling, SDK timeout and transaction-conflict error, and nothing else',
    (name) => {
      const state = tasks.find(([n]) => n === name)![1];
      const retried = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(expect.arrayContaining(TRANSIENT));
      // Not a blanket retry: a real fault fails the round at once (RoundFailed marks the request ERROR).
      expect(retried).not.toContain('States.ALL');
      expect(retried).not.toContain('States.TaskFailed');
    },
  );

  it('gets DynamoDB transaction conflicts by a stable name, while a failed condition stays StaleState', async () => {
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }));
    const dynamo = mockClient(documents);
    const table = new Table(documents, 'approvals');
    const cancelled = (...codes: string[]) =>
      new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
    try {
      dynamo
        .on(TransactWriteCommand)
        .rejectsOnce(cancelled('None', 'TransactionConflict'))
        .rejectsOnce(cancelled('TransactionConflict', 'ConditionalCheckFailed'))
        .rejectsOnce(cancelled('ThrottlingError'));
      await expect(table.transact([])).rejects.toBeInstanceOf(TransactionConflict);
      await expect(table.transact([])).rejects.toBeInstanceOf(StaleState);
      await expect(table.transact([])).rejects.toBeInstanceOf(TransactionCanceledException);
    } finally {
      dynamo.restore();
    }
    expect(TRANSIENT).toContain(new TransactionConflict('x').name);
  });

  it('lets a concluding step that fails for good mark the request ERROR', () => {
    for (const name of ['RoundApproved', 'RoundRejected']) {
      expect(machine.States[name]!.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'RoundFailed' })]);
    }
  });
});

describe('the execution timeout', () => {
  /** Seconds a task can add by retrying: every attempt up to `attemptSeconds`, plus the backoff between them. */
  const retrySeconds = (state: State, attemptSeconds: number) =>
    (state.Retry ?? []).reduce((sum, r) => {
      const attempts = r.MaxAttempts ?? 3;
      let waits = 0;
      for (let k = 0; k < attempts; k++) waits += (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** k;
      return sum + attempts * attemptSeconds + waits;
    }, 0);

  it('is the TimeoutSeconds the code validates the lapse window against', () => {
    expect(machine.TimeoutSeconds).toBe(ROUND_TIMEOUT_SECONDS);
  });

  it('outlasts the longest round: the longest lapse window accepted, every retry, the lapse step and the conclusion', () => {
    // A waiting step's failed attempt ends within Lambda's longest timeout (900 s), then the stage starts again.
    const waitingRetries = tasks.filter(([, s]) => s.Resource?.endsWith('.waitForTaskToken')).reduce((sum, [, s]) => sum + retrySeconds(s, 900), 0);
    const closing = ['LapseApproval', 'RoundRejected', 'RoundFailed'].map((name) => allStates().find(([n]) => n === name)![1]);
    const closingSeconds = closing.reduce((sum, s) => sum + s.TimeoutSeconds! + retrySeconds(s, s.TimeoutSeconds!), 0);
    expect(MAX_LAPSE_AFTER_SECONDS + waitingRetries + closingSeconds).toBeLessThan(ROUND_TIMEOUT_SECONDS);
    expect(DEFAULT_APPROVAL_WAITS.lapseAfterSeconds).toBeLessThanOrEqual(MAX_LAPSE_AFTER_SECONDS);
  });

  it('refuses a configured lapse window the execution could not hold, and accepts the longest one it can', () => {
    const runtime = (lapseAfterSeconds: number) => createRuntime({ tableName: 'approvals', approvalWaits: { lapseAfterSeconds } });
    expect(() => runtime(MAX_LAPSE_AFTER_SECONDS + 1)).toThrow(/LAPSE_AFTER_SECONDS.*at most 2937600 s/);
    expect(() => runtime(ROUND_TIMEOUT_SECONDS)).toThrow(/times out after 3024000 s/);
    expect(runtime(MAX_LAPSE_AFTER_SECONDS).approvalWaits.lapseAfterSeconds).toBe(MAX_LAPSE_AFTER_SECONDS);
  });
});

describe('the task payloads', () => {
  /** The fields a payload template produces ("name.$" fills name from a path). */
  const fields = (template: Record<string, unknown>) =>
    Object.keys(template)
      .map((key) => key.replace(/\.\$$/, ''))
      .sort();
  const shape = (schema: z.ZodObject) => Object.keys(schema.shape).sort();
  const required = (schema: z.ZodObject) =>
    Object.entries(schema.shape)
      .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
      .map(([key]) => key)
      .sort();
  const payloadOf = (name: string) => tasks.find(([n]) => n === name)![1].Parameters!.Payload!;
  const lambdaOf = (name: string) => tasks.find(([n]) => n === name)![1].Parameters!.FunctionName;

  it.each(['RequestApproval', 'RemindApprover', 'ChaseApprover', 'LapseApproval'])(
    '%s hands the branch step every field ApprovalStepSchema requires, and only fields it knows',
    (name) => {
      const produced = fields(payloadOf(name));
      expect(lambdaOf(name)).toBe('${NotifyApproverFunctionArn}');
      expect(produced).toEqual(expect.arrayContaining(required(ApprovalStepPayloadSchema)));
      expect(shape(ApprovalStepPayloadSchema)).toEqual(expect.arrayContaining(produced));
      // A waiting stage hands over its task token: the decision resumes the branch with it.
      const waits = tasks.find(([n]) => n === name)![1].Resource!.endsWith('.waitForTaskToken');
      expect(produced.includes('taskToken')).toBe(waits);
      expect(ApprovalStepPayloadSchema.shape.stage.options).toContain(payloadOf(name).stage);
    },
  );

  it.each(['RoundApproved', 'RoundRejected', 'RoundFailed'])(
    '%s hands the conclusion every field RoundEndSchema requires, and only fields it knows',
    (name) => {
      const produced = fields(payloadOf(name));
      expect(lambdaOf(name)).toBe('${ConcludeRoundFunctionArn}');
      expect(produced).toEqual(expect.arrayContaining(required(RoundEndSchema)));
      expect(shape(RoundEndSchema)).toEqual(expect.arrayContaining(produced));
      expect(RoundEndSchema.shape.outcome.options).toContain(payloadOf(name).outcome);
    },
  );

  it('reads from the execution input only fields ApprovalRoundInputSchema defines, and every one of them', () => {
    const map = machine.States.ApprovalRound!;
    const selector = map.ItemSelector!;
    const paths = Object.values(selector);
    const fromInput = paths.filter((p) => p.startsWith('$.')).map((p) => p.slice(2));
    const fromItem = paths.filter((p) => p.startsWith('$$.Map.Item.Value.')).map((p) => p.slice('$$.Map.Item.Value.'.length));
    const concluding = ['RoundApproved', 'RoundRejected', 'RoundFailed'].flatMap((name) =>
      Object.values(payloadOf(name))
        .filter((v): v is string => typeof v === 'string' && /^\$\.[a-z]/i.test(v) && !v.startsWith('$.Failure'))
        .map((p) => p.slice(2)),
    );
    const used = [...new Set([...fromInput, ...concluding, map.ItemsPath!.slice(2)])].sort();
    expect(used).toEqual(shape(ApprovalRoundInputSchema));
    const item = ApprovalRoundInputSchema.shape.approvals.element;
    expect(fromItem.sort()).toEqual(Object.keys(item.shape).sort());
    // The branch's own state input is what each step's payload reads from.
    const branchInput = Object.keys(selector).map((k) => k.replace(/\.\$$/, ''));
    for (const name of ['RequestApproval', 'RemindApprover', 'ChaseApprover', 'LapseApproval']) {
      const paths = Object.values(payloadOf(name)).filter((v): v is string => typeof v === 'string' && /^\$\.[a-z]/i.test(v));
      expect(paths.length, name).toBeGreaterThan(0);
      for (const path of paths) expect(branchInput, name).toContain(path.slice(2));
    }
  });

  it.each([
    ['RequestApproval', 'requestSeconds'],
    ['RemindApprover', 'reminderSeconds'],
    ['ChaseApprover', 'chaseSeconds'],
  ])('%s times out on its own wait, read from the branch state input as AWS reads TimeoutSecondsPath', (name, wait) => {
    const state = tasks.find(([n]) => n === name)![1];
    expect(state.TimeoutSecondsPath).toBe(`$.waits.${wait}`);
    expect(Object.keys(StageWaitsSchema.shape)).toContain(wait);
    // The branch state input carries the round's waits; the task's Parameters need not.
    expect(machine.States.ApprovalRound!.ItemSelector!['waits.$']).toBe('$.waits');
    expect(Object.keys(state.Parameters!.Payload!)).not.toContain('waits.$');
  });

  it('refuses a round input or step payload with a field missing or unknown', () => {
    const waits = { requestSeconds: 1, reminderSeconds: 1, chaseSeconds: 1 };
    const input = { requestId: 'r', round: 1, approvals: [{ approvalId: 'a', role: 'DPO' }], waits };
    expect(ApprovalRoundInputSchema.parse(input)).toEqual(input);
    expect(ApprovalRoundInputSchema.safeParse({ ...input, waits: undefined }).success).toBe(false);
    expect(ApprovalRoundInputSchema.safeParse({ ...input, extra: 1 }).success).toBe(false);
    expect(ApprovalStepSchema.safeParse({ stage: 'LAPSE', requestId: 'r', round: 1, approvalId: 'a' }).success).toBe(true);
    expect(ApprovalStepSchema.safeParse({ stage: 'LAPSE', requestId: 'r', round: 1 }).success).toBe(false);
    expect(ApprovalStepSchema.safeParse({ stage: 'LAPSE', requestId: 'r', round: 1, approvalId: 'a', extra: 1 }).success).toBe(false);
  });

  it('reads a step from an execution started on an earlier definition (stage ESCALATION; the waits in the payload)', () => {
    const earlier = {
      stage: 'ESCALATION',
      taskToken: 't',
      requestId: 'r',
      round: 1,
      approvalId: 'a',
      waits: { requestSeconds: 1, reminderSeconds: 2, escalationSeconds: 3 },
    };
    const { waits: _waits, ...step } = earlier;
    expect(ApprovalStepSchema.parse(earlier)).toEqual({ ...step, stage: 'CHASE' });
    const withWaits = { ...step, stage: 'REMINDER', waits: { requestSeconds: 1, reminderSeconds: 2, chaseSeconds: 3 } };
    expect(ApprovalStepSchema.parse(withWaits)).toEqual({ ...step, stage: 'REMINDER' });
  });
});
