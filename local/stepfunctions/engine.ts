import { randomBytes, randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * A local stand-in for the Step Functions service, for one state machine.
 *
 * aws-local-stepfunctions interprets the ASL; this class adds what it lacks and what the handlers
 * rely on: executions with names and ARNs, the Lambda integrations (optimised `lambda:invoke`, the
 * callback pattern, and bare Lambda ARNs) routed to in-process handlers, task tokens with the
 * service's once-only, time-limited semantics (a token can be answered while the Lambda that
 * received it still runs, as on AWS), the execution's TimeoutSeconds however long, the service's
 * error names, and a record of failed Lambda invocations (what CloudWatch counts as Errors).
 * server.ts puts it behind the AWS JSON protocol so the handlers use the real SFN client against it.
 */

// ---- Library types the package does not export by name ----------------------------------------

type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JsonValue = Parameters<TaskHandlers[string]>[0];
type StateDefinition = StateMachineDefinition['States'][string];
type TaskState = Extract<StateDefinition, { Type: 'Task' }>;
type ExecutionRun = ReturnType<StateMachine['run']>;
type EventLog = ExecutionRun['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

// ---- Public types ------------------------------------------------------------------------------

/** A Lambda handler as local mode calls it: the event in, the result (or a thrown error) out. */
export type LambdaHandler = (event: unknown) => Promise<unknown>;

export interface LocalStepFunctionsOptions {
  /** ASL JSON text; `${Name}` placeholders (CDK definition substitutions) become fake Lambda ARNs. */
  definition: string;
  /** Handlers by placeholder name, e.g. `{ NotifyApproverFunctionArn: handler }`. */
  functions: Record<string, LambdaHandler>;
  stateMachineName?: string;
  region?: string;
  accountId?: string;
  /** Mints task tokens. The default mints 64 random bytes as base64url; see `isWellFormedToken`. */
  generateToken?: () => string;
  /** The clock for start and stop dates. */
  now?: () => Date;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StartExecutionInput {
  stateMachineArn: string;
  name?: string;
  input?: string;
}
export interface StartExecutionOutput {
  executionArn: string;
  startDate: Date;
}
export interface DescribeExecutionOutput {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}
/** A Lambda invocation that ended in an error: what the function-error alarms count on AWS. */
export interface LambdaFailure {
  executionArn: string;
  /** The Task state that invoked the function. */
  state: string;
  error: string;
  cause: string;
  at: Date;
}
export type ExecutionListItem = Pick<DescribeExecutionOutput, 'executionArn' | 'stateMachineArn' | 'name' | 'status' | 'startDate' | 'stopDate'>;
export interface ListExecutionsInput {
  stateMachineArn: string;
  statusFilter?: ExecutionStatus;
  maxResults?: number;
  nextToken?: string;
}
export interface ListExecutionsOutput {
  executions: ExecutionListItem[];
  nextToken?: string;
}
export interface StopExecutionInput {
  executionArn: string;
  error?: string;
  cause?: string;
}
export interface SendTaskSuccessInput {
  taskToken: string;
  output: string;
}
export interface SendTaskFailureInput {
  taskToken: string;
  error?: string;
  cause?: string;
}

/** The service's error names; server.ts sends them as the error type the SDK turns into its classes. */
export type StepFunctionsErrorCode =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'InvalidArn'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'StateMachineDoesNotExist'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException';

export class StepFunctionsServiceError extends Error {
  override readonly name: StepFunctionsErrorCode;
  constructor(code: StepFunctionsErrorCode, message: string) {
    super(message);
    this.name = code;
  }
}

// ---- Limits and formats ------------------------------------------------------------------------

/**
 * Node timers hold at most 2^31-1 ms; the library hands timeouts straight to setTimeout, where a
 * larger value overflows to 1 ms and the task or execution times out at once. ~24.8 days.
 */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
/** AWS's task timeout when the state sets none (the library's own default is 60 s). */
const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
/**
 * Where every Task state's rewritten TimeoutSecondsPath points (see `prepareDefinition`). A nested
 * object, because the library shallow-copies the context per (nested) run and a getter directly
 * on the context would be read once at that copy.
 */
const TIMEOUT_CONTEXT_KEY = 'LocalStepFunctions';
const TIMEOUT_CONTEXT_PATH = `$$.${TIMEOUT_CONTEXT_KEY}.TaskTimeoutSeconds`;
/** Keys of the wrapper a TimeoutSecondsPath task's Parameters are put in (see `prepareDefinition`). */
const WRAPPED_INPUT_KEY = '__LocalStepFunctionsTaskInput';
const WRAPPED_TIMEOUT_KEY = '__LocalStepFunctionsTimeoutSeconds';

const TOKEN_BYTES = 64;
/** AWS's bound on a task token's length (1..2048). */
const MAX_TOKEN_LENGTH = 2048;
const MAX_EXECUTION_NAME_LENGTH = 80;
/** AWS rejects whitespace, brackets, wildcards, these specials and control characters in names. */
const INVALID_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;
const DEFAULT_MAX_RESULTS = 100;
/** Failed Lambda invocations kept for `lambdaFailures`, newest. */
const MAX_LAMBDA_FAILURES = 1000;
const MAX_MAX_RESULTS = 1000;

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_INVOKE_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9_$-]+)?$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

// ---- Internal records --------------------------------------------------------------------------

type Integration = 'lambda' | 'lambda:invoke' | 'lambda:invoke.waitForTaskToken';

interface TaskInfo {
  readonly name: string;
  readonly integration: Integration;
  /** The handler named statically, or undefined when Parameters use `FunctionName.$`. */
  readonly handler?: LambdaHandler;
  /** The state's timeout as the author wrote it. */
  readonly timeout: { seconds: number } | { path: string } | undefined;
  /** Enclosing Map and Parallel states, outermost first. */
  readonly containers: readonly string[];
}

/** One call of a Task state: a Lambda invocation, or a callback waiting for its token. */
interface PendingTask {
  readonly execution: ExecutionRecord;
  readonly task: TaskInfo;
  /** When the task started: Date.now() (as the library's event timestamps) and the event-loop turn. */
  readonly startedAt: number;
  readonly startedTurn: number;
  readonly token?: string;
  timer?: NodeJS.Timeout;
  /** Present while the task is open; cleared once it succeeds, fails, times out or is cancelled. */
  settle?: { resolve: (value: JsonValue) => void; reject: (error: Error) => void };
}

interface ExecutionRecord {
  readonly executionArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  abort: () => void;
  readonly done: PromiseWithResolvers<void>;
  readonly pending: Set<PendingTask>;
  /** The token `$$.Task.Token` yields until a task claims it or the current synchronous turn ends. */
  offeredToken?: string;
  /** The timeout the running Task state's override computed, read back by the library at once. */
  taskTimeoutSeconds?: number;
  /** The execution's own TimeoutSeconds, kept by the engine (see `prepareDefinition`). */
  timeout?: { clear(): void };
}

/**
 * Raised into the state machine. The library matches Retry and Catch on `name` and reports
 * `message` as the Cause, so these carry the ASL error and cause.
 */
class StatesError extends Error {
  constructor(error: string | undefined, cause: string) {
    super(cause);
    // SendTaskFailure may omit the error. The library's Fail state then leaves `name` undefined
    // too, so only States.ALL / States.TaskFailed match and the execution reports no error.
    Object.defineProperty(this, 'name', { value: error, writable: true, configurable: true });
  }
}

/**
 * The library's States.Runtime: ends a task whose execution (or enclosing Map/Parallel) has
 * already finished, or whose timeout path is invalid. The library's Retry and Catch skip errors
 * that say they are neither retryable nor catchable (as AWS does for States.Runtime), so an
 * aborted run cannot re-invoke a handler or route anywhere because of it.
 */
class StatesRuntimeError extends Error {
  override readonly name = 'States.Runtime';
  readonly isRetryable = false;
  readonly isCatchable = false;
}

// ---- The engine --------------------------------------------------------------------------------

export class LocalStepFunctions {
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly region: string;
  readonly accountId: string;

  readonly #stateMachine: StateMachine;
  readonly #tasks: ReadonlyMap<string, TaskInfo>;
  /** Map and Parallel states whose failure cancels the tasks inside them (see #watchContainerFailures). */
  readonly #cancellingContainers: ReadonlySet<string>;
  readonly #functionsByArn: ReadonlyMap<string, LambdaHandler>;
  readonly #generateToken: () => string;
  readonly #isWellFormedToken: (token: string) => boolean;
  readonly #now: () => Date;
  /** Every token issued, open or closed: a closed one answers TaskTimedOut, an unknown one TaskDoesNotExist. */
  readonly #tokens = new Map<string, PendingTask>();
  /** In start order, so listings can run newest first. */
  readonly #executions = new Map<string, ExecutionRecord>();
  /** The definition's top-level TimeoutSeconds, which the engine enforces itself. */
  readonly #executionTimeoutSeconds: number | undefined;
  readonly #lambdaFailures: LambdaFailure[] = [];
  #closed = false;
  #turnId = 0;
  #turnOpen = false;

  constructor(options: LocalStepFunctionsOptions) {
    this.region = options.region ?? 'eu-west-2';
    this.accountId = options.accountId ?? '123456789012';
    this.stateMachineName = options.stateMachineName ?? 'LocalStateMachine';
    if (!/^[a-z0-9-]+$/.test(this.region)) throw new Error(`Invalid region: ${this.region}`);
    if (!/^\d{12}$/.test(this.accountId)) throw new Error(`Invalid account id (12 digits): ${this.accountId}`);
    if (!isValidName(this.stateMachineName)) throw new Error(`Invalid state machine name: ${this.stateMachineName}`);
    this.stateMachineArn = `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${this.stateMachineName}`;
    this.#now = options.now ?? (() => new Date());
    this.#generateToken = options.generateToken ?? (() => randomBytes(TOKEN_BYTES).toString('base64url'));
    // A custom generator's format is unknown, so only AWS's length bounds can be checked then.
    this.#isWellFormedToken = options.generateToken ? (token) => token.length > 0 && token.length <= MAX_TOKEN_LENGTH : isDefaultFormatToken;

    const functionsByArn = new Map<string, LambdaHandler>();
    for (const [name, handler] of Object.entries(options.functions)) functionsByArn.set(this.#functionArn(name), handler);
    this.#functionsByArn = functionsByArn;

    const substituted = options.definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => this.#functionArn(name));
    let definition: StateMachineDefinition;
    try {
      definition = JSON.parse(substituted) as StateMachineDefinition;
    } catch (error) {
      throw new Error(`State machine definition is not valid JSON: ${(error as Error).message}`);
    }
    const { tasks, cancellingContainers } = this.#analyse(definition);
    this.#tasks = tasks;
    this.#cancellingContainers = cancellingContainers;
    const timeoutSeconds: unknown = definition.TimeoutSeconds;
    if (timeoutSeconds !== undefined && !(Number.isInteger(timeoutSeconds) && (timeoutSeconds as number) >= 1)) {
      throw new Error(`The state machine's TimeoutSeconds must be a whole number of seconds, at least 1 (got ${JSON.stringify(timeoutSeconds)})`);
    }
    this.#executionTimeoutSeconds = timeoutSeconds as number | undefined;
    // Validates the (rewritten) definition; throws the library's list of problems.
    this.#stateMachine = new StateMachine(prepareDefinition(definition));
  }

  // ---- Executions ------------------------------------------------------------------------------

  async startExecution(request: StartExecutionInput): Promise<StartExecutionOutput> {
    this.#assertOpen();
    this.#assertStateMachine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!isValidName(name)) {
      throw new StepFunctionsServiceError('InvalidName', `Invalid Name: '${name}'`);
    }
    const inputText = request.input ?? '{}';
    let input: JsonValue;
    try {
      input = JSON.parse(inputText) as JsonValue;
    } catch {
      throw new StepFunctionsServiceError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${inputText}'`);
    }

    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${this.stateMachineName}:${name}`;
    const existing = this.#executions.get(executionArn);
    if (existing) {
      // AWS: a repeat start with the same name and input while the first runs is not an error.
      if (existing.status === 'RUNNING' && existing.input === inputText) {
        return { executionArn, startDate: existing.startDate };
      }
      throw new StepFunctionsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }

    const execution: ExecutionRecord = {
      executionArn,
      name,
      input: inputText,
      startDate: this.#now(),
      status: 'RUNNING',
      abort: () => {},
      done: Promise.withResolvers<void>(),
      pending: new Set(),
    };
    this.#executions.set(executionArn, execution);

    const run = this.#stateMachine.run(input, {
      // The engine records ABORTED itself (stopExecution), so an abort need not reject.
      noThrowOnAbort: true,
      context: this.#context(execution),
      overrides: { taskResourceLocalHandlers: this.#taskHandlers(execution) },
    });
    execution.abort = run.abort;
    if (this.#executionTimeoutSeconds !== undefined) {
      execution.timeout = setLongTimeout(() => this.#timeOut(execution), this.#executionTimeoutSeconds * 1000);
    }
    run.result.then(
      (output) => this.#finish(execution, { status: 'SUCCEEDED', output: JSON.stringify(output) }),
      (error: unknown) => this.#finish(execution, executionFailure(error)),
    );
    void this.#watchContainerFailures(execution, run.eventLogs);
    return { executionArn, startDate: execution.startDate };
  }

  async describeExecution(request: { executionArn: string }): Promise<DescribeExecutionOutput> {
    const execution = this.#execution(request.executionArn);
    return {
      executionArn: execution.executionArn,
      stateMachineArn: this.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate,
      input: execution.input,
      ...defined({ stopDate: execution.stopDate, output: execution.output, error: execution.error, cause: execution.cause }),
    };
  }

  async listExecutions(request: ListExecutionsInput): Promise<ListExecutionsOutput> {
    this.#assertStateMachine(request.stateMachineArn);
    const maxResults = request.maxResults || DEFAULT_MAX_RESULTS;
    if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > MAX_MAX_RESULTS) {
      throw new StepFunctionsServiceError('ValidationException', `maxResults must be between 0 and ${MAX_MAX_RESULTS}`);
    }
    const offset = request.nextToken === undefined ? 0 : decodePageToken(request.nextToken);
    const matching = [...this.#executions.values()]
      .reverse()
      .filter((execution) => request.statusFilter === undefined || execution.status === request.statusFilter);
    const page = matching.slice(offset, offset + maxResults);
    const next = offset + page.length;
    return {
      executions: page.map((execution) => ({
        executionArn: execution.executionArn,
        stateMachineArn: this.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: execution.startDate,
        ...defined({ stopDate: execution.stopDate }),
      })),
      ...(next < matching.length ? { nextToken: encodePageToken(next) } : {}),
    };
  }

  async stopExecution(request: StopExecutionInput): Promise<{ stopDate: Date }> {
    const execution = this.#execution(request.executionArn);
    // Status first: the library then settles the run with null, which #finish ignores.
    this.#finish(execution, { status: 'ABORTED', error: request.error, cause: request.cause });
    execution.abort();
    // A closed execution keeps the date it closed on.
    return { stopDate: execution.stopDate ?? this.#now() };
  }

  /** Lambda invocations that failed, oldest first; only those of one execution when it is named. */
  lambdaFailures(executionArn?: string): LambdaFailure[] {
    return this.#lambdaFailures
      .filter((failure) => executionArn === undefined || failure.executionArn === executionArn)
      .map((failure) => ({ ...failure }));
  }

  /** Test helper: resolves with the execution's description once it is no longer RUNNING. */
  async waitForExecution(executionArn: string): Promise<DescribeExecutionOutput> {
    await this.#execution(executionArn).done.promise;
    return this.describeExecution({ executionArn });
  }

  // ---- Task tokens -----------------------------------------------------------------------------

  async sendTaskSuccess(request: SendTaskSuccessInput): Promise<Record<string, never>> {
    this.#assertTokenFormat(request.taskToken);
    let output: JsonValue;
    try {
      output = JSON.parse(request.output) as JsonValue;
    } catch {
      throw new StepFunctionsServiceError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    this.#completeTask(this.#openTask(request.taskToken), { output });
    return {};
  }

  async sendTaskFailure(request: SendTaskFailureInput): Promise<Record<string, never>> {
    this.#assertTokenFormat(request.taskToken);
    this.#completeTask(this.#openTask(request.taskToken), { error: new StatesError(request.error, request.cause ?? '') });
    return {};
  }

  /** Only confirms the token is open: HeartbeatSeconds is not enforced locally. */
  async sendTaskHeartbeat(request: { taskToken: string }): Promise<Record<string, never>> {
    this.#assertTokenFormat(request.taskToken);
    this.#openTask(request.taskToken);
    return {};
  }

  /** Aborts every running execution and closes every open token. The engine takes no new work. */
  close(): void {
    this.#closed = true;
    for (const execution of this.#executions.values()) {
      if (execution.status !== 'RUNNING') continue;
      this.#finish(execution, { status: 'ABORTED', cause: 'The local Step Functions engine was closed' });
      execution.abort();
    }
  }

  // ---- Definition analysis ---------------------------------------------------------------------

  #functionArn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /** Finds every Task state (recursively) and checks this engine can run it. */
  #analyse(definition: StateMachineDefinition): { tasks: Map<string, TaskInfo>; cancellingContainers: Set<string> } {
    const tasks = new Map<string, TaskInfo>();
    const cancellingContainers = new Set<string>();
    const seen = new Set<string>();
    const visit = (machine: unknown, containers: readonly string[], insideMap: boolean): void => {
      if (!isRecord(machine) || !isRecord(machine['States'])) return;
      for (const [name, state] of Object.entries(machine['States'])) {
        // The library keys task overrides by state name alone.
        if (seen.has(name)) throw new Error(`State name '${name}' is used more than once; local mode needs unique names`);
        seen.add(name);
        if (!isRecord(state)) continue;
        if (state['Type'] === 'Task') tasks.set(name, this.#taskInfo(name, state as unknown as TaskState, containers));
        if (state['Type'] === 'Parallel' && Array.isArray(state['Branches'])) {
          if (!insideMap) cancellingContainers.add(name);
          for (const branch of state['Branches']) visit(branch, [...containers, name], insideMap);
        }
        if (state['Type'] === 'Map') {
          if (!insideMap) cancellingContainers.add(name);
          visit(state['ItemProcessor'] ?? state['Iterator'], [...containers, name], true);
        }
      }
    };
    visit(definition, [], false);
    return { tasks, cancellingContainers };
  }

  #taskInfo(name: string, state: TaskState, containers: readonly string[]): TaskInfo {
    const timeout =
      state.TimeoutSeconds !== undefined
        ? { seconds: state.TimeoutSeconds }
        : state.TimeoutSecondsPath !== undefined
          ? { path: state.TimeoutSecondsPath }
          : undefined;
    const resource = state.Resource;
    if (resource === LAMBDA_INVOKE || resource === LAMBDA_INVOKE_CALLBACK) {
      const parameters = isRecord(state.Parameters) ? state.Parameters : {};
      const integration = resource === LAMBDA_INVOKE ? 'lambda:invoke' : 'lambda:invoke.waitForTaskToken';
      if (typeof parameters['FunctionName.$'] === 'string') return { name, integration, timeout, containers };
      const functionName = parameters['FunctionName'];
      if (typeof functionName !== 'string') throw new Error(`Task state '${name}' (${resource}) has no Parameters.FunctionName`);
      return { name, integration, timeout, containers, handler: this.#handlerFor(functionName, `Task state '${name}'`) };
    }
    if (LAMBDA_ARN.test(resource)) {
      return { name, integration: 'lambda', timeout, containers, handler: this.#handlerFor(resource, `Task state '${name}'`) };
    }
    throw new Error(
      `Task state '${name}' uses Resource '${resource}', which local mode cannot run. ` +
        `Supported: ${LAMBDA_INVOKE}, ${LAMBDA_INVOKE_CALLBACK} and Lambda function ARNs (\${...FunctionArn} placeholders).`,
    );
  }

  /** Resolves a FunctionName or Resource (ARN, optionally with a version or alias) to its handler. */
  #handlerFor(functionName: string, where: string): LambdaHandler {
    const match = LAMBDA_ARN.exec(functionName);
    const handler = match ? this.#functionsByArn.get(this.#functionArn(match[1] ?? '')) : undefined;
    if (!handler) {
      const placeholder = match ? `\${${match[1]}}` : functionName;
      throw new Error(`${where} calls ${placeholder}, but no handler was given for it in 'functions'`);
    }
    return handler;
  }

  // ---- Running tasks ---------------------------------------------------------------------------

  /**
   * The context object the library reads `$$` paths from. It shallow-copies this per (nested)
   * run, so the getters live on nested objects that every copy shares.
   */
  #context(execution: ExecutionRecord): Record<string, unknown> {
    const offerToken = (): string => this.#offerToken(execution);
    return {
      Execution: { Id: execution.executionArn, Name: execution.name, StartTime: execution.startDate.toISOString() },
      StateMachine: { Id: this.stateMachineArn, Name: this.stateMachineName },
      Task: {
        get Token(): string {
          return offerToken();
        },
      },
      [TIMEOUT_CONTEXT_KEY]: {
        get TaskTimeoutSeconds(): number | undefined {
          return execution.taskTimeoutSeconds;
        },
      },
    };
  }

  /**
   * `$$.Task.Token` is read while the library builds a task's Parameters, and the task's override
   * runs in the same synchronous turn. So one token is offered per turn (however often the path
   * appears) and the override claims it; an unclaimed one lapses at the end of the turn.
   */
  #offerToken(execution: ExecutionRecord): string {
    if (execution.offeredToken !== undefined) return execution.offeredToken;
    const token = this.#generateToken();
    if (this.#tokens.has(token)) throw new Error('generateToken returned a token it had already issued');
    execution.offeredToken = token;
    queueMicrotask(() => {
      if (execution.offeredToken === token) execution.offeredToken = undefined;
    });
    return token;
  }

  #taskHandlers(execution: ExecutionRecord): TaskHandlers {
    const handlers: TaskHandlers = {};
    for (const task of this.#tasks.values()) {
      handlers[task.name] = (input) => {
        const result = this.#runTask(execution, task, input);
        // The library can throw after calling an override (an invalid TimeoutSecondsPath) and
        // then never awaits this promise; an unobserved rejection would crash the process.
        result.catch(() => {});
        return result;
      };
    }
    return handlers;
  }

  /**
   * Called synchronously by the library, which then reads the task's timeout from the context.
   * Throwing here (rather than rejecting) fails the task before that read, with this message.
   */
  #runTask(execution: ExecutionRecord, task: TaskInfo, processedInput: JsonValue): Promise<JsonValue> {
    const { input, timeoutSeconds } = unwrapTaskInput(task, processedInput);
    execution.taskTimeoutSeconds = timeoutSeconds;
    if (execution.status !== 'RUNNING') return Promise.reject(new StatesRuntimeError('The execution has already ended'));
    let handler: LambdaHandler;
    try {
      handler = task.handler ?? this.#handlerFor(String(isRecord(input) ? input['FunctionName'] : ''), `Task state '${task.name}'`);
    } catch (error) {
      return Promise.reject(new StatesError('Lambda.ResourceNotFoundException', (error as Error).message));
    }

    const { promise, resolve, reject } = Promise.withResolvers<JsonValue>();
    const token = task.integration === 'lambda:invoke.waitForTaskToken' ? this.#claimToken(execution, input) : undefined;
    const pending: PendingTask = {
      execution,
      task,
      startedAt: Date.now(),
      startedTurn: this.#turn(),
      settle: { resolve, reject },
      ...defined({ token }),
    };
    execution.pending.add(pending);
    if (token !== undefined) this.#tokens.set(token, pending);

    if (task.integration === 'lambda:invoke.waitForTaskToken') {
      // Set before the library sets its own timer for the same span, so this fires first and a
      // late SendTaskSuccess is refused; the library's timer then raises States.Timeout.
      pending.timer = setTimeout(() => this.#completeTask(pending, 'timed out'), timeoutSeconds * 1000);
      invokeLambda(handler, payloadOf(input)).then(
        () => {}, // The callback pattern ignores the function's result and waits for the token.
        (error: Error) => {
          this.#recordLambdaFailure(execution, task, error);
          this.#completeTask(pending, { error });
        },
      );
    } else {
      const payload = task.integration === 'lambda' ? input : payloadOf(input);
      invokeLambda(handler, payload).then(
        (result) => {
          const output: JsonValue = task.integration === 'lambda' ? result : { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
          this.#completeTask(pending, { output });
        },
        (error: Error) => {
          this.#recordLambdaFailure(execution, task, error);
          this.#completeTask(pending, { error });
        },
      );
    }
    return promise;
  }

  #recordLambdaFailure(execution: ExecutionRecord, task: TaskInfo, error: Error): void {
    this.#lambdaFailures.push({ executionArn: execution.executionArn, state: task.name, error: error.name, cause: error.message, at: this.#now() });
    // `npm start` runs for days: keep the recent failures, not every one.
    if (this.#lambdaFailures.length > MAX_LAMBDA_FAILURES) this.#lambdaFailures.shift();
  }

  /** Takes the token the Parameters just read, if the task's input carries it. */
  #claimToken(execution: ExecutionRecord, input: JsonValue): string | undefined {
    const token = execution.offeredToken;
    if (token === undefined || !containsString(input, token)) return undefined;
    execution.offeredToken = undefined;
    return token;
  }

  /**
   * Closes a task once; later answers to its token get TaskTimedOut. 'timed out' leaves the
   * library's promise pending, as the library's own timer for the same span is about to fail the
   * state with its States.Timeout (which Catch and Retry treat specially). 'cancelled' rejects it
   * with a non-catchable error, so an aborted run's task ends there and the library's timer clears.
   */
  #completeTask(pending: PendingTask, outcome: { output: JsonValue } | { error: Error } | 'timed out' | 'cancelled'): void {
    const settle = pending.settle;
    if (!settle) return;
    pending.settle = undefined;
    clearTimeout(pending.timer);
    pending.execution.pending.delete(pending);
    if (outcome === 'timed out') return;
    if (outcome === 'cancelled') settle.reject(new StatesRuntimeError('The task was cancelled'));
    else if ('error' in outcome) settle.reject(outcome.error);
    else settle.resolve(outcome.output);
  }

  /**
   * When a Map or Parallel state fails, the library aborts its other iterations or branches, but
   * their overrides never hear of it; on AWS their tokens close. So watch the run's events for the
   * failure and close what was open inside that state. Only containers outside any Map qualify:
   * inside one, the failure of one iteration's container cannot be told from another's.
   *
   * A Catch or Retry can re-enter the container before this sees the event, and the new attempt's
   * tasks must stay open. Re-entry without a delay happens in the failure's own event-loop turn,
   * which is also the turn this runs in; a delayed one starts after this has run. So a task from
   * an earlier turn is from the failed attempt; within this turn only one that started in an
   * earlier millisecond than the failure is known to be (the events carry no finer time).
   */
  async #watchContainerFailures(execution: ExecutionRecord, events: AsyncGenerator<EventLog>): Promise<void> {
    try {
      for await (const event of events) {
        if (event.type !== 'StateFailed' || !this.#cancellingContainers.has(event.state.name)) continue;
        const turn = this.#turn();
        for (const pending of [...execution.pending]) {
          const fromFailedAttempt = pending.startedTurn < turn || pending.startedAt < event.timestamp;
          if (pending.task.containers.includes(event.state.name) && fromFailedAttempt) this.#completeTask(pending, 'cancelled');
        }
      }
    } catch {
      // The event stream is a convenience; losing it only leaves tokens open until the execution ends.
    }
  }

  /** Numbers event-loop turns (a macrotask and the microtasks it queues), counting only turns that ask. */
  #turn(): number {
    if (!this.#turnOpen) {
      this.#turnOpen = true;
      this.#turnId += 1;
      // Check-phase callbacks run once the current macrotask and its microtasks are done.
      setImmediate(() => {
        this.#turnOpen = false;
      }).unref();
    }
    return this.#turnId;
  }

  /** The execution ran past its TimeoutSeconds: TIMED_OUT, as AWS reports it, and its run stops. */
  #timeOut(execution: ExecutionRecord): void {
    this.#finish(execution, {
      status: 'TIMED_OUT',
      error: 'States.Timeout',
      cause: `The execution ran longer than its TimeoutSeconds (${this.#executionTimeoutSeconds} s)`,
    });
    execution.abort();
  }

  #finish(execution: ExecutionRecord, result: Pick<ExecutionRecord, 'status' | 'output' | 'error' | 'cause'>): void {
    if (execution.status !== 'RUNNING') return;
    execution.timeout?.clear();
    Object.assign(execution, defined(result), { stopDate: this.#now() });
    // On AWS a closed execution's tasks are closed too: their tokens answer TaskTimedOut.
    for (const pending of [...execution.pending]) this.#completeTask(pending, 'cancelled');
    execution.done.resolve();
  }

  // ---- Lookups and checks ----------------------------------------------------------------------

  #assertOpen(): void {
    if (this.#closed) throw new Error('The local Step Functions engine has been closed');
  }

  #assertStateMachine(stateMachineArn: string): void {
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new StepFunctionsServiceError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
    if (stateMachineArn !== this.stateMachineArn) {
      throw new StepFunctionsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
  }

  #execution(executionArn: string): ExecutionRecord {
    if (!EXECUTION_ARN.test(executionArn)) throw new StepFunctionsServiceError('InvalidArn', `Invalid Arn: '${executionArn}'`);
    const execution = this.#executions.get(executionArn);
    if (!execution) throw new StepFunctionsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  #assertTokenFormat(token: string): void {
    if (!this.#isWellFormedToken(token)) throw new StepFunctionsServiceError('InvalidToken', 'Invalid Token');
  }

  #openTask(token: string): PendingTask {
    const pending = this.#tokens.get(token);
    if (!pending) throw new StepFunctionsServiceError('TaskDoesNotExist', 'Task Does Not Exist');
    if (!pending.settle) throw new StepFunctionsServiceError('TaskTimedOut', 'Task Timed Out: Provided task does not exist anymore');
    return pending;
  }
}

// ---- Helpers -----------------------------------------------------------------------------------

/**
 * Routes every Task state's timeout through the engine (TIMEOUT_CONTEXT_PATH), so the library's
 * timer and the token's agree, AWS's default applies instead of the library's 60 s, and no value
 * overflows Node's timer. The execution's own TimeoutSeconds is taken out: the library would hand
 * it to one setTimeout (overflowing past ~24.8 days), so the engine keeps it (`setLongTimeout`).
 *
 * AWS resolves a Task's TimeoutSecondsPath against the state's input (after InputPath). The library
 * (aws-local-stepfunctions 3.0.0) resolves it against the task's input after Parameters were applied:
 * `TaskStateAction.execute` hands the processed input to `getTimeoutMs`, which queries the path in it
 * (src/stateMachine/stateActions/TaskStateAction.ts; build/main.node.esm.js, `getTimeoutMs`). A
 * definition written for AWS, whose Parameters do not repeat the timeout, would fail there with a
 * path error. So such a state's Parameters are wrapped to resolve the author's path alongside them,
 * against the state's input, and the override unwraps the pair (`unwrapTaskInput`). The ASL keeps
 * the shape AWS wants; this is the only place that knows about the library's reading.
 */
function prepareDefinition(definition: StateMachineDefinition): StateMachineDefinition {
  const rewrite = (machine: unknown): void => {
    if (!isRecord(machine) || !isRecord(machine['States'])) return;
    for (const state of Object.values(machine['States'])) {
      if (!isRecord(state)) continue;
      if (state['Type'] === 'Task') {
        if (typeof state['TimeoutSecondsPath'] === 'string') {
          const original = state['Parameters'];
          state['Parameters'] = {
            ...(original === undefined ? { [`${WRAPPED_INPUT_KEY}.$`]: '$' } : { [WRAPPED_INPUT_KEY]: original }),
            [`${WRAPPED_TIMEOUT_KEY}.$`]: state['TimeoutSecondsPath'],
          };
        }
        delete state['TimeoutSeconds'];
        state['TimeoutSecondsPath'] = TIMEOUT_CONTEXT_PATH;
      }
      if (state['Type'] === 'Parallel' && Array.isArray(state['Branches'])) state['Branches'].forEach(rewrite);
      if (state['Type'] === 'Map') rewrite(state['ItemProcessor'] ?? state['Iterator']);
    }
  };
  const copy = structuredClone(definition);
  rewrite(copy);
  delete copy.TimeoutSeconds;
  return copy;
}

/** setTimeout for any span: chained timers, each within what Node's timers hold. */
function setLongTimeout(callback: () => void, ms: number): { clear(): void } {
  let left = ms;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const span = Math.min(left, MAX_TIMER_SECONDS * 1000);
    left -= span;
    timer = setTimeout(left > 0 ? arm : callback, span);
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}

/**
 * Recovers the task's real input and timeout from what the library passes the override (the
 * processed Parameters, wrapped by `prepareDefinition` when the state has TimeoutSecondsPath),
 * and checks the timeout as AWS does. Capped to what Node's timers hold.
 */
function unwrapTaskInput(task: TaskInfo, processed: JsonValue): { input: JsonValue; timeoutSeconds: number } {
  if (task.timeout === undefined) return { input: processed, timeoutSeconds: Math.min(AWS_DEFAULT_TASK_TIMEOUT_SECONDS, MAX_TIMER_SECONDS) };
  if ('seconds' in task.timeout) return { input: processed, timeoutSeconds: Math.min(task.timeout.seconds, MAX_TIMER_SECONDS) };
  const wrapper = isRecord(processed) ? processed : {};
  const seconds = wrapper[WRAPPED_TIMEOUT_KEY];
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) {
    throw new StatesRuntimeError(
      `Path expression '${task.timeout.path}' evaluated to ${JSON.stringify(seconds) ?? 'nothing'}, but expected an integer >= 1`,
    );
  }
  return { input: (wrapper[WRAPPED_INPUT_KEY] ?? null) as JsonValue, timeoutSeconds: Math.min(seconds, MAX_TIMER_SECONDS) };
}

/**
 * Calls a handler as Lambda would: the event and result cross a JSON boundary, and a thrown error
 * becomes the Lambda integration's error, with the error's name as Error and the runtime's JSON
 * (errorType, errorMessage, trace) as Cause.
 */
async function invokeLambda(handler: LambdaHandler, event: JsonValue): Promise<JsonValue> {
  try {
    const result = await handler(cloneJson(event));
    return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as JsonValue);
  } catch (thrown) {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    const errorType = error.name || 'Error';
    const cause = JSON.stringify({ errorType, errorMessage: error.message, trace: error.stack?.split('\n') ?? [] });
    return Promise.reject(new StatesError(errorType, cause));
  }
}

/** The optimised integration sends `Parameters.Payload`; with none, the function gets `{}`. */
function payloadOf(input: JsonValue): JsonValue {
  return isRecord(input) && input['Payload'] !== undefined ? (input['Payload'] as JsonValue) : {};
}

function executionFailure(error: unknown): Pick<ExecutionRecord, 'status' | 'error' | 'cause'> {
  // ExecutionError wraps the error that ended the run: a state's error (Error/Cause) or the library's own.
  const cause: unknown = error instanceof ExecutionError ? error.cause : error;
  const { name, message } = (cause ?? {}) as { name?: unknown; message?: unknown };
  return {
    status: 'FAILED',
    error: typeof name === 'string' && name !== '' ? name : undefined,
    cause: typeof message === 'string' && message !== '' ? message : undefined,
  };
}

function isValidName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_EXECUTION_NAME_LENGTH && !INVALID_NAME_CHARACTERS.test(name);
}

/** The default tokens: exactly the canonical base64url of TOKEN_BYTES bytes. */
function isDefaultFormatToken(token: string): boolean {
  return (
    /^[A-Za-z0-9_-]+$/.test(token) &&
    Buffer.from(token, 'base64url').length === TOKEN_BYTES &&
    Buffer.from(token, 'base64url').toString('base64url') === token
  );
}

function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodePageToken(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the service's error for a bad page token.
  }
  throw new StepFunctionsServiceError('InvalidToken', 'Invalid Token: nextToken');
}

function containsString(value: unknown, needle: string): boolean {
  if (value === needle) return true;
  if (Array.isArray(value)) return value.some((item) => containsString(item, needle));
  if (isRecord(value)) return Object.values(value).some((item) => containsString(item, needle));
  return false;
}

function cloneJson(value: JsonValue): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Drops undefined members, so optional fields are absent rather than present-and-undefined. */
function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as Partial<T>;
}
