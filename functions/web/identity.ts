import type { HttpEvent } from './http.ts';
import type { Runtime } from '../platform/runtime.ts';
import type { Actor, RequestRecord } from '../store/records.ts';
import { Forbidden, Unauthenticated } from './errors.ts';

/**
 * Who is calling. On AWS the HTTP API's JWT authorizer has verified the department's identity
 * token and passes its claims in `requestContext.authorizer.jwt.claims`; locally the API server
 * does the same with the local identity provider's tokens (local/identity-provider.ts). Handlers only read claims.
 */
export interface Caller {
  /**
   * The identity provider's immutable subject: Entra's object id (`oid`) when the token carries one,
   * else `sub`. Ownership is decided by it; an email address can change hands, a subject cannot.
   */
  sub: string;
  email: string;
  name?: string;
  securityTeam: boolean;
}

/**
 * Group claims: a real array, API Gateway's one string for an array ("[a b]", split on white space,
 * as the gateway joined it), or one group as a plain string. A name is never split further: a group
 * named "offshore-security,readers" is that group, not the security team's.
 */
export function claimList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  const joined = /^\[(.*)\]$/s.exec(value);
  return joined ? joined[1]!.split(/\s+/).filter(Boolean) : value ? [value] : [];
}

export function callerOf(event: HttpEvent, runtime: Pick<Runtime, 'securityTeamGroup'>): Caller {
  const authorizer = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer;
  const caller = callerFromClaims(authorizer?.jwt?.claims, runtime.securityTeamGroup);
  if (!caller) throw new Unauthenticated('Sign in with your department account: the request carries no identity with an email address');
  return caller;
}

/**
 * The person an identity token names: from the API's JWT authorizer's claims, or from the ID token
 * of a sign-in to the pages. Undefined when the claims name no subject or email address.
 */
export function callerFromClaims(claims: Record<string, unknown> | undefined, securityTeamGroup: string): Caller | undefined {
  const email = typeof claims?.email === 'string' ? claims.email.toLowerCase() : undefined;
  if (!claims || typeof claims.sub !== 'string' || !email) return undefined;
  const groups = [...claimList(claims.groups), ...claimList(claims['cognito:groups'])];
  const subject = typeof claims.oid === 'string' && claims.oid !== '' ? claims.oid : claims.sub;
  return {
    sub: subject,
    email,
    ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    securityTeam: groups.includes(securityTeamGroup),
  };
}

/** The caller as the audit trail records them. */
export function actorOf(caller: Caller): Actor {
  return {
    kind: caller.securityTeam ? 'SECURITY_TEAM' : 'SERVICE_OWNER',
    sub: caller.sub,
    email: caller.email,
    ...(caller.name ? { name: caller.name } : {}),
  };
}

const same = (a?: string, b?: string) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

type Owned = Pick<RequestRecord, 'request' | 'submittedBy' | 'requestId' | 'serviceOwnerSubject'>;

/**
 * The subject a request belongs to: recorded when its service owner submitted it, or when the named
 * owner first signed in to a request the security team submitted for them. Undefined until then.
 */
export function ownerSubjectOf(record: Omit<Owned, 'requestId'>): string | undefined {
  return record.serviceOwnerSubject ?? (record.submittedBy.kind === 'SERVICE_OWNER' ? record.submittedBy.sub : undefined);
}

/**
 * Whether the caller is the request's service owner: by subject once one is recorded; before that,
 * by the named owner's email (the caller then becomes the owner: see `assertOwner`).
 */
export function ownsRequest(caller: Caller, record: Omit<Owned, 'requestId'>): boolean {
  const subject = ownerSubjectOf(record);
  return subject !== undefined ? caller.sub === subject : same(caller.email, record.request.serviceOwner.email);
}

/**
 * A service owner may act only on their own requests. The first time the named owner signs in to a
 * request submitted on their behalf, their subject is recorded (once: a conditional write), so a later
 * holder of the same email address is not the owner.
 */
export async function assertOwner(runtime: Pick<Runtime, 'store'>, caller: Caller, record: Owned): Promise<void> {
  if (!ownsRequest(caller, record)) throw new Forbidden(`Only the service owner of ${record.requestId} may do this`);
  if (ownerSubjectOf(record) === undefined && !(await runtime.store.recordServiceOwnerSubject(record.requestId, caller.sub))) {
    const now = await runtime.store.getRequest(record.requestId);
    if (!now || ownerSubjectOf(now) !== caller.sub) throw new Forbidden(`Only the service owner of ${record.requestId} may do this`);
  }
}

/** Owners read their own requests; the security team reads all. */
export async function assertCanRead(runtime: Pick<Runtime, 'store'>, caller: Caller, record: Owned): Promise<void> {
  if (!caller.securityTeam) await assertOwner(runtime, caller, record);
}

/** The owner of a register entry: by subject when the approved request recorded one, else by the named owner's email. */
export function ownsService(caller: Caller, entry: { serviceOwner: { email: string }; serviceOwnerSubject?: string }): boolean {
  return entry.serviceOwnerSubject !== undefined ? caller.sub === entry.serviceOwnerSubject : same(caller.email, entry.serviceOwner.email);
}

export function assertSecurityTeam(caller: Caller): void {
  if (!caller.securityTeam) throw new Forbidden('Only the security team may do this');
}
