import type { FieldError } from '../domain/request.ts';

/**
 * Domain errors: thrown by handlers and the domain, turned into HTTP responses by one middleware
 * (functions/web/http.ts). Handlers never build error responses by hand.
 */
export abstract class DomainError extends Error {
  abstract readonly statusCode: number;
  /** Extra fields for the response body. */
  readonly details: Record<string, unknown>;
  /** The error's name in responses; written out per class because bundles are minified. */
  abstract override readonly name: string;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.details = details;
  }
}

/** 400: the body broke one or more rules; every problem is listed with its field path. */
export class ValidationFailed extends DomainError {
  override readonly name = 'ValidationFailed';
  readonly statusCode = 400;
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(`The request has ${errors.length} problem${errors.length === 1 ? '' : 's'}`, { errors });
    this.errors = errors;
  }
}

/** 401: no signed-in caller (API Gateway's JWT authorizer normally refuses these first). */
export class Unauthenticated extends DomainError {
  override readonly name = 'Unauthenticated';
  readonly statusCode = 401;
}

/** 403: signed in, but not allowed: e.g. a service owner acting on someone else's request. */
export class Forbidden extends DomainError {
  override readonly name = 'Forbidden';
  readonly statusCode = 403;
}

/** 413: the body is larger than anything this service accepts. */
export class PayloadTooLarge extends DomainError {
  override readonly name = 'PayloadTooLarge';
  readonly statusCode = 413;
}

export class NotFound extends DomainError {
  override readonly name = 'NotFound';
  readonly statusCode = 404;
}

export class Conflict extends DomainError {
  override readonly name = 'Conflict';
  readonly statusCode = 409;
}

/** 503: accepted work could not be handed to the workflow; the request is kept and marked. */
export class WorkflowUnavailable extends DomainError {
  override readonly name = 'WorkflowUnavailable';
  readonly statusCode = 503;
}

/** 403: the link's token is missing, malformed, unknown, tampered with or belongs to another approval. */
export class LinkRefused extends DomainError {
  override readonly name = 'LinkRefused';
  readonly statusCode = 403;
}

/** 409: this approval was already decided; the body shows the recorded decision. */
export class AlreadyDecided extends DomainError {
  override readonly name = 'AlreadyDecided';
  readonly statusCode = 409;
}

/** 410: the approval window has closed, or the round ended without this decision. */
export class LinkGone extends DomainError {
  override readonly name = 'LinkGone';
  readonly statusCode = 410;
}

/** 415: a page's form sent as something other than a form (pages take application/x-www-form-urlencoded only). */
export class UnsupportedMediaType extends DomainError {
  override readonly name = 'UnsupportedMediaType';
  readonly statusCode = 415;
}
