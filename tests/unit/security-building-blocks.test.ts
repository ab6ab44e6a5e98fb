import { describe, expect, it } from 'vitest';
import { byRoute, describeError, json } from '../../functions/web/http.ts';
import { StaleState } from '../../functions/store/errors.ts';
import { approvalLink, hashLinkToken, isWellFormedLinkToken, mintLinkToken } from '../../functions/domain/links.ts';
import { html, escapeHtml } from '../../functions/web/html.ts';
import { callerOf, claimList, ownsRequest } from '../../functions/web/identity.ts';
import { asGatewayClaims } from '../../local/api-server.ts';
import { approvalRequestEmail } from '../../functions/email/templates.ts';
import type { ApprovalRecord, RequestRecord } from '../../functions/store/records.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { OffshoringRequestSchema } from '../../functions/domain/request.ts';

describe('approval link tokens', () => {
  it('are 256 random bits, base64url, and stored only as a SHA-256 hash', () => {
    const token = mintLinkToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(isWellFormedLinkToken(token)).toBe(true);
    expect(hashLinkToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashLinkToken(token)).not.toContain(token);
    expect(new Set(Array.from({ length: 100 }, () => mintLinkToken())).size).toBe(100);
  });
  it('refuses anything that is not exactly a token', () => {
    for (const bad of [undefined, '', 'short', `${mintLinkToken()}x`, `${'a'.repeat(42)}!`, 42]) expect(isWellFormedLinkToken(bad)).toBe(false);
  });
  it('builds the link on the configured base URL', () => {
    expect(approvalLink('https://offshoring.example.gov.uk', 'APR-1', 'tok')).toBe('https://offshoring.example.gov.uk/approvals/APR-1?token=tok');
  });
});

describe('pages and emails never turn what a requester typed into markup', () => {
  it('escapes every interpolated value', () => {
    expect(html`<p>${'<script>alert("x")</script>'}</p>`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>');
    expect(escapeHtml(`'&`)).toBe('&#39;&amp;');
  });
  it('escapes a hostile service name in the approver email', () => {
    const request = OffshoringRequestSchema.parse({ ...singleAreaRequest(), serviceName: '<img src=x onerror=alert(1)>' });
    const record = {
      requestId: 'OFF-1',
      status: 'PENDING_APPROVAL',
      round: 1,
      request,
      requiredApprovers: [],
      lateNotice: false,
      noticeDays: 60,
      submittedAt: '',
      updatedAt: '',
      submittedBy: { kind: 'SERVICE_OWNER' },
      version: 0,
    } as unknown as RequestRecord;
    const approval = { kind: 'APPROVAL', role: 'DPO', name: 'D', email: 'd@x.gov.uk', respondBy: '2027-01-01T00:00:00Z' } as ApprovalRecord;
    const email = approvalRequestEmail(record, approval, 'https://x/approvals/A?token=t', 'REQUEST');
    expect(email.html).not.toContain('<img src=x');
    expect(email.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('caller identity from JWT claims', () => {
  const event = (claims?: Record<string, string>) => ({ requestContext: claims ? { authorizer: { jwt: { claims } } } : {} }) as never;
  const runtime = { securityTeamGroup: 'offshore-security' };

  it('reads the subject, email and the security-team group as API Gateway passes them', () => {
    expect(callerOf(event({ sub: 's1', email: 'A@Justice.gov.uk', groups: '[staff offshore-security]' }), runtime)).toEqual({
      sub: 's1',
      email: 'a@justice.gov.uk',
      securityTeam: true,
    });
    expect(callerOf(event({ sub: 's2', email: 'b@justice.gov.uk', 'cognito:groups': 'staff' }), runtime).securityTeam).toBe(false);
  });
  it('refuses a caller without a subject or email with 401', () => {
    expect(() => callerOf(event(), runtime)).toThrow(expect.objectContaining({ statusCode: 401 }));
    expect(() => callerOf(event({ sub: 's' }), runtime)).toThrow(expect.objectContaining({ statusCode: 401 }));
  });
  it('reads group claims in every shape providers send', () => {
    expect(claimList('[a b]')).toEqual(['a', 'b']);
    expect(claimList('offshore-security')).toEqual(['offshore-security']);
    expect(claimList(['a'])).toEqual(['a']);
    expect(claimList(undefined)).toEqual([]);
  });
  it("never splits a group name: a group whose name holds the security team's, after a comma, is not the security team", () => {
    for (const groups of [
      'offshore-security,readers',
      'readers,offshore-security',
      '[offshore-security,readers]',
      ['offshore-security,readers'],
      ['[offshore-security]'],
    ]) {
      expect(
        callerOf(event({ sub: 's3', email: 'c@justice.gov.uk', groups } as unknown as Record<string, string>), runtime).securityTeam,
        JSON.stringify(groups),
      ).toBe(false);
    }
  });
  it("takes Entra's immutable object id (oid) as the subject when the token carries one", () => {
    expect(callerOf(event({ sub: 'pairwise-sub', oid: '0f1e2d3c-oid', email: 'a@justice.gov.uk' }), runtime).sub).toBe('0f1e2d3c-oid');
    expect(callerOf(event({ sub: 'only-sub', email: 'a@justice.gov.uk' }), runtime).sub).toBe('only-sub');
  });
  it("decides ownership by the recorded subject, and by the named owner's email only while none is recorded", () => {
    const caller = (sub: string, email: string) => ({ sub, email, securityTeam: false });
    const bound = {
      request: { serviceOwner: { email: 'Owner@justice.gov.uk' } },
      submittedBy: { kind: 'SERVICE_OWNER', sub: 's-owner' },
      serviceOwnerSubject: 's-owner',
    } as never;
    expect(ownsRequest(caller('s-owner', 'renamed@justice.gov.uk'), bound)).toBe(true);
    expect(ownsRequest(caller('s-other', 'owner@justice.gov.uk'), bound)).toBe(false);
    // Submitted by the security team for the owner: the named owner's email matches until a subject is recorded.
    const unbound = { request: { serviceOwner: { email: 'Owner@justice.gov.uk' } }, submittedBy: { kind: 'SECURITY_TEAM', sub: 's-sec' } } as never;
    expect(ownsRequest(caller('s-anyone', 'owner@justice.gov.uk'), unbound)).toBe(true);
    expect(ownsRequest(caller('s-sec', 'sam.security@justice.gov.uk'), unbound)).toBe(false);
    // A record written before subjects were recorded separately: the owner who submitted it, by subject.
    const submittedByOwner = {
      request: { serviceOwner: { email: 'owner@justice.gov.uk' } },
      submittedBy: { kind: 'SERVICE_OWNER', sub: 's-owner' },
    } as never;
    expect(ownsRequest(caller('s-other', 'owner@justice.gov.uk'), submittedByOwner)).toBe(false);
  });
});

describe('claims as the local API hands them on', () => {
  it('are strings, as API Gateway passes them, with arrays as "[a b]" that claimList reads back', () => {
    const claims = asGatewayClaims({ sub: 'local-a@justice.gov.uk', groups: ['offshore-security', 'readers'], exp: 1_800_000_000 });
    expect(claims).toEqual({ sub: 'local-a@justice.gov.uk', groups: '[offshore-security readers]', exp: '1800000000' });
    expect(claimList(claims.groups)).toEqual(['offshore-security', 'readers']);
  });
});

describe('error responses', () => {
  it('answers a write that lost a race with 409, never 500, when the use case said nothing more', () => {
    expect(describeError(new StaleState('The record changed since it was read'))).toMatchObject({ statusCode: 409, body: { error: 'Conflict' } });
    expect(describeError(new Error('boom'))).toMatchObject({ statusCode: 500 });
  });
});

describe('routing in a function that serves several routes', () => {
  it('dispatches on the route key, not on which path parameters are present, and refuses a route it does not serve', async () => {
    const handler = byRoute({
      'GET /requests': async () => json(200, { route: 'list' }),
      'GET /requests/{requestId}': async () => json(200, { route: 'one' }),
    });
    const call = (routeKey: string, pathParameters?: Record<string, string>) => handler({ routeKey, pathParameters } as never, {} as never);
    expect(JSON.parse((await call('GET /requests/{requestId}', {})).body!)).toEqual({ route: 'one' });
    expect(JSON.parse((await call('GET /requests', { requestId: 'OFF-1' })).body!)).toEqual({ route: 'list' });
    expect(() => call('POST /requests')).toThrow(/No handler for route POST \/requests/);
  });
});
