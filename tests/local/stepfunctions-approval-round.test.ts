import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStepFunctions, type LambdaHandler, StepFunctionsServiceError } from '../../local/stepfunctions/engine.ts';

/**
 * The service's own state machine (statemachines/offshoring-approval.asl.json) on the local engine,
 * with stand-in Lambdas. The ASL is written for AWS: each waiting stage's TimeoutSecondsPath reads
 * the waits from the branch's state input, which the task's Parameters do not repeat. The library
 * under the engine reads that path after Parameters, so these runs show the engine still times each
 * stage as AWS does.
 */

const DEFINITION = readFileSync(new URL('../../statemachines/offshoring-approval.asl.json', import.meta.url), 'utf8');

interface Step {
  stage: 'REQUEST' | 'REMINDER' | 'CHASE' | 'LAPSE';
  taskToken?: string;
  requestId: string;
  round: number;
  approvalId: string;
}

let engine: LocalStepFunctions | undefined;
afterEach(() => engine?.close());

/** Starts the engine with stand-ins: the branch step records each step (LAPSE answers `lapse`), the conclusion records the round's end. */
function start(lapse: 'LAPSED' | 'APPROVED' = 'LAPSED') {
  const steps: { step: Step; at: number }[] = [];
  const ends: unknown[] = [];
  const notifyApprover: LambdaHandler = async (event) => {
    const step = event as Step;
    steps.push({ step, at: performance.now() });
    return step.stage === 'LAPSE' ? { stage: 'LAPSE', approvalId: step.approvalId, outcome: lapse } : { stage: step.stage, emailed: true };
  };
  const concludeRound: LambdaHandler = async (event) => {
    ends.push(event);
    return { status: (event as { outcome: string }).outcome };
  };
  engine = new LocalStepFunctions({
    definition: DEFINITION,
    functions: { NotifyApproverFunctionArn: notifyApprover, ConcludeRoundFunctionArn: concludeRound },
    stateMachineName: 'offshore-approvals',
  });
  return { engine, steps, ends };
}

async function eventually<T>(probe: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("local Step Functions: the approval round's stage timeouts (TimeoutSecondsPath on the branch's state input)", () => {
  it('moves a silent approval from REQUEST to REMINDER to CHASE to LAPSE, each after its own wait, and rejects the round', async () => {
    const { engine, steps, ends } = start();
    const waits = { requestSeconds: 1, reminderSeconds: 2, chaseSeconds: 1 };
    const { executionArn } = await engine.startExecution({
      stateMachineArn: engine.stateMachineArn,
      name: 'silent',
      input: JSON.stringify({ requestId: 'req-1', round: 1, approvals: [{ approvalId: 'ap-1', role: 'DPO' }], waits }),
    });

    const described = await engine.waitForExecution(executionArn);
    expect(described).toMatchObject({ status: 'SUCCEEDED' });
    expect(engine.lambdaFailures(executionArn)).toEqual([]);
    expect(steps.map(({ step }) => step.stage)).toEqual(['REQUEST', 'REMINDER', 'CHASE', 'LAPSE']);
    // Each step gets only what it needs; the waits stay in the branch's state input.
    for (const { step } of steps) {
      expect(step).toEqual({
        stage: step.stage,
        requestId: 'req-1',
        round: 1,
        approvalId: 'ap-1',
        ...(step.stage === 'LAPSE' ? {} : { taskToken: expect.any(String) }),
      });
    }
    // Timers never fire early: each stage lasted at least its own wait (less a timer's rounding).
    const [request, reminder, chase, lapse] = steps.map(({ at }) => at) as [number, number, number, number];
    expect(reminder - request).toBeGreaterThanOrEqual(waits.requestSeconds * 1000 - 50);
    expect(chase - reminder).toBeGreaterThanOrEqual(waits.reminderSeconds * 1000 - 50);
    expect(lapse - chase).toBeGreaterThanOrEqual(waits.chaseSeconds * 1000 - 50);
    expect(ends).toEqual([{ outcome: 'REJECTED', requestId: 'req-1', round: 1, error: 'ApprovalLapsed' }]);
  }, 30_000);

  it("closes a stage's token when its wait ends, and takes the decision on the next stage's token", async () => {
    const { engine, steps, ends } = start();
    const { executionArn } = await engine.startExecution({
      stateMachineArn: engine.stateMachineArn,
      name: 'answers-reminder',
      input: JSON.stringify({
        requestId: 'req-2',
        round: 1,
        approvals: [{ approvalId: 'ap-2', role: 'DPO' }],
        waits: { requestSeconds: 1, reminderSeconds: 3600, chaseSeconds: 3600 },
      }),
    });

    const reminder = await eventually(() => steps.find(({ step }) => step.stage === 'REMINDER')?.step, 'the reminder step');
    const request = steps.find(({ step }) => step.stage === 'REQUEST')!.step;
    const late = await engine.sendTaskSuccess({ taskToken: request.taskToken!, output: '{}' }).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(StepFunctionsServiceError);
    expect((late as StepFunctionsServiceError).name).toBe('TaskTimedOut');

    await engine.sendTaskSuccess({ taskToken: reminder.taskToken!, output: JSON.stringify({ decision: 'APPROVE', approvalId: 'ap-2' }) });
    expect(await engine.waitForExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED' });
    expect(steps.map(({ step }) => step.stage)).toEqual(['REQUEST', 'REMINDER']);
    expect(ends).toEqual([{ outcome: 'APPROVED', requestId: 'req-2', round: 1 }]);
  }, 30_000);
});
