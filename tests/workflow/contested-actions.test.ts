import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, linkIn, startHarness, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Actions that contend for one record. A request or a registered service never changes hands
 * through the body of a later request; and when two people act on one record at once, exactly one
 * wins and every other gets a 409 saying what won, never a 500.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const OWNER = 'priya.shah@justice.gov.uk';
const OTHER = 'alex.morgan@justice.gov.uk';
const postJson = (path: string, body: unknown, as: string) =>
  h.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, as);

async function approverEmails(requestId: string, count: number) {
  return h.eventually(async () => {
    const mine = (await h.emails(requestId)).filter((e) => e.subject.includes('Offshoring approval needed'));
    return mine.length === count && mine;
  }, `${count} approver emails`);
}

async function decideAll(requestId: string, count: number, decision: 'APPROVE' | 'REJECT') {
  for (const [i, email] of (await approverEmails(requestId, count)).entries()) {
    const { approvalId, token } = linkIn(email);
    // One rejection is enough to reject the round; the rest approve.
    const fields: Record<string, string> =
      decision === 'REJECT' && i === 0 ? { token, decision: 'REJECT', reason: 'Needs a DPIA first' } : { token, decision: 'APPROVE' };
    const res = await h.api(`/approvals/${approvalId}`, form(fields));
    if (res.status !== 200 && decision === 'APPROVE') throw new Error(`decision answered ${res.status}`);
    if (decision === 'REJECT') break;
  }
}

/** A request approved by every approver, and the register entry its approval wrote. */
async function registeredService(): Promise<string> {
  const { body } = await h.submit(singleAreaRequest());
  await decideAll(body.requestId, 5, 'APPROVE');
  await until(body.requestId, 'APPROVED');
  return h.eventually(
    async () => (await h.status(body.requestId)).audit.find((e: { type: string }) => e.type === 'SERVICE_REGISTERED')?.details.serviceId,
    'the service to be registered',
  );
}

async function until(requestId: string, status: string) {
  return h.eventually(async () => {
    const view = await h.status(requestId);
    return view.status === status && view;
  }, `request ${requestId} to be ${status}`);
}

describe('ownership through the body', () => {
  it('refuses a resubmission that names another service owner, and leaves the request as it was', async () => {
    const { body } = await h.submit(singleAreaRequest());
    await decideAll(body.requestId, 5, 'REJECT');
    await until(body.requestId, 'REJECTED');

    const takeover = { ...singleAreaRequest(), serviceOwner: { name: 'Alex Morgan', email: OTHER } };
    const res = await postJson(`/requests/${body.requestId}/resubmissions`, takeover, OWNER);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'serviceOwner.email', message: `a resubmission keeps the request's service owner (${OWNER})` }]);
    const view = await h.status(body.requestId);
    expect(view).toMatchObject({ status: 'REJECTED', round: 1, request: { serviceOwner: { email: OWNER } } });
    expect((await h.api(`/requests/${body.requestId}`, {}, OTHER)).status).toBe(403);
  });

  it("refuses a CHANGE to another owner's registered service with 403; its owner and the security team may", async () => {
    const serviceId = await registeredService();

    const change = {
      ...singleAreaRequest(),
      changeType: 'CHANGE',
      serviceId,
      serviceName: 'Taken over',
      serviceOwner: { name: 'Alex Morgan', email: OTHER },
    };
    const refused = await postJson('/requests', change, OTHER);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'Forbidden', serviceId });
    expect((await h.api('/requests', {}, OTHER)).body.requests.filter((r: { serviceName: string }) => r.serviceName === 'Taken over')).toEqual([]);
    expect((await h.api(`/services/${serviceId}`, {}, OWNER)).body).toMatchObject({ serviceOwner: { email: OWNER }, version: 1 });

    const byOwner = await postJson(
      '/requests',
      { ...change, serviceOwner: singleAreaRequest().serviceOwner, serviceName: 'Changed by its owner' },
      OWNER,
    );
    expect(byOwner.status).toBe(201);
    // The approvers are shown which registered service is changed, and what changes, before and after.
    const asked = await approverEmails(byOwner.body.requestId, 5);
    for (const email of asked) {
      expect(email.body.text).toContain(`Registered service: ${serviceId}: ${singleAreaRequest().serviceName} (register version 1)`);
      expect(email.body.text).toContain(`What changes in ${serviceId}:`);
      expect(email.body.text).toContain(`  - Service name: ${singleAreaRequest().serviceName} → Changed by its owner`);
      expect(email.body.html).toContain('<th scope="col">Before</th>');
    }
    const { approvalId, token } = linkIn(asked[0]!);
    const page = await h.api(`/approvals/${approvalId}?token=${token}`);
    expect(page.text).toContain(`What changes in ${serviceId}`);
    expect(page.text).toContain('Changed by its owner');
    const bySecurityTeam = await h.api('/requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...change, serviceOwner: singleAreaRequest().serviceOwner }),
    });
    expect(bySecurityTeam.status).toBe(201);
  });
});

describe('concurrent actions on one record', () => {
  const settle = <T>(n: number, act: () => Promise<T>) => Promise.all(Array.from({ length: n }, act));

  it('lets one of many concurrent rejection routes start the next round; the rest get 409 saying what won', async () => {
    const { body } = await h.submit(singleAreaRequest());
    await decideAll(body.requestId, 5, 'REJECT');
    await until(body.requestId, 'REJECTED');
    const answers = await settle(6, () => postJson(`/requests/${body.requestId}/mitigations`, { mitigations: ['DPIA completed'] }, OWNER));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const lost of answers.filter((a) => a.status !== 201)) {
      expect(lost.status).toBe(409);
      expect(lost.body).toMatchObject({ error: 'Conflict', requestId: body.requestId });
    }
    const view = await h.status(body.requestId);
    expect(view).toMatchObject({ status: 'PENDING_APPROVAL', round: 2 });
    expect(view.audit.filter((e: { type: string }) => e.type === 'MITIGATIONS_PROVIDED' || e.type.startsWith('ROUND_STARTED'))).toHaveLength(1);
  });

  it('lets one of many concurrent withdrawals win; the rest get 409 with the status it left', async () => {
    const { body } = await h.submit(singleAreaRequest());
    await approverEmails(body.requestId, 5);
    const answers = await settle(5, () => h.api(`/requests/${body.requestId}/withdrawal`, { method: 'POST' }, OWNER));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const lost of answers.filter((a) => a.status !== 200)) {
      expect(lost.status).toBe(409);
      expect(lost.body).toMatchObject({ requestId: body.requestId, status: 'WITHDRAWN' });
    }
    const view = await h.status(body.requestId);
    expect(view.audit.filter((e: { type: string }) => e.type === 'REQUEST_WITHDRAWN')).toHaveLength(1);
  });

  it('records one of many concurrent reviews of a service; the rest get 409 with the version that won', async () => {
    const serviceId = await registeredService();
    const answers = await settle(5, () =>
      h.api(`/services/${serviceId}/reviews`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'SATISFACTORY', notes: 'Annual review' }),
      }),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const lost of answers.filter((a) => a.status !== 201)) {
      expect(lost.status).toBe(409);
      expect(lost.body).toMatchObject({ error: 'Conflict', serviceId, version: 2 });
    }
    expect((await h.api(`/services/${serviceId}`)).body.versions).toHaveLength(2);
  });
});
