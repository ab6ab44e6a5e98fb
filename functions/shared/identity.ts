import type { HttpEvent } from './http.ts';
import type { Runtime } from './runtime.ts';
import type { Actor, RequestRecord } from './store/records.ts';
import { Forbidden, Unauthenticated } from './errors.ts';

/**
 * Who is calling. On AWS the HTTP API's JWT authorizer has verified the department's identity
 * token and passes its claims in `requestContext.authorizer.jwt.claims`; locally the API server
 * does the same with a signed development token (local/dev-identity.ts). Handlers only read claims.
 */
export interface Caller {
  sub: string;
  email: string;
  name?: string;
  securityTeam: boolean;
}

/** API Gateway passes array claims as strings like "[a b]"; tokens may also carry real arrays or "a,b". */
export function claimList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  return value.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
}

export function callerOf(event: HttpEvent, runtime: Pick<Runtime, 'securityTeamGroup'>): Caller {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer;
  const claims = authorizer?.jwt?.claims;
  const email = typeof claims?.email === 'string' ? claims.email.toLowerCase() : undefined;
  if (!claims || typeof claims.sub !== 'string' || !email) throw new Unauthenticated('Sign in with your department account: the request carries no identity with an email address');
  const groups = [...claimList(claims.groups), ...claimList(claims['cognito:groups'])];
  return { sub: claims.sub, email, ...(typeof claims.name === 'string' ? { name: claims.name } : {}), securityTeam: groups.includes(runtime.securityTeamGroup) };
}

/** The caller as the audit trail records them. */
export function actorOf(caller: Caller): Actor {
  return { kind: caller.securityTeam ? 'SECURITY_TEAM' : 'SERVICE_OWNER', sub: caller.sub, email: caller.email, ...(caller.name ? { name: caller.name } : {}) };
}

const same = (a?: string, b?: string) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** A request is its service owner's and its submitter's. */
export function ownsRequest(caller: Caller, request: Pick<RequestRecord, 'request' | 'submittedBy'>): boolean {
  return same(caller.email, request.request.serviceOwner.email) || same(caller.email, request.submittedBy.email);
}

/** Issue 6: a service owner may act only on their own requests. */
export function assertOwner(caller: Caller, request: Pick<RequestRecord, 'request' | 'submittedBy' | 'requestId'>): void {
  if (!ownsRequest(caller, request)) throw new Forbidden(`Only the service owner of ${request.requestId} may do this`);
}

/** Owners read their own requests; the security team reads all. */
export function assertCanRead(caller: Caller, request: Pick<RequestRecord, 'request' | 'submittedBy' | 'requestId'>): void {
  if (!caller.securityTeam) assertOwner(caller, request);
}

export function assertSecurityTeam(caller: Caller): void {
  if (!caller.securityTeam) throw new Forbidden('Only the security team may do this');
}
