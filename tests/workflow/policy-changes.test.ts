import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, linkIn, startHarness, type Email, type Harness } from './harness.ts';
import { OWNER, exemptionApproverEmails, postJson, recipients } from './journeys.ts';
import { signedIn } from './pages.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';

/**
 * A request to change part of the Offshoring Policy (Compliance: "Any request to change part of this
 * policy or exemptions must be sent for formal review and approval by the MoJ Senior Security Adviser
 * and the Chief Information Security Officer"): asked for beside exemptions, by the same approvers,
 * but to the whole policy and for good, so it has no end date, is never reported as ending, and is
 * agreed rather than in force. On the local stack, through the API, the pages and the inbox.
 */
const T0 = Date.parse('2026-11-23T09:00:00Z');
let h: Harness;
const directory = loadApproverDirectory();
const SSA = directory.roles.SSA.email;
const CISO = directory.roles.CISO.email;
const TEAM = { email: 'sam.security@justice.gov.uk', name: 'Sam Security', securityTeam: true };

const ask = (body: Record<string, unknown>) => postJson(h, '/exemptions', body);
const CHANGE = {
  requestType: 'POLICY_CHANGE',
  policyClause: 'Approval: "well in advance (4 weeks)" becomes 6 weeks for NEW services',
  justification: 'Legal and Commercial need longer than four weeks to review a new supplier contract.',
};

const approverEmails = (requestId: string) => exemptionApproverEmails(h, requestId);

beforeAll(async () => {
  h = await startHarness({ runtime: { clock: () => new Date(T0) } });
});
afterAll(() => h?.close());

describe('a request to change the policy', () => {
  let requestId: string;
  let asked: Email[];

  beforeAll(async () => {
    const res = await ask(CHANGE);
    expect(res.status, res.text).toBe(201);
    requestId = res.body.requestId;
    expect(res.body.endDate).toBeUndefined();
    expect(res.body.requiredApprovers.map((a: { role: string; email: string }) => [a.role, a.email])).toEqual([
      ['SSA', SSA],
      ['CISO', CISO],
    ]);
    asked = await approverEmails(requestId);
  });

  it('is sent to exactly the SSA and the CISO, who are told it is a change to the policy that does not end', async () => {
    expect(asked.map((e) => recipients(e).join()).sort()).toEqual([CISO, SSA].sort());
    const text = asked[0]!.body.text;
    expect(text).toContain('a request to change the Offshoring Policy');
    expect(text).toContain('What: A change to the Offshoring Policy');
    expect(text).toContain('End date: None: a change to the policy does not end');
    expect(text).not.toContain('An exemption from the Offshoring Policy');
  });

  it('once both approve, is agreed for good: never in force until a date, never reported as ending, listed as agreed', async () => {
    for (const email of asked) {
      const { approvalId, token } = linkIn(email);
      expect((await h.api(`/approvals/${approvalId}`, form({ token, decision: 'APPROVE' }))).status).toBe(200);
    }
    const told = await h.eventually(
      async () => (await h.emails(`(${requestId})`)).find((e) => e.subject.startsWith('Exemption approved')),
      'the approval email',
    );
    expect(told.body.text).toContain('The change to the policy is agreed; it does not end.');
    expect(told.body.text).not.toContain('in force until');
    const read = await h.api(`/policy-exemptions/${requestId}`);
    expect(read.body).toMatchObject({ status: 'APPROVED', standing: 'AGREED', requestType: 'POLICY_CHANGE' });
    const { exemptions: ending } = await h.stack.runtime.store.exemptionsEndingBetween('2000-01-01', '2100-12-31');
    expect(ending.map((e) => e.requestId)).not.toContain(requestId);
    const agreed = await h.api('/policy-exemptions?status=AGREED', undefined, { email: TEAM.email, groups: ['offshore-security'] });
    expect(agreed.body.exemptions.map((e: { requestId: string }) => e.requestId)).toEqual([requestId]);
    const inForce = await h.api('/policy-exemptions?status=ACTIVE', undefined, { email: TEAM.email, groups: ['offshore-security'] });
    expect(inForce.body.exemptions.map((e: { requestId: string }) => e.requestId)).not.toContain(requestId);

    const team = await signedIn(h.stack, TEAM);
    const list = await team.get('/exemptions');
    const group = list.$('h2').filter((_, el) => list.$(el).text().trim() === 'Agreed changes to the policy');
    expect(group.nextAll('table').first().text()).toContain(requestId);
    const report = await team.get('/governance-report.csv?year=2026');
    expect(report.html).toContain(`"${requestId}","Change to the policy: ${CHANGE.policyClause.replaceAll('"', '""')}"`);
    expect(report.html).toContain('"Agreed change to the policy"');
  });
});

describe('what each kind may name', () => {
  it('refuses a change to the policy with an end date, a service or a variation, and an exemption without an end date, by path', async () => {
    const change = await ask({ ...CHANGE, endDate: '2027-06-30', serviceId: 'SVC-ANY', variation: { businessArea: 'LAA' } });
    expect(change.status).toBe(400);
    expect(change.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['endDate', 'serviceId', 'variation']);
    const exemption = await ask({ policyClause: 'Process 1(c)', justification: 'A framework contract' });
    expect(exemption.status).toBe(400);
    expect(exemption.body.errors).toEqual([{ path: 'endDate', message: expect.stringContaining('an exemption ends on a date') }]);
    const unknown = await ask({ ...CHANGE, requestType: 'AMENDMENT' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: { path: string }) => e.path)).toEqual(['requestType']);
  });

  it('is refused (403, naming the role) to one of its own approvers: no one approves what they asked for', async () => {
    const res = await postJson(h, '/exemptions', CHANGE, { email: CISO.toUpperCase(), name: 'The CISO' });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('Chief Information Security Officer');
    expect(res.body).toMatchObject({ role: 'CISO' });
  });

  it('asks through the form with the date left blank, and shows it as a request to change the policy', async () => {
    const owner = await signedIn(h.stack, { email: OWNER });
    const sent = await owner.post('/exemptions/new', {
      requestType: 'POLICY_CHANGE',
      policyClause: 'Compliance: name the policy owner',
      justification: 'Requests to change the policy need somewhere to go.',
      serviceId: '',
      endDate: { day: '', month: '', year: '' },
      variation: { businessArea: '' },
    });
    expect(sent.status, sent.html.slice(0, 300)).toBe(303);
    const page = await owner.get(sent.location!);
    expect(page.$('h1.govuk-heading-l').text()).toBe('Request to change the Offshoring Policy');
    expect(page.$('main').text()).toContain('None: a change to the policy does not end');
  });
});
