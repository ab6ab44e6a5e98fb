import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidExecutionInput,
  InvalidName,
  InvalidToken,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { LocalStepFunctions, type LambdaHandler } from '../../local/stepfunctions/engine.ts';
import { createStepFunctionsServer, listenOnLoopback } from '../../local/stepfunctions/server.ts';

/**
 * The local Step Functions stand-in, driven the way the handlers drive AWS: the real SFN client
 * against the local server, running fixture ASL with `${...FunctionArn}` placeholders.
 */

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/stepfunctions/${name}`, import.meta.url), 'utf8');
}

interface LocalStack {
  engine: LocalStepFunctions;
  server: Server;
  client: SFNClient;
  endpoint: string;
}

async function startLocalStack(definition: string, functions: Record<string, LambdaHandler>, now?: () => Date): Promise<LocalStack> {
  const engine = new LocalStepFunctions({ definition, functions, stateMachineName: 'offshore-approvals', ...(now ? { now } : {}) });
  const server = createStepFunctionsServer(engine);
  const { endpoint } = await listenOnLoopback(server);
  const client = new SFNClient({
    endpoint,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return { engine, server, client, endpoint };
}

async function stopLocalStack(stack: LocalStack | undefined): Promise<void> {
  if (!stack) return;
  stack.client.destroy();
  stack.engine.close();
  await new Promise<void>((resolve) => stack.server.close(() => resolve()));
}

/** The error a call fails with; fails the test if it succeeds. */
async function rejectionOf(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('Expected the call to fail, but it succeeded');
}

async function eventually<T>(probe: () => T | undefined, what: string, timeoutMs = 2000): Promise<T> {
  // performance.now(), not Date.now(): one test freezes Date.now.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('local Step Functions: synchronous Lambda integrations', () => {
  let stack: LocalStack;
  const calls: { fn: string; event: unknown }[] = [];
  const epoch = Date.UTC(2025, 0, 1);
  let ticks = 0;

  const record =
    (fn: string, result: (event: Record<string, string>) => unknown): LambdaHandler =>
    async (event) => {
      calls.push({ fn, event });
      return result(event as Record<string, string>);
    };

  beforeAll(async () => {
    stack = await startLocalStack(
      fixture('request-pipeline.asl.json'),
      {
        ValidateRequestFunctionArn: record('ValidateRequest', (event) => ({
          requestId: event['requestId'],
          country: event['country'],
          lookupSeconds: 5,
        })),
        LookupOwnerFunctionArn: record('LookupOwner', (event) => ({ owner: `owner-of-${event['requestId']}` })),
        AssessCountryFunctionArn: record('AssessCountry', (event) => ({ risk: event['country'] === 'IN' ? 'HIGH' : 'LOW' })),
        PublishFunctionArn: record('Publish', (event) => {
          if (event['mode'] === 'boom') throw namedError('Boom', 'publisher down');
          if (event['mode'] === 'kaboom') throw namedError('Kaboom', 'nobody catches this');
          return { reference: `PUB-${event['requestId']}` };
        }),
      },
      // Each reading is one second after the last, so dates on the wire are predictable.
      () => new Date(epoch + ticks++ * 1000),
    );
  });
  afterAll(() => stopLocalStack(stack));

  async function run(name: string, input: object) {
    const { executionArn } = await stack.client.send(
      new StartExecutionCommand({ stateMachineArn: stack.engine.stateMachineArn, name, input: JSON.stringify(input) }),
    );
    await stack.engine.waitForExecution(executionArn!);
    return stack.client.send(new DescribeExecutionCommand({ executionArn }));
  }

  it('runs a lambda:invoke chain through a Parallel and returns its output', async () => {
    const described = await run('pipeline-ok', { requestId: 'r-1', country: 'IN', mode: 'ok' });

    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toEqual({
      outcome: 'PUBLISHED',
      reference: 'PUB-r-1',
      owner: 'owner-of-r-1',
      risk: 'HIGH',
      // The optimised integration's envelope, as ResultSelector sees it on AWS.
      validation: { request: { requestId: 'r-1', country: 'IN', lookupSeconds: 5 }, statusCode: 200, version: '$LATEST' },
    });
    // A bare Lambda ARN gets the state input itself (after InputPath; TimeoutSecondsPath reads it
    // too, as on AWS); lambda:invoke gets only Parameters.Payload.
    expect(calls.find((call) => call.fn === 'LookupOwner')?.event).toEqual({ requestId: 'r-1', country: 'IN', lookupSeconds: 5 });
    expect(calls.find((call) => call.fn === 'AssessCountry')?.event).toEqual({ country: 'IN' });
    // Dates cross the wire as epoch seconds and come back as the engine's clock readings.
    expect(described.startDate?.getTime()).toBeGreaterThanOrEqual(epoch);
    expect(described.stopDate!.getTime() - described.startDate!.getTime()).toBe(1000);
    expect(described.executionArn).toBe('arn:aws:states:eu-west-2:123456789012:execution:offshore-approvals:pipeline-ok');
  });

  it("routes a handler's error named Boom to the Catch for Boom, with Lambda's Cause", async () => {
    const described = await run('pipeline-boom', { requestId: 'r-2', country: 'FR', mode: 'boom' });

    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toMatchObject({
      outcome: 'RECOVERED',
      error: 'Boom',
      cause: { errorType: 'Boom', errorMessage: 'publisher down' },
    });
    // Caught or not, a handler's error is a failed invocation (what the function-error alarms count).
    expect(stack.engine.lambdaFailures(described.executionArn)).toEqual([
      {
        executionArn: described.executionArn,
        state: 'Publish',
        error: 'Boom',
        cause: expect.stringContaining('publisher down'),
        at: expect.any(Date),
      },
    ]);
    expect(stack.engine.lambdaFailures(described.executionArn!.replace('pipeline-boom', 'pipeline-ok'))).toEqual([]);
  });

  it('fails the execution with the error and cause of an uncaught handler error', async () => {
    const described = await run('pipeline-kaboom', { requestId: 'r-3', country: 'FR', mode: 'kaboom' });

    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('Kaboom');
    expect(JSON.parse(described.cause!)).toMatchObject({ errorType: 'Kaboom', errorMessage: 'nobody catches this' });
    expect(described.output).toBeUndefined();
  });

  it('validates StartExecution as the service does', async () => {
    const start = (input: { stateMachineArn?: string; name?: string; input?: string }) =>
      rejectionOf(stack.client.send(new StartExecutionCommand({ stateMachineArn: stack.engine.stateMachineArn, ...input })));

    expect(await start({ input: '{not json' })).toBeInstanceOf(InvalidExecutionInput);
    expect(await start({ name: 'has space' })).toBeInstanceOf(InvalidName);
    expect(await start({ name: 'x'.repeat(81) })).toBeInstanceOf(InvalidName);
    const other = await start({ stateMachineArn: 'arn:aws:states:eu-west-2:123456789012:stateMachine:another' });
    expect(other).toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('answers DescribeExecution for an unknown execution with ExecutionDoesNotExist', async () => {
    const error = await rejectionOf(
      stack.client.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:eu-west-2:123456789012:execution:offshore-approvals:nope' })),
    );
    expect(error).toBeInstanceOf(ExecutionDoesNotExist);
    expect(error.name).toBe('ExecutionDoesNotExist');
  });

  it('answers an unknown operation with UnknownOperationException in the AWS JSON shape', async () => {
    const response = await fetch(stack.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.DeleteEverything' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await response.json()) as { __type: string }).__type).toMatch(/#UnknownOperationException$/);
  });

  it('answers a body over 1 MB with 413 and Connection: close, and the next request on the same kept-alive agent is answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const call = (body: Buffer) =>
      new Promise<{ status: number; headers: IncomingHttpHeaders; body: string; socket: unknown }>((resolve, reject) => {
        const req = httpRequest(stack.endpoint, {
          agent,
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'AWSStepFunctions.DescribeExecution',
            'content-length': body.length,
          },
        });
        const timer = setTimeout(() => req.destroy(new Error('no answer within 10 s')), 10_000);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString(), socket: req.socket });
          });
        });
        req.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        req.end(body);
      });
    try {
      const unknown = Buffer.from(
        JSON.stringify({ executionArn: `${stack.engine.stateMachineArn.replace(':stateMachine:', ':execution:')}:nobody` }),
      );
      const warm = await call(unknown);
      expect(warm.status).toBe(400);
      expect(warm.headers.connection).toBe('keep-alive');

      const tooLarge = await call(Buffer.alloc(1024 * 1024 + 512 * 1024, ' '));
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.connection).toBe('close');
      expect(tooLarge.headers['x-amzn-errortype']).toBe('SerializationException');

      const next = await call(unknown);
      expect(next.status).toBe(400);
      expect(next.headers['x-amzn-errortype']).toBe('ExecutionDoesNotExist');
      expect(next.socket).not.toBe(tooLarge.socket);
    } finally {
      agent.destroy();
    }
  });

  it('refuses at construction an ASL it cannot run faithfully', () => {
    const definition = (resource: string) => JSON.stringify({ StartAt: 'Put', States: { Put: { Type: 'Task', Resource: resource, End: true } } });

    expect(() => new LocalStepFunctions({ definition: definition('arn:aws:states:::dynamodb:putItem'), functions: {} })).toThrow(/cannot run/);
    expect(() => new LocalStepFunctions({ definition: definition('${MissingFunctionArn}'), functions: {} })).toThrow(
      /\$\{MissingFunctionArn\}.*no handler/,
    );
  });
});

describe('local Step Functions: the callback pattern (task tokens)', () => {
  interface ApprovalRequest {
    taskToken: string;
    stage: 'REQUEST' | 'REMINDER';
    approver: string;
    position: number;
    requestId: string;
    executionId: string;
  }

  let stack: LocalStack;
  const approvalRequests: ApprovalRequest[] = [];
  const rejectionNotices: unknown[] = [];
  /** Holds the rejection route open, so tests can look at the execution while it still runs. */
  const rejectionNoticeGate = Promise.withResolvers<void>();

  beforeAll(async () => {
    stack = await startLocalStack(fixture('approvals.asl.json'), {
      RequestApprovalFunctionArn: async (event) => {
        approvalRequests.push(event as ApprovalRequest);
        return { emailed: true }; // Ignored: the task waits for its token.
      },
      NotifyRejectionFunctionArn: async (event) => {
        rejectionNotices.push(event);
        await rejectionNoticeGate.promise;
        return { notified: true };
      },
    });
  });
  afterAll(() => stopLocalStack(stack));

  const LONG_WAITS = { requestSeconds: 30, reminderSeconds: 30 };

  /** The approval requests the handler has received for a request at a stage, by position, once there are `count`. */
  const requestsFor = (requestId: string, stage: ApprovalRequest['stage'], count: number) =>
    eventually(() => {
      const found = approvalRequests.filter((request) => request.requestId === requestId && request.stage === stage);
      return found.length === count ? found.sort((a, b) => a.position - b.position) : undefined;
    }, `${count} ${stage} requests for ${requestId}`);

  async function startApprovals(requestId: string, approvers: string[], waits = LONG_WAITS) {
    const { executionArn } = await stack.client.send(
      new StartExecutionCommand({
        stateMachineArn: stack.engine.stateMachineArn,
        name: requestId,
        input: JSON.stringify({ requestId, approvers, waits }),
      }),
    );
    return { executionArn: executionArn!, requests: await requestsFor(requestId, 'REQUEST', approvers.length) };
  }

  const describeExecution = (executionArn: string) => stack.client.send(new DescribeExecutionCommand({ executionArn }));

  const succeed = (taskToken: string, output: unknown) =>
    stack.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));

  async function finished(executionArn: string) {
    await stack.engine.waitForExecution(executionArn);
    return describeExecution(executionArn);
  }

  it('gives each Map iteration its own token and succeeds once every approver answers', async () => {
    const { executionArn, requests } = await startApprovals('req-approve', ['alice', 'bob', 'carol']);

    expect(requests.map((request) => [request.approver, request.position])).toEqual([
      ['alice', 0],
      ['bob', 1],
      ['carol', 2],
    ]);
    // Exactly Parameters.Payload, with the token from $$.Task.Token.
    expect(requests[0]).toEqual({
      taskToken: expect.stringMatching(/^[\w-]{86}$/),
      stage: 'REQUEST',
      approver: 'alice',
      position: 0,
      requestId: 'req-approve',
      executionId: executionArn,
    });
    expect(new Set(requests.map((request) => request.taskToken)).size).toBe(3);
    expect(requests.every((request) => request.executionId === executionArn)).toBe(true);
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');
    await stack.client.send(new SendTaskHeartbeatCommand({ taskToken: requests[0]!.taskToken }));

    // Answer out of order: the Map still lists decisions by item.
    for (const request of [...requests].reverse()) await succeed(request.taskToken, { approver: request.approver, decision: 'APPROVED' });

    const described = await finished(executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toEqual({
      outcome: 'APPROVED',
      decisions: [
        { approver: 'alice', decision: 'APPROVED' },
        { approver: 'bob', decision: 'APPROVED' },
        { approver: 'carol', decision: 'APPROVED' },
      ],
    });

    // A token works once.
    const reused = await rejectionOf(succeed(requests[0]!.taskToken, { decision: 'APPROVED' }));
    expect(reused).toBeInstanceOf(TaskTimedOut);
    expect(reused.name).toBe('TaskTimedOut');
    expect(await rejectionOf(stack.client.send(new SendTaskHeartbeatCommand({ taskToken: requests[0]!.taskToken })))).toBeInstanceOf(TaskTimedOut);
  });

  it("routes a Rejected failure through the Map's Catch and closes the other approvers' tokens", async () => {
    const { executionArn, requests } = await startApprovals('req-reject', ['alice', 'bob']);

    await stack.client.send(new SendTaskFailureCommand({ taskToken: requests[0]!.taskToken, error: 'Rejected', cause: 'Residual risk too high' }));

    await eventually(() => rejectionNotices.find((notice) => (notice as { requestId?: string }).requestId === 'req-reject'), 'the rejection notice');
    expect(rejectionNotices).toContainEqual({ requestId: 'req-reject', error: 'Rejected', reason: 'Residual risk too high' });
    // On AWS the Map's other iterations end with it, so a late approval is refused even while
    // the execution runs on in the rejection route.
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');
    expect(await rejectionOf(succeed(requests[1]!.taskToken, { decision: 'APPROVED' }))).toBeInstanceOf(TaskTimedOut);

    rejectionNoticeGate.resolve();
    const described = await finished(executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toEqual({ outcome: 'REJECTED', notified: true });
  });

  it("keeps a new attempt's tokens open when a Catch re-enters the failed Map at once", async () => {
    // The failed Map's old iterations are closed from its failure event, which the engine sees a
    // moment after the library may already have re-entered the Map and issued new tokens.
    const definition = JSON.parse(fixture('approvals.asl.json')) as { States: { CollectApprovals: { Catch: object[] } } };
    definition.States.CollectApprovals.Catch.unshift({ ErrorEquals: ['Restart'], ResultPath: null, Next: 'CollectApprovals' });
    const issued: ApprovalRequest[] = [];
    const engine = new LocalStepFunctions({
      definition: JSON.stringify(definition),
      functions: {
        RequestApprovalFunctionArn: async (event) => void issued.push(event as ApprovalRequest),
        NotifyRejectionFunctionArn: async () => ({ notified: true }),
      },
    });
    // With the clock frozen, attempts can be told apart only by event-loop turn, not by millisecond.
    const frozenClock = vi.spyOn(Date, 'now').mockReturnValue(Date.now());
    try {
      const { executionArn } = await engine.startExecution({
        stateMachineArn: engine.stateMachineArn,
        input: JSON.stringify({ requestId: 'req-restart', approvers: ['ida', 'jon'], waits: LONG_WAITS }),
      });
      const firstAttempt = await eventually(() => (issued.length === 2 ? [...issued] : undefined), 'the first attempt');
      // Answers come in later event-loop turns than the tokens were issued in (over HTTP they must).
      await new Promise((resolve) => setImmediate(resolve));
      await engine.sendTaskFailure({ taskToken: firstAttempt[0]!.taskToken, error: 'Restart' });
      const secondAttempt = await eventually(() => (issued.length === 4 ? issued.slice(2) : undefined), 'the second attempt');

      expect(await rejectionOf(engine.sendTaskSuccess({ taskToken: firstAttempt[1]!.taskToken, output: '{}' }))).toMatchObject({
        name: 'TaskTimedOut',
      });
      for (const request of secondAttempt) await engine.sendTaskSuccess({ taskToken: request.taskToken, output: '{"decision":"APPROVED"}' });
      expect(await engine.waitForExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED' });
    } finally {
      frozenClock.mockRestore();
      engine.close();
    }
  });

  it('refuses well-formed tokens it never issued and malformed ones', async () => {
    const { executionArn, requests } = await startApprovals('req-tokens', ['alice']);
    const issued = requests[0]!.taskToken;
    // Same alphabet and length, different first character: well-formed, never issued.
    const forged = (issued.startsWith('A') ? 'B' : 'A') + issued.slice(1);

    const unknown = await rejectionOf(succeed(forged, {}));
    expect(unknown).toBeInstanceOf(TaskDoesNotExist);
    expect(unknown.name).toBe('TaskDoesNotExist');
    for (const garbage of ['not-a-token', '', `${issued}x`]) {
      const malformed = await rejectionOf(succeed(garbage, {}));
      expect(malformed).toBeInstanceOf(InvalidToken);
      expect(malformed.name).toBe('InvalidToken');
    }
    // None of that touched the real task.
    await succeed(issued, { decision: 'APPROVED' });
    expect((await finished(executionArn)).status).toBe('SUCCEEDED');
  });

  it('times a callback out after TimeoutSecondsPath into its States.Timeout Catch, refusing the old token from then on', async () => {
    // dave answers the reminder; erin never answers, so her reminder times out too and the Map lapses.
    const waits = { requestSeconds: 1, reminderSeconds: 1 };
    const { executionArn, requests } = await startApprovals('req-lapse', ['dave', 'erin'], waits);
    const requestedAt = Date.now();

    const reminders = await requestsFor('req-lapse', 'REMINDER', 2);
    expect(Date.now() - requestedAt).toBeGreaterThanOrEqual(900);
    expect(reminders.map((reminder) => reminder.taskToken)).not.toContain(requests[0]!.taskToken);
    // The execution runs on, but the first stage's token closed when its task timed out.
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');
    const late = await rejectionOf(succeed(requests[0]!.taskToken, { decision: 'APPROVED' }));
    expect(late).toBeInstanceOf(TaskTimedOut);
    await succeed(reminders[0]!.taskToken, { approver: 'dave', decision: 'APPROVED' });

    const described = await finished(executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toEqual({ outcome: 'LAPSED', error: 'States.Timeout' });
    expect(await rejectionOf(succeed(reminders[1]!.taskToken, { decision: 'APPROVED' }))).toBeInstanceOf(TaskTimedOut);
  });

  it('stops an execution: ABORTED with the given error and cause, and its tokens refused', async () => {
    const { executionArn, requests } = await startApprovals('req-stop', ['fay', 'gus']);

    const { stopDate } = await stack.client.send(
      new StopExecutionCommand({ executionArn, error: 'Withdrawn', cause: 'The service owner withdrew the request' }),
    );

    const described = await describeExecution(executionArn);
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Withdrawn', cause: 'The service owner withdrew the request' });
    expect(described.stopDate).toEqual(stopDate);
    for (const request of requests) {
      expect(await rejectionOf(succeed(request.taskToken, { decision: 'APPROVED' }))).toBeInstanceOf(TaskTimedOut);
    }
    const { executions } = await stack.client.send(
      new ListExecutionsCommand({ stateMachineArn: stack.engine.stateMachineArn, statusFilter: 'ABORTED' }),
    );
    expect(executions?.map((execution) => execution.executionArn)).toEqual([executionArn]);
  });

  it('treats a repeated start as idempotent only while running and with the same input', async () => {
    const first = await startApprovals('req-dup', ['gina']);
    const input = JSON.stringify({ requestId: 'req-dup', approvers: ['gina'], waits: LONG_WAITS });
    const start = (body: string) =>
      stack.client.send(new StartExecutionCommand({ stateMachineArn: stack.engine.stateMachineArn, name: 'req-dup', input: body }));

    const again = await start(input);
    expect(again.executionArn).toBe(first.executionArn);
    const differentInput = await rejectionOf(start(JSON.stringify({ requestId: 'req-dup', approvers: ['harry'], waits: LONG_WAITS })));
    expect(differentInput).toBeInstanceOf(ExecutionAlreadyExists);
    expect(differentInput.name).toBe('ExecutionAlreadyExists');
    // The repeat did not start a second run.
    expect(approvalRequests.filter((request) => request.requestId === 'req-dup')).toHaveLength(1);

    await succeed(first.requests[0]!.taskToken, { decision: 'APPROVED' });
    expect((await finished(first.executionArn)).status).toBe('SUCCEEDED');
    expect(await rejectionOf(start(input))).toBeInstanceOf(ExecutionAlreadyExists);
  });
});

describe('local Step Functions: answers while the Lambda runs, and the execution timeout', () => {
  /** One callback task that waits for its token, with a Catch for Rejected; TimeoutSeconds as given. */
  const callbackMachine = (taskSeconds: number, executionSeconds?: number) =>
    JSON.stringify({
      ...(executionSeconds === undefined ? {} : { TimeoutSeconds: executionSeconds }),
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: '${AskFunctionArn}', Payload: { 'taskToken.$': '$$.Task.Token' } },
          TimeoutSeconds: taskSeconds,
          Catch: [{ ErrorEquals: ['Rejected'], ResultPath: '$.failure', Next: 'Refused' }],
          End: true,
        },
        Refused: { Type: 'Pass', Parameters: { 'refused.$': '$.failure.Error' }, End: true },
      },
    });

  it('takes SendTaskSuccess or SendTaskFailure from the Lambda that received the token, before it returns', async () => {
    // As on AWS: a step that finds its answer already recorded completes its own task, then returns.
    const returned = Promise.withResolvers<void>();
    let answer: (token: string) => Promise<unknown> = async () => undefined;
    const stack = await startLocalStack(callbackMachine(30), {
      AskFunctionArn: async (event) => {
        await answer((event as { taskToken: string }).taskToken);
        await returned.promise; // Still running while the execution moves on.
        return { ignored: true };
      },
    });
    try {
      const start = async (name: string) =>
        (await stack.client.send(new StartExecutionCommand({ stateMachineArn: stack.engine.stateMachineArn, name, input: '{}' }))).executionArn!;

      answer = (taskToken) => stack.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ decision: 'APPROVE' }) }));
      expect(await stack.engine.waitForExecution(await start('answered-success'))).toMatchObject({
        status: 'SUCCEEDED',
        output: '{"decision":"APPROVE"}',
      });

      answer = (taskToken) => stack.client.send(new SendTaskFailureCommand({ taskToken, error: 'Rejected', cause: 'Recorded before this step ran' }));
      const failed = await start('answered-failure');
      expect(await stack.engine.waitForExecution(failed)).toMatchObject({ status: 'SUCCEEDED', output: '{"refused":"Rejected"}' });

      returned.resolve();
      expect(stack.engine.lambdaFailures()).toEqual([]);
    } finally {
      returned.resolve();
      await stopLocalStack(stack);
    }
  });

  it('times the execution out after its TimeoutSeconds: TIMED_OUT, with its waiting tokens closed', async () => {
    const tokens: string[] = [];
    const stack = await startLocalStack(callbackMachine(30, 1), {
      AskFunctionArn: async (event) => void tokens.push((event as { taskToken: string }).taskToken),
    });
    try {
      const { executionArn } = await stack.client.send(
        new StartExecutionCommand({ stateMachineArn: stack.engine.stateMachineArn, name: 'stuck', input: '{}' }),
      );
      await stack.engine.waitForExecution(executionArn!);
      const described = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
      expect(described).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
      const { executions } = await stack.client.send(
        new ListExecutionsCommand({ stateMachineArn: stack.engine.stateMachineArn, statusFilter: 'TIMED_OUT' }),
      );
      expect(executions?.map((e) => e.executionArn)).toEqual([executionArn]);
      const late = await rejectionOf(stack.client.send(new SendTaskSuccessCommand({ taskToken: tokens[0]!, output: '{}' })));
      expect(late).toBeInstanceOf(TaskTimedOut);
    } finally {
      await stopLocalStack(stack);
    }
  });

  it('holds an execution TimeoutSeconds longer than one Node timer can (about 24.8 days)', async () => {
    // The round's 35-day timeout must neither fire at once (timer overflow) nor early (a capped timer).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const DAY = 86_400;
    // Two 20-day waits: each task's own timer stays within what one Node timer holds.
    const wait = (next: object) => ({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: '${AskFunctionArn}', Payload: { 'taskToken.$': '$$.Task.Token' } },
      TimeoutSeconds: 20 * DAY,
      ...next,
    });
    const definition = JSON.stringify({
      TimeoutSeconds: 35 * DAY,
      StartAt: 'Ask',
      States: { Ask: wait({ Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'AskAgain' }], End: true }), AskAgain: wait({ End: true }) },
    });
    const engine = new LocalStepFunctions({ definition, functions: { AskFunctionArn: async () => undefined } });
    try {
      const { executionArn } = await engine.startExecution({ stateMachineArn: engine.stateMachineArn, name: 'long', input: '{}' });
      await vi.advanceTimersByTimeAsync(25 * DAY * 1000);
      expect((await engine.describeExecution({ executionArn })).status).toBe('RUNNING');
      await vi.advanceTimersByTimeAsync(10 * DAY * 1000);
      expect((await engine.describeExecution({ executionArn })).status).toBe('TIMED_OUT');
    } finally {
      engine.close();
      vi.useRealTimers();
    }
  });
});
