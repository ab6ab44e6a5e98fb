import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { multiAreaRequest, singleAreaRequest } from '../fixtures/index.ts';
import { fixedClock } from '../fixtures/index.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ runtime: { clock: fixedClock() } });
});
afterAll(() => h.close());

const OWNER_EMAIL = 'priya.shah@justice.gov.uk';

describe('POST /requests on the local stack', () => {
  it('accepts a multi-area request, routes it to the MoJ SIRO and SSA, and starts its execution', async () => {
    const { status, body, headers } = await h.submit(multiAreaRequest());
    expect(status).toBe(201);
    expect(headers.get('location')).toBe(`/requests/${body.requestId}`);
    expect(body).toMatchObject({ status: 'PENDING_APPROVAL', lateNotice: false });
    expect(body.requiredApprovers.map((a: { role: string }) => a.role)).toEqual(['MOJ_SIRO', 'SSA', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL']);

    const execution = await h.stack.stepFunctions.describeExecution({
      executionArn: `${h.stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${body.requestId}`,
    });
    expect(execution.status).toBe('RUNNING');

    const view = await h.status(body.requestId);
    expect(view).toMatchObject({
      requestId: body.requestId,
      status: 'PENDING_APPROVAL',
      round: 1,
      request: { serviceName: multiAreaRequest().serviceName },
    });
    expect(view.approvals).toHaveLength(6);
    expect(
      view.approvals.every(
        (a: { status: string; decidedAt: unknown; reason: unknown }) => a.status === 'PENDING' && a.decidedAt === null && a.reason === null,
      ),
    ).toBe(true);
    // Under the fixed clock every event has the same time, so the trail's order among them is the event ids': find it by type.
    expect(view.audit.find((e: { type: string }) => e.type === 'REQUEST_SUBMITTED')).toMatchObject({
      type: 'REQUEST_SUBMITTED',
      actor: { kind: 'SERVICE_OWNER', email: multiAreaRequest().serviceOwner.email },
    });
    expect(JSON.stringify(view)).not.toMatch(/taskToken|tokenHash|"pk"|"sk"/);
  });

  it('routes a single-area request to its agency SIRO', async () => {
    const { body } = await h.submit(singleAreaRequest());
    expect(body.requiredApprovers[0]).toMatchObject({ role: 'BUSINESS_AREA_SIRO', email: 'siro@hmcts.justice.local' });
  });

  it('carries the late-notice flag and reason into the status', async () => {
    const { body } = await h.submit({ ...singleAreaRequest(), plannedStartDate: '2026-12-07' });
    expect(body).toMatchObject({ lateNotice: true, lateNoticeReason: expect.stringMatching(/14 days/) });
    expect(await h.status(body.requestId)).toMatchObject({ lateNotice: true, noticeDays: 14 });
  });

  it('answers 400 listing every problem with its path, and stores nothing', async () => {
    const { status, body } = await h.submit({
      ...singleAreaRequest(),
      businessAreas: ['NARNIA'],
      offshoreLocations: [{ country: 'GB', activities: ['HOSTING'] }],
    });
    expect(status).toBe(400);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: 'businessAreas.0', message: expect.stringMatching(/unknown business area/) },
        { path: 'offshoreLocations.0.country', message: expect.stringMatching(/onshore/) },
      ]),
    );
  });

  it('answers 415 for a body that is not JSON', async () => {
    expect((await h.submit('not json')).status).toBe(415);
    expect((await h.submit('serviceName=x', { 'content-type': 'text/plain' })).status).toBe(415);
  });

  it('returns the first response to a retry with the same Idempotency-Key and creates nothing new', async () => {
    const key = { 'Idempotency-Key': 'retry-test-0001' };
    const first = await h.submit(singleAreaRequest(), key);
    const second = await h.submit(singleAreaRequest(), key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.requestId).toBe(first.body.requestId);
    const { executions } = await h.stack.stepFunctions.listExecutions({ stateMachineArn: h.stack.stateMachineArn });
    expect(executions.filter((e) => e.name.startsWith(first.body.requestId))).toHaveLength(1);
  });

  it('refuses an Idempotency-Key reused for a different request with 422', async () => {
    const key = { 'Idempotency-Key': 'retry-test-0002' };
    expect((await h.submit(singleAreaRequest(), key)).status).toBe(201);
    const other = await h.submit({ ...singleAreaRequest(), serviceName: 'Something else' }, key);
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('IdempotencyKeyReused');
  });

  it('still replays the first response after a refused reuse of the key: one key, one request', async () => {
    const key = { 'Idempotency-Key': 'retry-test-0003' };
    const body = { ...singleAreaRequest(), serviceName: 'Replay after reuse' };
    const first = await h.submit(body, key);
    expect(first.status).toBe(201);
    expect((await h.submit({ ...body, serviceName: 'Another body' }, key)).status).toBe(422);
    const again = await h.submit(body, key);
    expect(again.status).toBe(201);
    expect(again.body.requestId).toBe(first.body.requestId);
    const mine = (await h.api('/requests', {}, body.serviceOwner.email)).body.requests.filter(
      (r: { serviceName: string }) => r.serviceName === body.serviceName,
    );
    expect(mine).toHaveLength(1);
  });

  it('creates one request for ten overlapping retries of one key: the others replay it or get 409', async () => {
    for (const trial of [1, 2, 3]) {
      const key = { 'Idempotency-Key': `retry-test-0004-${trial}` };
      const body = { ...singleAreaRequest(), serviceName: `Overlapping retries ${trial}` };
      // Retries a few milliseconds apart, so some arrive while the first is in progress and some after it finished.
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => new Promise((r) => setTimeout(r, i * 5)).then(() => h.submit(body, key))),
      );
      for (const answer of answers) expect([201, 409]).toContain(answer.status);
      const created = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.requestId));
      expect(created.size).toBe(1);
      for (const refused of answers.filter((a) => a.status === 409)) expect(refused.body.error).toBe('IdempotencyKeyInProgress');
      const mine = (await h.api('/requests', {}, body.serviceOwner.email)).body.requests.filter(
        (r: { serviceName: string }) => r.serviceName === body.serviceName,
      );
      expect(mine.map((r: { requestId: string }) => r.requestId)).toEqual([...created]);
    }
  });

  it('refuses a body nested thousands of levels deep with 400 (or 415), Idempotency-Key or not', async () => {
    const deep = `{"serviceName":${'['.repeat(6000)}${']'.repeat(6000)}}`;
    for (const headers of [{}, { 'Idempotency-Key': 'retry-test-0005' }] as Record<string, string>[]) {
      const res = await h.submit(deep, headers);
      expect([400, 415]).toContain(res.status);
    }
  });

  it('answers a malformed or impossible path id with 400 and the reason, never 500', async () => {
    for (const path of [
      '/requests/%E0%A4%A',
      '/requests/%ZZ',
      `/requests/OFF-${'X'.repeat(2000)}`,
      '/requests/..%2F..%2Fetc',
      '/services/%E0%A4%A',
      `/services/SVC-${'9'.repeat(1100)}`,
    ]) {
      const res = await h.api(path);
      expect(res.status, path).toBe(400);
      expect(res.body.errors[0].path).toMatch(/^(requestId|serviceId)$/);
    }
    const withdraw = await h.api('/requests/%E0%A4%A/withdrawal', { method: 'POST' }, OWNER_EMAIL);
    expect(withdraw.status).toBe(400);
  });

  it('never reads a GET body: a JSON Content-Type on a GET is ignored on every route', async () => {
    const { body } = await h.submit(singleAreaRequest());
    for (const path of ['/services', '/monitoring/runs', `/requests/${body.requestId}`, '/requests']) {
      const res = await h.api(path, { headers: { 'content-type': 'application/json' } });
      expect(res.status, path).toBe(200);
    }
  });

  it('answers 404 for an unknown request id', async () => {
    const res = await h.api('/requests/OFF-NOSUCHTHING');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'NotFound' });
  });
});

describe('identity (the local stand-in for the department identity provider)', () => {
  const OWNER = 'priya.shah@justice.gov.uk';

  it('lets a service owner follow their own request, and records who they are on the audit trail', async () => {
    const { body } = await h.submit(singleAreaRequest());
    const res = await h.api(`/requests/${body.requestId}`, {}, { email: OWNER, name: 'Priya Shah' });
    expect(res.status).toBe(200);
    expect(res.body.audit.find((e: { type: string }) => e.type === 'REQUEST_SUBMITTED').actor).toMatchObject({
      kind: 'SERVICE_OWNER',
      email: OWNER,
      sub: `local-${OWNER}`,
    });
  });

  it("refuses another service owner's reads and actions with 403", async () => {
    const { body } = await h.submit(singleAreaRequest());
    const other = 'alex.morgan@justice.gov.uk';
    expect((await h.api(`/requests/${body.requestId}`, {}, other)).status).toBe(403);
    const withdraw = await h.api(`/requests/${body.requestId}/withdrawal`, { method: 'POST' }, other);
    expect(withdraw.status).toBe(403);
    expect((await h.status(body.requestId)).status).toBe('PENDING_APPROVAL');
  });

  it("decides ownership by the identity provider's subject: a new holder of the owner's email is not the owner", async () => {
    const owner = { email: OWNER, sub: 'idp-subject-priya' };
    const submitted = await h.api(
      '/requests',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(singleAreaRequest()) },
      owner,
    );
    expect(submitted.status).toBe(201);
    const { requestId } = submitted.body;
    const sameEmail = { email: OWNER, sub: 'idp-subject-someone-else' };
    expect((await h.api(`/requests/${requestId}`, {}, sameEmail)).status).toBe(403);
    expect((await h.api(`/requests/${requestId}/withdrawal`, { method: 'POST' }, sameEmail)).status).toBe(403);
    expect((await h.api('/requests', {}, sameEmail)).body.requests.map((r: { requestId: string }) => r.requestId)).not.toContain(requestId);
    // The owner whose email address changed is still the owner.
    expect((await h.api(`/requests/${requestId}`, {}, { email: 'priya.shah@digital.justice.gov.uk', sub: owner.sub })).status).toBe(200);
    expect((await h.api('/requests', {}, owner)).body.requests.map((r: { requestId: string }) => r.requestId)).toContain(requestId);
    expect((await h.status(requestId)).status).toBe('PENDING_APPROVAL');
  });

  it('binds a request the security team submitted to the named owner at their first sign-in, and no one else after', async () => {
    const submitted = await h.api('/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(singleAreaRequest()),
    });
    expect(submitted.status).toBe(201);
    const { requestId } = submitted.body;
    expect((await h.api(`/requests/${requestId}`, {}, { email: 'alex.morgan@justice.gov.uk', sub: 'idp-alex' })).status).toBe(403);
    expect((await h.api(`/requests/${requestId}`, {}, { email: OWNER, sub: 'idp-first-holder' })).status).toBe(200);
    expect((await h.api(`/requests/${requestId}`, {}, { email: OWNER, sub: 'idp-second-holder' })).status).toBe(403);
    expect((await h.api(`/requests/${requestId}`, {}, { email: OWNER, sub: 'idp-first-holder' })).status).toBe(200);
  });

  it('refuses a withdrawal whose JSON body is not an object, and changes nothing', async () => {
    const { body } = await h.submit(singleAreaRequest());
    for (const scalar of ['""', 'null', '"withdraw"', '[]']) {
      const res = await h.api(
        `/requests/${body.requestId}/withdrawal`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: scalar },
        OWNER,
      );
      expect(res.status, scalar).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ path: '' });
    }
    const view = await h.status(body.requestId);
    expect(view.status).toBe('PENDING_APPROVAL');
    expect(view.audit.map((e: { type: string }) => e.type)).not.toContain('REQUEST_WITHDRAWN');
  });

  it('refuses a submission on behalf of another service owner with 403', async () => {
    const res = await h.api(
      '/requests',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(singleAreaRequest()) },
      'alex.morgan@justice.gov.uk',
    );
    expect(res.status).toBe(403);
  });

  it('refuses missing, tampered, expired or foreign tokens with 401 before any handler runs', async () => {
    const { body } = await h.submit(singleAreaRequest());
    const path = `/requests/${body.requestId}`;
    expect((await h.api(path, {}, null)).status).toBe(401);
    const token = h.stack.tokenFor({ email: OWNER });
    const [head, payload, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), email: 'alex.morgan@justice.gov.uk' }),
    ).toString('base64url');
    const { startIdentityProvider } = await import('../../local/identity-provider.ts');
    const another = await startIdentityProvider({ port: 0, publicBaseUrl: h.stack.apiUrl });
    const foreign = another.signTestToken({ email: OWNER });
    await another.close();
    for (const bad of [
      `${head}.${forged}.${signature}`,
      'not-a-jwt',
      foreign,
      h.stack.identityProvider.signTestToken({ email: OWNER }, { now: new Date(Date.now() - 2 * 86_400_000), ttlSeconds: 60 }),
    ]) {
      const res = await h.api(path, { headers: { authorization: `Bearer ${bad}` } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: 'Unauthorized' });
    }
  });

  it("lists a service owner's own requests, newest first, and nobody else's", async () => {
    const mine = await h.api('/requests', {}, OWNER);
    expect(mine.status).toBe(200);
    expect(mine.body.requests.length).toBeGreaterThan(0);
    const all = await Promise.all(mine.body.requests.map((r: { requestId: string }) => h.status(r.requestId)));
    expect(all.every((r) => r.request.serviceOwner.email === OWNER)).toBe(true);
    const times = mine.body.requests.map((r: { submittedAt: string }) => r.submittedAt);
    expect(times).toEqual([...times].sort().reverse());
    expect((await h.api('/requests', {}, 'nobody@justice.gov.uk')).body.requests).toEqual([]);
  });

  it('lets approvers reach their pages with the link alone, no account', async () => {
    const res = await h.api(`/approvals/APR-ANY?token=${'x'.repeat(43)}`, {}, null);
    expect(res.status).toBe(403); // refused by the link check, not by sign-in (that would be 401)
  });
});
