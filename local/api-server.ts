import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { apiRoutes, lambdaFunctions, type ApiRoute, type FunctionKey } from '../functions/catalogue.ts';
import type { Runtime } from '../functions/platform/runtime.ts';

/**
 * Local stand-in for API Gateway (HTTP API, payload format 2.0): the routes of functions/catalogue.ts,
 * each served by the same handler module the Lambda runs, built with the local runtime.
 */

// biome-ignore lint/suspicious/noExplicitAny: each handler takes its own event type (HTTP, authorizer, task payload); `unknown` would accept none of them.
export type LambdaHandler = (event: any, context: Context) => Promise<any>;
export type HandlerFactory = (runtime: Runtime) => LambdaHandler;

const ROOT = path.resolve(import.meta.dirname, '..');

/** Builds every catalogue function's handler from its module's `makeHandler(runtime)`. */
export async function loadHandlers(runtime: Runtime): Promise<Record<FunctionKey, LambdaHandler>> {
  const entries = await Promise.all(
    Object.entries(lambdaFunctions).map(async ([key, spec]) => {
      const module = (await import(pathToFileURL(path.join(ROOT, spec.entry)).href)) as { makeHandler?: HandlerFactory };
      if (typeof module.makeHandler !== 'function') throw new Error(`${spec.entry} must export makeHandler(runtime)`);
      return [key, module.makeHandler(runtime)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<FunctionKey, LambdaHandler>;
}

export function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-2:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

interface CompiledRoute {
  route: ApiRoute;
  pattern: RegExp;
  names: string[];
}

function compile(route: ApiRoute): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}

/** API Gateway's own limit is 10 MB; nothing this service accepts comes near 1 MB. */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * A body over the limit is still read to its end, up to API Gateway's own limit, before the 413:
 * closing a connection the client is still writing to resets it, and the client may lose the
 * answer. Beyond this the connection is cut as soon as the 413 is written.
 */
const MAX_DRAINED_BYTES = 10 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_DRAINED_BYTES) {
        req.pause();
        resolve('too-large');
      }
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function toApiGatewayEvent(req: IncomingMessage, body: Buffer, match: CompiledRoute, params: Record<string, string>): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // Payload 2.0 hands cookies over as a list, not as a Cookie header.
  const cookies = headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .filter(Boolean);
  delete headers.cookie;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const routeKey = `${match.route.method} ${match.route.path}`;
  const now = new Date();
  const textual = /json|text|x-www-form-urlencoded|xml/.test(headers['content-type'] ?? 'text/plain');
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(match.names.length ? { pathParameters: params } : {}),
    ...(cookies?.length ? { cookies } : {}),
    ...(body.length ? { body: textual ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !textual } : { isBase64Encoded: false }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

export function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2 | string | undefined): void {
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === 'object' && result !== null && 'statusCode' in result ? result : { statusCode: 200, body: JSON.stringify(result) };
  const headers: Record<string, string | string[]> = {};
  // A header with no value is not sent at all (API Gateway drops it; Node would write "undefined").
  for (const [name, value] of Object.entries(structured.headers ?? {})) {
    if (value === undefined || value === null || String(value).trim() === '') continue;
    headers[name] = String(value);
  }
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  const body = structured.body === undefined ? '' : structured.isBase64Encoded ? Buffer.from(structured.body, 'base64') : structured.body;
  res.writeHead(structured.statusCode ?? 200, headers).end(body);
}

/** Claims as API Gateway's JWT authorizer passes them: strings, arrays as "[a b]". */
export function asGatewayClaims(claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]));
}

type Verdict = { claims: Record<string, string> } | { refused: string };
/** May answer at once or after fetching keys. */
export type Authenticate = (token: string) => Verdict | Promise<Verdict>;

/**
 * API Gateway's JWT authorizer: the token's signature checked against the issuer's published keys
 * (JWKS, RS256 only), its issuer, audience and expiry; the claims handed on as the gateway does.
 */
export function jwtAuthorizer({ issuer, audience, jwksUri }: { issuer: string; audience: string; jwksUri: string }): Authenticate {
  const keys = createRemoteJWKSet(new URL(jwksUri));
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, { issuer, audience, algorithms: ['RS256'], requiredClaims: ['exp', 'sub'] });
      return { claims: asGatewayClaims(payload) };
    } catch (error) {
      return { refused: (error as Error).message.replace(/"/g, "'") };
    }
  };
}

export interface ApiServerOptions {
  handlers: Record<FunctionKey, LambdaHandler>;
  /** Verifies a bearer token, as the JWT authorizer does on AWS: the claims, or why it is refused. */
  authenticate: Authenticate;
  /** Extra pages the local server answers itself (e.g. the index page). */
  extraRoutes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
  /** The built page assets (npm run build:assets), served under /assets/ as CloudFront serves them from S3. */
  assetsDir?: string;
}

const ASSET_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

/** One file of the built assets, or 404; names with a content hash are cached for a year. */
function serveAsset(assetsDir: string, pathname: string, res: ServerResponse): void {
  const relative = decodeURIComponent(pathname.slice('/assets/'.length));
  const file = path.resolve(assetsDir, relative);
  const type = ASSET_TYPES[path.extname(file)];
  if (!file.startsWith(`${path.resolve(assetsDir)}${path.sep}`) || !type || !existsSync(file)) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  const hashed = /-[0-9a-f]{10,}(-v\d+)?\.[a-z0-9]+$/.test(file);
  res
    .writeHead(200, {
      'content-type': type,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    })
    .end(readFileSync(file));
}

export function createApiServer({ handlers, authenticate, extraRoutes = {}, assetsDir }: ApiServerOptions): Server {
  const routes = apiRoutes.map(compile);
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const extra = extraRoutes[`${req.method} ${url.pathname}`];
      if (extra) return extra(req, res);
      if (assetsDir && (req.method === 'GET' || req.method === 'HEAD') && url.pathname.startsWith('/assets/'))
        return serveAsset(assetsDir, url.pathname, res);
      let methodMismatch = false;
      for (const compiled of routes) {
        const m = compiled.pattern.exec(url.pathname);
        if (!m) continue;
        if (compiled.route.method !== req.method) {
          methodMismatch = true;
          continue;
        }
        const params = Object.fromEntries(compiled.names.map((name, i) => [name, m[i + 1] ?? '']));
        const body = await readBody(req);
        if (body === 'too-large') {
          // The connection closes after the answer: nothing of this request is left on it for the next one to trip over.
          return send(res, {
            statusCode: 413,
            headers: { 'content-type': 'application/json', connection: 'close' },
            body: JSON.stringify({ error: 'PayloadTooLarge', message: `The body must be under ${MAX_BODY_BYTES} bytes` }),
          });
        }
        const event = toApiGatewayEvent(req, body, compiled, params);
        if ((compiled.route.auth ?? 'jwt') === 'jwt') {
          // As API Gateway's JWT authorizer: no valid bearer token, no handler; 401 with its body.
          const bearer = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
          const verdict = bearer ? await authenticate(bearer) : { refused: 'no token' };
          if ('refused' in verdict) {
            return send(res, {
              statusCode: 401,
              headers: {
                'content-type': 'application/json',
                'www-authenticate': `Bearer error="invalid_token", error_description="${verdict.refused}"`,
              },
              body: JSON.stringify({ message: 'Unauthorized' }),
            });
          }
          (event.requestContext as unknown as { authorizer: unknown }).authorizer = { jwt: { claims: verdict.claims, scopes: null } };
        }
        const result = await handlers[compiled.route.function](event, lambdaContext(compiled.route.function));
        return send(res, result);
      }
      // API Gateway answers unknown routes itself with these bodies.
      send(res, {
        statusCode: methodMismatch ? 405 : 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: methodMismatch ? 'Method Not Allowed' : 'Not Found' }),
      });
    } catch (error) {
      console.error(error);
      send(res, { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Internal Server Error' }) });
    }
  });
}
