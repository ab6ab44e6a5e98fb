import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import dynalite from 'dynalite';

/**
 * DynamoDB for local mode: dynalite, plus the two operations it lacks (TransactWriteItems and
 * TransactGetItems), served by a small HTTP proxy in front of it.
 *
 *   SDK ──► proxy ──(everything else, unchanged)──► dynalite
 *             └── TransactWriteItems / TransactGetItems: emulated with single-item calls to dynalite
 *
 * Every write (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems) passes one async
 * mutex, so a transaction is atomic with respect to every other write made through the proxy; reads
 * pass freely (a read may see a transaction half applied, or applied then rolled back: DynamoDB's
 * isolation for non-transactional reads is only "read committed", close enough for local use).
 *
 * With a dataDir, the items a transaction touches are written to a journal before it is applied and
 * the journal is removed once it commits or rolls back; starting on that dataDir again puts back a
 * transaction a crash (kill -9) cut short, so a transaction stays all or nothing across a crash.
 *
 * A transaction's ClientRequestToken makes it idempotent for ten minutes, as on DynamoDB: a retry of
 * one that succeeded (its answer lost on the way) succeeds again without being applied twice.
 *
 * A transaction is run as: validate → snapshot every touched item (consistent GetItem) → apply each
 * action in order as the equivalent conditional single-item call → on the first failed condition,
 * evaluate the remaining actions' conditions without applying them (DynamoDB reports every failing
 * condition), restore the snapshots of everything applied, and answer TransactionCanceledException
 * with one CancellationReason per action, as DynamoDB does.
 *
 * The internal calls go to dynalite as raw JSON 1.0 requests (not through the SDK): attribute values
 * (binary included) then travel byte-for-byte as the caller sent them, and dynalite's own errors
 * (ValidationException, ResourceNotFoundException...) can be handed back to the caller verbatim.
 * dynalite only checks that an Authorization header has the SigV4 shape, never the signature.
 */

export interface LocalDynamoDbOptions {
  /** Loopback address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Folder dynalite persists to (LevelDB); undefined keeps the data in memory. */
  dataDir?: string;
  /** The endpoint's (the proxy's) port; dynalite behind it always takes a free one. @default 0, a free port */
  port?: number;
}

export interface LocalDynamoDb {
  /** The endpoint to hand the SDK (the proxy). */
  url: string;
  /** dynalite itself, behind the proxy (no transactions, no write serialisation): for diagnostics only. */
  dynaliteUrl: string;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
/** In dataDir, beside dynalite's LevelDB files (LevelDB leaves files it does not name alone). */
export const JOURNAL_FILE = 'LOCAL-TRANSACTION-JOURNAL.json';
const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const MAX_TRANSACT_ITEMS = 100;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

type AttributeMap = Record<string, unknown>;
type Json = Record<string, unknown>;

/** How one action of a transaction went: DynamoDB's CancellationReason codes. */
type Outcome = { code: 'None' } | { code: 'ConditionalCheckFailed' } | { code: 'ValidationError'; message: string };
const OK: Outcome = { code: 'None' };

/**
 * ValidationExceptions that depend on the item's data rather than on the request: inside a
 * transaction DynamoDB reports these as a `ValidationError` cancellation reason, not as a
 * ValidationException of the whole request (see TransactionCanceledException in the API reference).
 */
const ITEM_LEVEL_VALIDATION = [
  'The provided expression refers to an attribute that does not exist in the item',
  'An operand in the update expression has an incorrect data type',
  'Type mismatch for attribute to update',
  'Item size to update has exceeded the maximum allowed size',
  'Item size has exceeded the maximum allowed size',
  'Number overflow',
  'The document path provided in the update expression is invalid for update',
  'Nesting Levels have exceeded supported limits',
  'The update expression attempted to update the secondary index key',
];

interface WireResult {
  status: number;
  body: Json;
}

/** An answer to send back to the caller as-is. */
class Reply {
  status: number;
  body: Json;
  constructor(status: number, body: Json) {
    this.status = status;
    this.body = body;
  }
}

function validationError(message: string): Reply {
  return new Reply(400, { __type: 'com.amazon.coral.validate#ValidationException', message });
}

function errorType(body: Json): string {
  const type = typeof body.__type === 'string' ? body.__type : '';
  return type.slice(type.lastIndexOf('#') + 1);
}

/** One FIFO async mutex: `run` waits for every earlier holder to finish. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

function listen(server: Server, host: string, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

function sendJson(res: ServerResponse, reply: Reply): void {
  const body = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomBytes(39).toString('base64').toUpperCase().replace(/[+/]/g, '0'),
    'x-amz-crc32': String(crc32(body)),
  });
  res.end(body);
}

/** Raw JSON 1.0 calls to dynalite (bypassing the proxy and its mutex). */
class DynaliteWire {
  #url: URL;
  #agent = new Agent({ keepAlive: true });
  constructor(url: string) {
    this.#url = new URL(url);
  }

  call(operation: string, input: Json): Promise<WireResult> {
    const payload = JSON.stringify(input);
    const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.#url.hostname.replace(/^\[|\]$/g, ''),
          port: this.#url.port,
          method: 'POST',
          path: '/',
          agent: this.#agent,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'content-length': Buffer.byteLength(payload),
            'x-amz-target': TARGET_PREFIX + operation,
            'x-amz-date': date,
            authorization: `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
          },
        },
        (res) => {
          readBody(res).then((buffer) => {
            const text = buffer.toString('utf8');
            let body: Json;
            try {
              body = text ? (JSON.parse(text) as Json) : {};
            } catch {
              body = { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: text };
            }
            resolve({ status: res.statusCode ?? 500, body });
          }, reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Calls dynalite; any failure that is not about this item's data becomes the caller's answer. */
  async conditional(operation: string, input: Json): Promise<Outcome> {
    const result = await this.call(operation, input);
    if (result.status === 200) return OK;
    const type = errorType(result.body);
    if (type === 'ConditionalCheckFailedException') return { code: 'ConditionalCheckFailed' };
    const message = String(result.body.message ?? result.body.Message ?? '');
    if (type === 'ValidationException' && ITEM_LEVEL_VALIDATION.some((m) => message.startsWith(m))) return { code: 'ValidationError', message };
    throw new Reply(result.status, result.body);
  }

  destroy(): void {
    this.#agent.destroy();
  }
}

interface KeySchema {
  names: string[];
}

type ActionKind = 'Put' | 'Update' | 'Delete' | 'ConditionCheck';

interface Action {
  kind: ActionKind;
  spec: Json;
  tableName: string;
  key: AttributeMap;
  /** The item before the transaction (undefined: there was none). */
  before?: AttributeMap;
  applied: boolean;
}

/** Keeps only the #names and :values an expression mentions (DynamoDB rejects unused ones). */
function expressionParams(expression: string, names: unknown, values: unknown): Json {
  const mentions = (token: string) => new RegExp(`${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`).test(expression);
  const out: Json = {};
  if (names && typeof names === 'object') {
    const used = Object.entries(names as Json).filter(([token]) => mentions(token));
    if (used.length) out.ExpressionAttributeNames = Object.fromEntries(used);
  }
  if (values && typeof values === 'object') {
    const used = Object.entries(values as Json).filter(([token]) => mentions(token));
    if (used.length) out.ExpressionAttributeValues = Object.fromEntries(used);
  }
  return out;
}

function pick(spec: Json, fields: string[]): Json {
  const out: Json = {};
  for (const field of fields) if (spec[field] !== undefined) out[field] = spec[field];
  return out;
}

/** How long DynamoDB remembers a transaction's ClientRequestToken. */
const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;

/** An item as it was before a transaction touched it (no `before`: there was none). */
interface UndoImage {
  tableName: string;
  key: AttributeMap;
  before?: AttributeMap;
}

class TransactionEngine {
  #wire: DynaliteWire;
  /** Transactions that succeeded, by ClientRequestToken: the request (without its token) and when. */
  #succeeded = new Map<string, { request: string; at: number }>();
  /** Where the undo images of the transaction being applied are kept, when the data persists. */
  #journal: string | undefined;
  constructor(wire: DynaliteWire, journal?: string) {
    this.#wire = wire;
    this.#journal = journal;
  }

  /**
   * Puts back every item a transaction interrupted by a crash had touched (its undo images are in
   * the journal until it commits or rolls back): a transaction is all or nothing across a kill -9
   * too, as on DynamoDB. Answers how many items were put back.
   */
  async recover(): Promise<number> {
    if (!this.#journal) return 0;
    let images: UndoImage[];
    try {
      images = JSON.parse(await readFile(this.#journal, 'utf8')) as UndoImage[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      // Cut short while it was being written: nothing had been applied yet.
      if (error instanceof SyntaxError) return this.#forget().then(() => 0);
      throw error;
    }
    for (const image of [...images].reverse()) await this.#restore(image);
    await this.#forget();
    return images.length;
  }

  async #restore({ tableName, key, before }: UndoImage): Promise<void> {
    const result = before
      ? await this.#wire.call('PutItem', { TableName: tableName, Item: before })
      : await this.#wire.call('DeleteItem', { TableName: tableName, Key: key });
    if (result.status !== 200) console.error('[local-dynamodb] could not restore', tableName, key, result.body);
  }

  /** Written before the first action is applied. */
  async #remember(actions: Action[]): Promise<void> {
    if (!this.#journal) return;
    const images: UndoImage[] = actions
      .filter((a) => a.kind !== 'ConditionCheck')
      .map(({ tableName, key, before }) => ({ tableName, key, ...(before ? { before } : {}) }));
    await writeFile(this.#journal, JSON.stringify(images));
  }

  /** Removed once the transaction committed or rolled back, before it is answered. */
  async #forget(): Promise<void> {
    if (this.#journal) await rm(this.#journal, { force: true });
  }

  /**
   * TransactWriteItems with DynamoDB's idempotency: within ten minutes, a request repeating the
   * ClientRequestToken of one that succeeded succeeds again without changing anything (the SDK
   * sets a token on every call and keeps it across its retries, so a retry after a lost answer
   * is not applied twice); the same token with other parameters is IdempotentParameterMismatch.
   */
  async transactWriteOnce(input: Json, now = Date.now()): Promise<Reply> {
    for (const [token, { at }] of this.#succeeded) if (now - at > IDEMPOTENCY_WINDOW_MS) this.#succeeded.delete(token);
    const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
    const { ClientRequestToken: _token, ...rest } = input;
    const request = JSON.stringify(rest);
    const earlier = token === undefined ? undefined : this.#succeeded.get(token);
    if (earlier) {
      return earlier.request === request
        ? new Reply(200, {})
        : new Reply(400, {
            __type: 'com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException',
            message: 'The request uses the same client token as a previous, but non-identical request.',
          });
    }
    const reply = await this.transactWrite(input);
    if (token !== undefined && reply.status === 200) this.#succeeded.set(token, { request, at: now });
    return reply;
  }

  async #keySchema(tableName: string, cache: Map<string, KeySchema>): Promise<KeySchema> {
    const cached = cache.get(tableName);
    if (cached) return cached;
    const result = await this.#wire.call('DescribeTable', { TableName: tableName });
    if (result.status !== 200) throw new Reply(result.status, result.body);
    const table = result.body.Table as { KeySchema: { AttributeName: string; KeyType: string }[] };
    const names = [...table.KeySchema].sort((a, b) => (a.KeyType === 'HASH' ? -1 : b.KeyType === 'HASH' ? 1 : 0)).map((k) => k.AttributeName);
    const schema = { names };
    cache.set(tableName, schema);
    return schema;
  }

  async #getItem(tableName: string, key: AttributeMap, extra: Json = {}): Promise<AttributeMap | undefined> {
    const result = await this.#wire.call('GetItem', { TableName: tableName, Key: key, ConsistentRead: true, ...extra });
    if (result.status !== 200) throw new Reply(result.status, result.body);
    return result.body.Item as AttributeMap | undefined;
  }

  async #parse(items: unknown): Promise<Action[]> {
    if (!Array.isArray(items))
      throw validationError("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null");
    if (items.length < 1 || items.length > MAX_TRANSACT_ITEMS) {
      const bound = items.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_TRANSACT_ITEMS}`;
      throw validationError(`1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ${bound}`);
    }
    const schemas = new Map<string, KeySchema>();
    const seen = new Set<string>();
    const actions: Action[] = [];
    for (const raw of items as Json[]) {
      const kinds = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).filter((k) => raw?.[k] !== undefined && raw[k] !== null);
      if (kinds.length !== 1) throw validationError('TransactItems can only contain one of Check, Put, Update or Delete');
      const kind = kinds[0] as ActionKind;
      const spec = raw[kind] as Json;
      const tableName = spec.TableName;
      if (typeof tableName !== 'string')
        throw validationError(
          `1 validation error detected: Value null at 'transactItems.${kind}.tableName' failed to satisfy constraint: Member must not be null`,
        );
      if (kind === 'ConditionCheck' && typeof spec.ConditionExpression !== 'string') {
        throw validationError(
          `1 validation error detected: Value null at 'transactItems.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null`,
        );
      }
      if (kind === 'Update' && typeof spec.UpdateExpression !== 'string') {
        throw validationError(
          `1 validation error detected: Value null at 'transactItems.update.updateExpression' failed to satisfy constraint: Member must not be null`,
        );
      }
      const schema = await this.#keySchema(tableName, schemas);
      const source = (kind === 'Put' ? spec.Item : spec.Key) as AttributeMap | undefined;
      if (!source || typeof source !== 'object') {
        throw validationError(
          `1 validation error detected: Value null at 'transactItems.${kind}.${kind === 'Put' ? 'item' : 'key'}' failed to satisfy constraint: Member must not be null`,
        );
      }
      const key: AttributeMap = {};
      for (const name of schema.names) {
        if (source[name] === undefined) throw validationError(`One or more parameter values were invalid: Missing the key ${name} in the item`);
        key[name] = source[name];
      }
      if (kind !== 'Put' && Object.keys(source).length !== schema.names.length) {
        throw validationError('The provided key element does not match the schema');
      }
      const identity = JSON.stringify([tableName, ...schema.names.map((n) => key[n])]);
      if (seen.has(identity)) throw validationError('Transaction request cannot include multiple operations on one item');
      seen.add(identity);
      actions.push({ kind, spec, tableName, key, applied: false });
    }
    return actions;
  }

  /** The single-item call that does what the action does (condition included). */
  #apply(action: Action): Promise<Outcome> {
    const { spec, tableName, key } = action;
    const common = pick(spec, ['ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues']);
    switch (action.kind) {
      case 'Put':
        return this.#wire.conditional('PutItem', { TableName: tableName, Item: spec.Item, ...common });
      case 'Update':
        return this.#wire.conditional('UpdateItem', { TableName: tableName, Key: key, UpdateExpression: spec.UpdateExpression, ...common });
      case 'Delete':
        return this.#wire.conditional('DeleteItem', { TableName: tableName, Key: key, ...common });
      case 'ConditionCheck':
        return this.#check(action);
    }
  }

  /**
   * Evaluates an action's condition without changing anything: a conditional PutItem of the item
   * exactly as it is, or, when there is no item, a conditional DeleteItem (a no-op on a missing item).
   */
  #check(action: Action): Promise<Outcome> {
    const expression = action.spec.ConditionExpression;
    if (typeof expression !== 'string') return Promise.resolve(OK);
    const params = {
      ConditionExpression: expression,
      ...expressionParams(expression, action.spec.ExpressionAttributeNames, action.spec.ExpressionAttributeValues),
    };
    return action.before
      ? this.#wire.conditional('PutItem', { TableName: action.tableName, Item: action.before, ...params })
      : this.#wire.conditional('DeleteItem', { TableName: action.tableName, Key: action.key, ...params });
  }

  async #rollback(actions: Action[]): Promise<void> {
    for (const action of [...actions].reverse()) {
      if (!action.applied) continue;
      const result = action.before
        ? await this.#wire.call('PutItem', { TableName: action.tableName, Item: action.before })
        : await this.#wire.call('DeleteItem', { TableName: action.tableName, Key: action.key });
      if (result.status !== 200) console.error('[local-dynamodb] rollback failed', action.tableName, action.key, result.body);
      action.applied = false;
    }
  }

  /** Runs under the write mutex. */
  async transactWrite(input: Json): Promise<Reply> {
    try {
      const actions = await this.#parse(input.TransactItems);
      for (const action of actions) action.before = await this.#getItem(action.tableName, action.key);
      await this.#remember(actions);

      const outcomes: Outcome[] = [];
      try {
        let cancelled = false;
        for (const action of actions) {
          if (cancelled) {
            // Already cancelled: only find out whether this condition fails too, as DynamoDB reports.
            outcomes.push(await this.#check(action));
            continue;
          }
          const outcome = await this.#apply(action);
          // A ConditionCheck may have written the unchanged item back: nothing to undo, but harmless if undone.
          if (outcome.code === 'None' && action.kind !== 'ConditionCheck') action.applied = true;
          else if (outcome.code !== 'None') cancelled = true;
          outcomes.push(outcome);
        }
        if (!cancelled) {
          await this.#forget();
          return new Reply(200, {});
        }
      } catch (error) {
        await this.#rollback(actions);
        await this.#forget();
        throw error;
      }
      await this.#rollback(actions);
      await this.#forget();

      const reasons = actions.map((action, i) => {
        const outcome = outcomes[i] ?? OK;
        if (outcome.code === 'None') return { Code: 'None' };
        if (outcome.code === 'ValidationError') return { Code: 'ValidationError', Message: outcome.message };
        const reason: Json = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
        if (action.spec.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && action.before) reason.Item = action.before;
        return reason;
      });
      return new Reply(400, {
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        CancellationReasons: reasons,
      });
    } catch (error) {
      if (error instanceof Reply) return error;
      throw error;
    }
  }

  /** Runs under the write mutex, so it sees no transaction half applied. */
  async transactGet(input: Json): Promise<Reply> {
    try {
      const items = input.TransactItems;
      if (!Array.isArray(items) || items.length < 1 || items.length > MAX_TRANSACT_ITEMS) {
        return validationError(
          `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length between 1 and ${MAX_TRANSACT_ITEMS}`,
        );
      }
      const responses: Json[] = [];
      for (const raw of items as Json[]) {
        const get = raw?.Get as Json | undefined;
        if (!get || typeof get.TableName !== 'string')
          return validationError(
            "1 validation error detected: Value null at 'transactItems.get' failed to satisfy constraint: Member must not be null",
          );
        const item = await this.#getItem(get.TableName, get.Key as AttributeMap, pick(get, ['ProjectionExpression', 'ExpressionAttributeNames']));
        responses.push(item ? { Item: item } : {});
      }
      return new Reply(200, { Responses: responses });
    } catch (error) {
      if (error instanceof Reply) return error;
      throw error;
    }
  }
}

/** Starts dynalite on a loopback port and the transaction-capable proxy in front of it. */
export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const host = options.host ?? '127.0.0.1';
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.dataDir ? { path: options.dataDir } : {}) });
  const dynaliteUrl = await listen(dynamo, host);
  const upstream = new URL(dynaliteUrl);
  const upstreamAgent = new Agent({ keepAlive: true });
  const wire = new DynaliteWire(dynaliteUrl);
  const engine = new TransactionEngine(wire, options.dataDir ? path.join(options.dataDir, JOURNAL_FILE) : undefined);
  const restored = await engine.recover();
  if (restored > 0) console.error(`[local-dynamodb] rolled back a transaction cut short by a crash (${restored} items put back as they were)`);
  const writes = new Mutex();

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void> {
    return new Promise((resolve) => {
      const headers = endToEndHeaders(req.headers);
      if (body) {
        delete headers['content-length'];
        headers['content-length'] = String(body.length);
      }
      const proxied = request(
        { host: upstream.hostname.replace(/^\[|\]$/g, ''), port: upstream.port, method: req.method, path: req.url, headers, agent: upstreamAgent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, endToEndHeaders(answer.headers));
          answer.pipe(res);
          answer.on('end', () => resolve());
          answer.on('error', () => resolve());
          res.on('close', () => resolve());
        },
      );
      proxied.on('error', (error) => {
        if (!res.headersSent)
          sendJson(res, new Reply(500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(error) }));
        else res.destroy(error);
        resolve();
      });
      if (body) proxied.end(body);
      else req.pipe(proxied);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return forward(req, res, undefined);
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    if (operation !== 'TransactWriteItems' && operation !== 'TransactGetItems') {
      return WRITE_OPERATIONS.has(operation) ? writes.run(() => forward(req, res, body)) : forward(req, res, body);
    }
    let input: Json;
    try {
      input = JSON.parse(body.toString('utf8')) as Json;
      if (!input || typeof input !== 'object') throw new Error('not an object');
    } catch {
      return sendJson(res, new Reply(400, { __type: 'com.amazon.coral.service#SerializationException' }));
    }
    const reply = await writes.run(() => (operation === 'TransactWriteItems' ? engine.transactWriteOnce(input) : engine.transactGet(input)));
    sendJson(res, reply);
  }

  let closing = false;
  const proxy = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Work still in flight while the stack shuts down is expected to fail: say nothing then.
      if (!closing) console.error('[local-dynamodb] proxy error', error);
      if (!res.headersSent) sendJson(res, new Reply(500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(error) }));
      else res.destroy();
    });
  });
  const url = await listen(proxy, host, options.port);

  return {
    url,
    dynaliteUrl,
    async close() {
      closing = true;
      await closeServer(proxy);
      upstreamAgent.destroy();
      wire.destroy();
      await closeServer(dynamo);
    },
  };
}
