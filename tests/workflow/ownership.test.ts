import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, linkIn, startHarness, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * A request or a registered service never changes hands through the body of a later request:
 * not by a resubmission naming another owner, nor by a CHANGE naming another owner's service.
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
    const fields: Record<string, string> = decision === 'REJECT' && i === 0 ? { token, decision: 'REJECT', reason: 'Needs a DPIA first' } : { token, decision: 'APPROVE' };
    const res = await h.api(`/approvals/${approvalId}`, form(fields));
    if (res.status !== 200 && decision === 'APPROVE') throw new Error(`decision answered ${res.status}`);
    if (decision === 'REJECT') break;
  }
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
    const { body } = await h.submit(singleAreaRequest());
    await decideAll(body.requestId, 5, 'APPROVE');
    await until(body.requestId, 'APPROVED');
    const serviceId: string = await h.eventually(
      async () => (await h.status(body.requestId)).audit.find((e: { type: string }) => e.type === 'SERVICE_REGISTERED')?.details.serviceId,
      'the service to be registered',
    );

    const change = { ...singleAreaRequest(), changeType: 'CHANGE', serviceId, serviceName: 'Taken over', serviceOwner: { name: 'Alex Morgan', email: OTHER } };
    const refused = await postJson('/requests', change, OTHER);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'Forbidden', serviceId });
    expect((await h.api('/requests', {}, OTHER)).body.requests.filter((r: { serviceName: string }) => r.serviceName === 'Taken over')).toEqual([]);
    expect((await h.api(`/services/${serviceId}`, {}, OWNER)).body).toMatchObject({ serviceOwner: { email: OWNER }, version: 1 });

    const byOwner = await postJson('/requests', { ...change, serviceOwner: singleAreaRequest().serviceOwner, serviceName: 'Changed by its owner' }, OWNER);
    expect(byOwner.status).toBe(201);
    const bySecurityTeam = await h.api('/requests', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...change, serviceOwner: singleAreaRequest().serviceOwner }) });
    expect(bySecurityTeam.status).toBe(201);
  });
});
