import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { StepFunctionsServiceError } from './engine.ts';
import type { ExecutionStatus, LocalStepFunctions, StepFunctionsErrorCode } from './engine.ts';

/**
 * The Step Functions API (AWS JSON 1.0) over a LocalStepFunctions engine, for the real
 * `@aws-sdk/client-sfn` client: `POST /`, the operation in `x-amz-target`, JSON in and out,
 * dates as epoch seconds. Requests are not signed-checked, which is why it only answers loopback.
 *
 * The SDK reads an error's type from the body's `__type` (the part after `#`), falling back to
 * the `x-amzn-errortype` header, and raises its class of that name (e.g. TaskTimedOut).
 */

type ErrorCode = StepFunctionsErrorCode | 'UnknownOperationException' | 'SerializationException' | 'InternalFailure';
type RequestBody = Record<string, unknown>;
type Operation = (engine: LocalStepFunctions, body: RequestBody) => Promise<object>;

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** Well above the service's 256 KiB payload limit; only guards the process's memory. */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_DRAINED_BYTES = 10 * 1024 * 1024;
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

class RequestError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const operations: Record<string, Operation> = {
  StartExecution: (engine, body) =>
    engine.startExecution({
      stateMachineArn: requiredString(body, 'stateMachineArn'),
      name: optionalString(body, 'name'),
      input: optionalString(body, 'input'),
    }),
  DescribeExecution: (engine, body) => engine.describeExecution({ executionArn: requiredString(body, 'executionArn') }),
  ListExecutions: (engine, body) =>
    engine.listExecutions({
      stateMachineArn: requiredString(body, 'stateMachineArn'),
      statusFilter: optionalStatus(body, 'statusFilter'),
      maxResults: optionalNumber(body, 'maxResults'),
      nextToken: optionalString(body, 'nextToken'),
    }),
  StopExecution: (engine, body) =>
    engine.stopExecution({
      executionArn: requiredString(body, 'executionArn'),
      error: optionalString(body, 'error'),
      cause: optionalString(body, 'cause'),
    }),
  SendTaskSuccess: (engine, body) => engine.sendTaskSuccess({ taskToken: requiredString(body, 'taskToken'), output: requiredString(body, 'output') }),
  SendTaskFailure: (engine, body) =>
    engine.sendTaskFailure({
      taskToken: requiredString(body, 'taskToken'),
      error: optionalString(body, 'error'),
      cause: optionalString(body, 'cause'),
    }),
  SendTaskHeartbeat: (engine, body) => engine.sendTaskHeartbeat({ taskToken: requiredString(body, 'taskToken') }),
};

export function createStepFunctionsServer(engine: LocalStepFunctions): Server {
  return createServer((request, response) => {
    handle(engine, request, response).catch((error: unknown) => {
      // Only reached if writing the response itself failed; the socket is beyond saving.
      console.error('local Step Functions server:', error);
      response.destroy();
    });
  });
}

/** Listens on 127.0.0.1 only (port 0 picks a free one) and returns the endpoint for SFNClient. */
export async function listenOnLoopback(server: Server, port = 0): Promise<{ endpoint: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${address.port}`, port: address.port };
}

async function handle(engine: LocalStepFunctions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  // No signature checks, so whoever can connect can complete anyone's approval: loopback only,
  // even if a caller listens on a wider address.
  if (!isLoopback(request.socket.remoteAddress)) {
    request.resume();
    return send(response, requestId, 403, { __type: 'AccessDeniedException', message: 'Local Step Functions answers loopback only' });
  }
  try {
    const body = await readBody(request);
    if (body === 'too-large') {
      // The connection closes after the answer: nothing of this request is left on it for the next one to trip over.
      const message = `The request body must be at most ${MAX_BODY_BYTES} bytes`;
      return send(
        response,
        requestId,
        413,
        { __type: errorType('SerializationException'), message },
        { 'x-amzn-errortype': 'SerializationException', connection: 'close' },
      );
    }
    const target = request.headers['x-amz-target'];
    const operationName = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const operation =
      request.method === 'POST' && operationName !== undefined && Object.hasOwn(operations, operationName) ? operations[operationName] : undefined;
    if (!operation) throw new RequestError('UnknownOperationException', `Unknown operation ${String(target)}`);
    const result = await operation(engine, parseBody(body));
    send(response, requestId, 200, toWire(result));
  } catch (error) {
    const { status, code, message } = describeError(error);
    if (status >= 500) console.error('local Step Functions server:', error);
    send(response, requestId, status, { __type: errorType(code), message }, { 'x-amzn-errortype': code });
  }
}

function describeError(error: unknown): { status: number; code: ErrorCode; message: string } {
  if (error instanceof StepFunctionsServiceError) return { status: 400, code: error.name, message: error.message };
  if (error instanceof RequestError) return { status: 400, code: error.code, message: error.message };
  return { status: 500, code: 'InternalFailure', message: error instanceof Error ? error.message : String(error) };
}

/** The fully qualified type the service sends; the SDK keeps the part after `#`. */
function errorType(code: ErrorCode): string {
  switch (code) {
    case 'UnknownOperationException':
    case 'SerializationException':
    case 'InternalFailure':
      return `com.amazon.coral.service#${code}`;
    case 'ValidationException':
      return `com.amazon.coral.validate#${code}`;
    default:
      return `com.amazonaws.swf.service.v2.model#${code}`;
  }
}

function send(response: ServerResponse, requestId: string, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
    ...headers,
  });
  response.end(text);
}

/**
 * A body over the limit is still read to its end, up to MAX_DRAINED_BYTES, before it is refused:
 * closing a connection the client is still writing to resets it, and the client may lose the
 * answer. Beyond that the connection is cut as soon as the answer is written.
 */
function readBody(request: IncomingMessage): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DRAINED_BYTES) {
        request.pause();
        resolve('too-large');
      }
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseBody(text: string): RequestBody {
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new RequestError('SerializationException', 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestError('SerializationException', 'The request body must be a JSON object');
  }
  return parsed as RequestBody;
}

function requiredString(body: RequestBody, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined) throw new RequestError('ValidationException', `1 validation error detected: '${key}' must not be null`);
  return value;
}

function optionalString(body: RequestBody, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new RequestError('SerializationException', `'${key}' must be a string`);
  return value;
}

function optionalNumber(body: RequestBody, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new RequestError('SerializationException', `'${key}' must be a number`);
  return value;
}

function optionalStatus(body: RequestBody, key: string): ExecutionStatus | undefined {
  const value = optionalString(body, key);
  if (value === undefined) return undefined;
  const status = STATUSES.find((candidate) => candidate === value);
  if (!status) throw new RequestError('ValidationException', `'${key}' must be one of ${STATUSES.join(', ')}`);
  return status;
}

/** Dates go out as epoch seconds (the protocol's timestamp format); undefined members are dropped. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, member]) => member !== undefined)
        .map(([key, member]) => [key, toWire(member)]),
    );
  }
  return value;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
