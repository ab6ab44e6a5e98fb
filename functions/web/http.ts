import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpSecurityHeaders from '@middy/http-security-headers';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DomainError, PayloadTooLarge, ValidationFailed } from './errors.ts';
import { StaleState } from '../store/errors.ts';
import { logger, observed } from '../platform/observability.ts';

export type HttpEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

interface HttpErrorLike {
  statusCode: number;
  message: string;
  expose?: boolean;
  name: string;
}

function isHttpError(error: unknown): error is HttpErrorLike {
  return typeof error === 'object' && error !== null && typeof (error as HttpErrorLike).statusCode === 'number';
}

/**
 * Powertools idempotency's refusals, known by the names its error classes give themselves: only
 * intake uses idempotency, and importing the classes here would bundle the library into every
 * HTTP function.
 */
function isPowertoolsIdempotencyError(error: unknown, name: 'IdempotencyValidationError' | 'IdempotencyAlreadyInProgressError'): boolean {
  return error instanceof Error && error.name === name;
}

/** What an error means to the caller: status and JSON body. Unknown errors are 500 and never leak detail. */
export function describeError(error: unknown, awsRequestId?: string): { statusCode: number; body: Record<string, unknown> } {
  if (error instanceof DomainError) {
    return { statusCode: error.statusCode, body: { error: error.name, message: error.message, ...error.details } };
  }
  // A conditional write that lost to another writer, where the use case did not say more: never a 500.
  if (error instanceof StaleState) {
    return {
      statusCode: 409,
      body: { error: 'Conflict', message: 'Another change to this record was saved first; reload it to see where it stands' },
    };
  }
  if (isPowertoolsIdempotencyError(error, 'IdempotencyValidationError')) {
    return {
      statusCode: 422,
      body: { error: 'IdempotencyKeyReused', message: 'This Idempotency-Key was already used for a different request body' },
    };
  }
  if (isPowertoolsIdempotencyError(error, 'IdempotencyAlreadyInProgressError')) {
    return {
      statusCode: 409,
      body: { error: 'IdempotencyKeyInProgress', message: 'A request with this Idempotency-Key is still being processed; retry shortly' },
    };
  }
  // middy's own HTTP errors (415 from the JSON body parser, for example).
  if (isHttpError(error) && error.statusCode < 500 && error.expose !== false) {
    const name = error.statusCode === 415 ? 'UnsupportedMediaType' : error.name;
    return { statusCode: error.statusCode, body: { error: name, message: error.message } };
  }
  return {
    statusCode: 500,
    body: { error: 'InternalError', message: 'Something went wrong on our side; nothing you sent was lost', awsRequestId },
  };
}

/** The one place errors become responses (JSON here; the approval pages render HTML with the same mapping). */
export function errorResponses(render: (statusCode: number, body: Record<string, unknown>) => HttpResult = json): MiddlewareObj {
  return {
    onError: async (request) => {
      const { statusCode, body } = describeError(request.error, request.context.awsRequestId);
      if (statusCode >= 500) logger.error('Request failed', { error: request.error as Error });
      else logger.info('Request refused', { statusCode, error: body.error });
      request.response = render(statusCode, body);
    },
  };
}

type SecurityHeaderOptions = NonNullable<Parameters<typeof httpSecurityHeaders>[0]>;

/**
 * middy's security headers, configured so that no header is ever sent empty or as "undefined".
 * Left to its defaults it "hides" `Server` and `X-Powered-By` by setting them to undefined (which a
 * server then writes as the text "undefined"), and writes `Reporting-Endpoints` and `Report-To` with
 * no endpoint in them. Nothing here sets those two anyway, and no reporting endpoint exists, so all
 * four are off. `X-XSS-Protection` is off too: the browser filter it controlled is gone, its default
 * names a report group that does not exist, and the pages' CSP does that job.
 */
export function securityHeaders(options: SecurityHeaderOptions = {}) {
  const quiet = { poweredBy: false, reportTo: false, xssProtection: false, reportingEndpoints: false };
  return httpSecurityHeaders({ ...quiet, ...options } as SecurityHeaderOptions);
}

/** Nothing this service accepts comes near this (a request with 50 long mitigations is ~120 KB). */
export const MAX_BODY_BYTES = 256 * 1024;

/** Refuses oversized bodies before anything parses them (API Gateway alone would allow 10 MB). */
export function bodySizeLimit(maxBytes = MAX_BODY_BYTES): MiddlewareObj<HttpEvent> {
  return {
    before: async ({ event }) => {
      if (typeof event.body !== 'string') return;
      const bytes = event.isBase64Encoded ? Math.floor((event.body.length * 3) / 4) : Buffer.byteLength(event.body);
      if (bytes > maxBytes) throw new PayloadTooLarge(`The body is ${bytes} bytes; the most this service accepts is ${maxBytes}`, { maxBytes });
    },
  };
}

/**
 * One function serving several routes dispatches on API Gateway's route key
 * ("GET /requests/{requestId}"), never on which path parameters happen to be present.
 */
export function byRoute(routes: Readonly<Record<string, HttpHandler>>): HttpHandler {
  return (event, context) => {
    const route = routes[event.routeKey];
    if (!route) throw new Error(`No handler for route ${event.routeKey}: the catalogue and the function disagree`);
    return route(event, context);
  };
}

/** A body parser that runs only for methods with a body: a GET's body, and its Content-Type, are never read. */
// biome-ignore lint/suspicious/noExplicitAny: middy's body parsers are typed for their own event shapes; this runs them on ours.
function withBodyOnly(parser: MiddlewareObj<any>): MiddlewareObj<HttpEvent> {
  return {
    before: async (request) => {
      const method = request.event.requestContext?.http?.method;
      if (method === 'GET' || method === 'HEAD') {
        request.event.body = undefined;
        return;
      }
      return parser.before?.(request);
    },
  };
}

export interface HttpHandlerOptions {
  /** Parse a JSON body (415 if it is not JSON); 'optional' also accepts no body at all. */
  jsonBody?: boolean | 'optional';
  /** Parse an HTML form body (415 if it is not a form). */
  formBody?: boolean;
  render?: (statusCode: number, body: Record<string, unknown>) => HttpResult;
  /** Security headers middleware; the JSON default suits the API, the approver pages pass their own. */
  securityHeaders?: MiddlewareObj;
}

/** Wraps a handler in the standard chain: logging, error mapping, header normalising, security headers, body parsing. */
export function httpHandler(handler: HttpHandler, options: HttpHandlerOptions = {}) {
  const chain = middy<HttpEvent, HttpResult, Error, Context>(handler)
    // onError runs in reverse order: errors become responses first, then get the security headers.
    .use(options.securityHeaders ?? securityHeaders())
    .use(errorResponses(options.render))
    .use(observed())
    .use(httpHeaderNormalizer())
    .use(bodySizeLimit());
  if (options.jsonBody) chain.use(withBodyOnly(httpJsonBodyParser(options.jsonBody === 'optional' ? { disableContentTypeError: true } : {})));
  if (options.formBody) chain.use(withBodyOnly(httpUrlencodeBodyParser()));
  return chain;
}

/** Every id the service issues (OFF-…, APR-…, SVC-…) fits this, far inside DynamoDB's key size. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** A path id, decoded and checked: a malformed escape or an id the service could never have issued is a 400 with the reason. */
export function pathParameter(event: HttpEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (!value) throw new Error(`Route is missing path parameter ${name}`);
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    throw new ValidationFailed([{ path: name, message: 'is not valid percent-encoding' }]);
  }
  if (!ID_PATTERN.test(decoded)) {
    throw new ValidationFailed([
      { path: name, message: 'must be an id as the service issues them: letters, digits, - and _, at most 128 characters' },
    ]);
  }
  return decoded;
}
export type { APIGatewayProxyResultV2 };
