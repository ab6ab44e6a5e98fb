import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIn, startHarness, type Harness } from './harness.ts';
import { APPROVERS, OWNER, approvedService, emailsOf, postJson, decideByEmail, exemptionApproverEmails } from './journeys.ts';
import { signedIn } from './pages.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Offshoring Policy, Compliance: an approved exemption is part of what a service may rely on, so it
 * is shown where the service is decided on: to the approvers of a request for it and on its owner's
 * request page. Those for the service, a variation of its business area and those from the whole
 * policy are shown while in force; others (another service's, another area's variation, one still
 * waiting, a change to the policy, which is the policy itself) are not.
 */
const T0 = Date.parse('2026-11-23T09:00:00Z');
let h: Harness;
let serviceId: string;
const shown: Record<string, string> = {};
const hidden: Record<string, string> = {};

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ask = async (body: Record<string, unknown>) => {
  const res = await h.api('/exemptions', json({ endDate: '2027-06-30', justification: 'Because the supplier needs time', ...body }), OWNER);
  expect(res.status, res.text).toBe(201);
  return res.body.requestId as string;
};
async function approveAll(requestId: string, approvers: number) {
  for (const email of await exemptionApproverEmails(h, requestId, approvers)) expect((await decideByEmail(h, email, 'APPROVE')).status).toBe(200);
  await h.eventually(async () => (await h.stack.runtime.store.getCase(requestId))?.status === 'APPROVED', `${requestId} approved`);
}

const exemptionsOn = (page: { $: import('cheerio').CheerioAPI }) =>
  page
    .$('table')
    .filter((_, t) => page.$(t).find('caption').text().trim() === 'Exemptions in force')
    .find('tbody tr td:first-child')
    .map((_, td) => page.$(td).text().trim())
    .get()
    .sort();

beforeAll(async () => {
  h = await startHarness({ runtime: { clock: () => new Date(T0) } });
  ({ serviceId } = await approvedService(h));
  const area = singleAreaRequest().businessAreas[0]!;
  const otherArea = area === 'LAA' ? 'OPG' : 'LAA';
  const forService = await ask({ policyClause: 'Approval: four weeks’ notice', serviceId });
  const wholePolicy = await ask({ policyClause: 'Process 1(c): MoJ Commercial' });
  const ownArea = await ask({ policyClause: 'SPF: vetting', variation: { businessArea: area } });
  const otherAreas = await ask({ policyClause: 'SPF: vetting elsewhere', variation: { businessArea: otherArea } });
  const waiting = await ask({ policyClause: 'Still waiting', serviceId });
  const change = await h.api(
    '/exemptions',
    json({ requestType: 'POLICY_CHANGE', policyClause: 'Six weeks’ notice', justification: 'Legal needs longer' }),
    OWNER,
  );
  const policyChange = change.body.requestId as string;
  await approveAll(forService, 2);
  await approveAll(wholePolicy, 2);
  await approveAll(ownArea, 3);
  await approveAll(otherAreas, 3);
  await approveAll(policyChange, 2);
  Object.assign(shown, { forService, wholePolicy, ownArea });
  Object.assign(hidden, { otherAreas, waiting, policyChange });
}, 120_000);
afterAll(() => h?.close());

describe('exemptions in force', () => {
  it('are shown to the approvers of a change to the service and on its owner’s request page: its own, its area’s and the whole policy’s, no others', async () => {
    const res = await postJson(h, '/requests', { ...singleAreaRequest(), changeType: 'CHANGE', serviceId, supplierName: 'Southwind Ltd' });
    expect(res.status, res.text).toBe(201);
    const changeId = res.body.requestId as string;
    const [email] = await emailsOf(h, changeId, 'Offshoring approval needed', APPROVERS);
    const { approvalId, token } = linkIn(email!);
    const approver = await signedIn(h.stack, null);
    const page = await approver.get(`/approvals/${approvalId}?token=${token}`);
    expect(page.status).toBe(200);
    expect(exemptionsOn(page)).toEqual(Object.values(shown).sort());
    expect(page.$('main').text()).toContain('Approval: four weeks’ notice');

    const owner = await signedIn(h.stack, { email: OWNER });
    const requestPage = await owner.get(`/offshoring-requests/${changeId}`);
    expect(requestPage.status).toBe(200);
    expect(exemptionsOn(requestPage)).toEqual(Object.values(shown).sort());
    for (const id of Object.values(hidden)) expect(requestPage.html).not.toContain(id);
  });

  it('are shown on the service’s register page and in its API entry', async () => {
    const owner = await signedIn(h.stack, { email: OWNER });
    const page = await owner.get(`/register/${serviceId}`);
    expect(page.status).toBe(200);
    expect(exemptionsOn(page)).toEqual(Object.values(shown).sort());
    const api = await h.api(`/services/${serviceId}`, undefined, OWNER);
    expect(api.status).toBe(200);
    expect(api.body.exemptionsInForce.map((e: { requestId: string }) => e.requestId).sort()).toEqual(Object.values(shown).sort());
    expect(api.body.exemptionsInForce.find((e: { requestId: string }) => e.requestId === shown.forService)).toMatchObject({
      serviceId,
      endDate: '2027-06-30',
      policyClause: 'Approval: four weeks’ notice',
    });
  });
});
