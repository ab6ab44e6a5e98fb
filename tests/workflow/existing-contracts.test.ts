import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIn, startHarness, type Harness } from './harness.ts';
import { signedIn, type PageVisitor } from './pages.ts';
import { OWNER, approverLinks, decide, emailsOf, postJson, untilStatus } from './journeys.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { runMonitoring } from '../../functions/domain/monitoring.ts';

/**
 * Offshoring Policy, Process: "For existing contracts, consider how to work with what is already in
 * place, reflecting its criticality to the MoJ. Consider what variations might be required for
 * contracts, and the cost or other implications for doing so." An existing contract records its
 * criticality, end or break date, variations and their cost, and an action plan date. It is live,
 * so it is in the register from its submission (under assessment) and stays there, monitored,
 * whatever comes of it: approved it is compliant; rejected or withdrawn it is non-compliant, and
 * monitoring reports it once its action plan date has passed.
 */

let h: Harness;
let security: PageVisitor;
beforeAll(async () => {
  h = await startHarness();
  security = await signedIn(h.stack, { email: 'sam.security@justice.gov.uk', name: 'Sam Security', securityTeam: true });
});
afterAll(() => h?.close());

const ACTION_PLAN_DATE = '2027-09-30';
const contract = () => ({
  criticality: 'HIGH',
  endOrBreakDate: '2028-03-31',
  variationsRequired: 'A data processing schedule naming the Indian facility',
  variationCost: 'About £12,000 in legal fees',
  actionPlanDate: ACTION_PLAN_DATE,
});
const existing = (serviceName: string) => ({ ...singleAreaRequest(), serviceName, changeType: 'EXISTING', existingContract: contract() });

async function submitExisting(serviceName: string): Promise<{ requestId: string; serviceId: string }> {
  const res = await h.submit(existing(serviceName));
  expect(res.status).toBe(201);
  expect(res.body.register).toMatchObject({ compliance: 'UNDER_ASSESSMENT' });
  return { requestId: res.body.requestId, serviceId: res.body.register.serviceId };
}

const service = async (serviceId: string) => {
  const res = await h.api(`/services/${serviceId}`);
  expect(res.status).toBe(200);
  return res.body;
};
const listed = async (compliance: string) =>
  ((await h.api(`/services?compliance=${compliance}`)).body.services as { serviceId: string }[]).map((s) => s.serviceId);

describe('an existing contract’s answers', () => {
  it('are required for an existing contract, 400 naming each field; its criticality is the service’s, and must not say otherwise', async () => {
    const none = await h.submit({ ...singleAreaRequest(), changeType: 'EXISTING' });
    expect(none.status).toBe(400);
    expect(none.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'existingContract.endOrBreakDate',
      'existingContract.variationsRequired',
      'existingContract.variationCost',
      'existingContract.actionPlanDate',
    ]);

    const otherwise = await h.submit({ ...existing('Criticality twice'), businessCriticality: 'LOW' });
    expect(otherwise.status).toBe(400);
    expect(otherwise.body.errors).toEqual([{ path: 'existingContract.criticality', message: expect.stringMatching(/businessCriticality \(LOW\)/) }]);
    expect((await h.api('/services')).body.services.map((s: { serviceName: string }) => s.serviceName)).not.toContain('Criticality twice');

    const { criticality: _, ...withoutCriticality } = contract();
    const res = await h.submit({ ...existing('Criticality once'), businessCriticality: 'MEDIUM', existingContract: withoutCriticality });
    expect(res.status).toBe(201);
    expect((await h.status(res.body.requestId)).request.existingContract.criticality).toBe('MEDIUM');
    expect((await service(res.body.register.serviceId)).businessCriticality).toBe('MEDIUM');
  });

  it('are refused for any other request', async () => {
    const res = await h.submit({ ...singleAreaRequest(), existingContract: contract() });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'existingContract', message: expect.stringMatching(/EXISTING/) }]);
  });
});

describe('an existing contract’s approvers', () => {
  it('read its criticality, end or break date, variations, their cost and action plan date, in the email and on the page', async () => {
    const { requestId } = await submitExisting('Contract the approvers weigh');
    const [email] = await emailsOf(h, requestId, 'Offshoring approval needed', 1);
    for (const line of [
      'Criticality to the MoJ: High: MoJ services depend on it',
      'Contract ends or can be broken: 31 March 2028',
      'Variations it would need: A data processing schedule naming the Indian facility',
      'Their cost or other implications: About £12,000 in legal fees',
      'Action plan date if not approved: 30 September 2027',
    ]) {
      expect(email!.body.text).toContain(line);
    }
    const { approvalId, token } = linkIn(email!);
    const page = await h.api(`/approvals/${encodeURIComponent(approvalId)}?token=${encodeURIComponent(token)}`);
    const text = page.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Criticality to the MoJ High: MoJ services depend on it');
    expect(text).toContain('Their cost or other implications About £12,000 in legal fees');
  });
});

describe('an existing contract in the register', () => {
  it('is listed at submission, under assessment, with its contract, and monitored from then on', async () => {
    const { requestId, serviceId } = await submitExisting('Live transcription contract');
    const entry = await service(serviceId);
    expect(entry).toMatchObject({
      requestId,
      compliance: 'UNDER_ASSESSMENT',
      version: 1,
      approvals: [],
      existingContract: contract(),
      reviewStatus: expect.any(String),
    });
    expect(entry.approvedAt).toBeUndefined();
    expect(await listed('UNDER_ASSESSMENT')).toContain(serviceId);
    expect(await listed('COMPLIANT')).not.toContain(serviceId);
    const trail = (await h.status(requestId)).audit.map((e: { type: string }) => e.type);
    expect(trail).toContain('EXISTING_CONTRACT_LISTED');
    expect(trail).not.toContain('SERVICE_REGISTERED');
  });

  it('when rejected, stays listed as non-compliant with its action plan date, and monitoring reports it once that date has passed', async () => {
    const { requestId, serviceId } = await submitExisting('Rejected legacy contract');
    const [first] = await approverLinks(h, requestId);
    expect((await decide(h, first!, 'REJECT', 'The Indian facility has no DPA')).status).toBe(200);
    await untilStatus(h, requestId, 'REJECTED');
    const entry = await h.eventually(async () => {
      const now = await service(serviceId);
      return now.compliance === 'NON_COMPLIANT' && now;
    }, 'the rejected contract listed as non-compliant');
    expect(entry).toMatchObject({ version: 2, existingContract: { actionPlanDate: ACTION_PLAN_DATE } });
    expect(entry.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(await listed('NON_COMPLIANT')).toContain(serviceId);

    // The register page says so in words, and filters by it.
    const page = await security.get('/register?compliance=NON_COMPLIANT');
    expect(page.status).toBe(200);
    const row = page.$('tbody tr').filter((_, el) => page.$(el).text().includes(serviceId));
    expect(row.text()).toContain('Non-compliant');
    expect(row.text()).toContain('Action plan by 30 September 2027');
    const underAssessment = await security.get('/register?compliance=UNDER_ASSESSMENT');
    expect(underAssessment.$('main').text()).not.toContain(serviceId);
    const servicePage = await security.get(`/register/${serviceId}`);
    expect(servicePage.$('main').text()).toContain('Non-compliant');
    expect(servicePage.$('main').text()).toContain('High: MoJ services depend on it');
    expect(servicePage.$('main').text()).toContain('About £12,000 in legal fees');

    // Monitored: not yet overdue on its action plan date, overdue the day after.
    const onTheDay = await runMonitoring(h.stack.runtime, { date: ACTION_PLAN_DATE });
    expect(onTheDay.checks!.find((c) => c.check === 'existingContracts')).toMatchObject({ status: 'OK', count: 0 });
    const dayAfter = await runMonitoring(h.stack.runtime, { date: '2027-10-01' });
    const check = dayAfter.checks!.find((c) => c.check === 'existingContracts')!;
    expect(check.status).toBe('OK');
    expect(check.items.map((i) => i.id)).toContain(serviceId);
    expect(check.items.find((i) => i.id === serviceId)!.summary).toContain('30 September 2027');
  });

  it('when withdrawn, is still listed, as non-compliant', async () => {
    const { requestId, serviceId } = await submitExisting('Withdrawn legacy contract');
    const res = await postJson(h, `/requests/${requestId}/withdrawal`, { reason: 'Supplier being replaced' }, OWNER);
    expect(res.status).toBe(200);
    expect(await service(serviceId)).toMatchObject({ compliance: 'NON_COMPLIANT', existingContract: { actionPlanDate: ACTION_PLAN_DATE } });
    expect(await listed('NON_COMPLIANT')).toContain(serviceId);
  });

  it('when approved, is compliant: the approval writes its next version', async () => {
    const { requestId, serviceId } = await submitExisting('Approved legacy contract');
    for (const link of await approverLinks(h, requestId)) expect((await decide(h, link, 'APPROVE')).status).toBe(200);
    await untilStatus(h, requestId, 'APPROVED');
    const entry = await h.eventually(async () => {
      const now = await service(serviceId);
      return now.version === 2 && now;
    }, 'the approval registered');
    expect(entry.compliance).toBe('COMPLIANT');
    expect(entry.approvals).toHaveLength(5);
    expect(await listed('COMPLIANT')).toContain(serviceId);
    expect(await listed('UNDER_ASSESSMENT')).not.toContain(serviceId);
  });
});

describe('on the pages', () => {
  const fixture = singleAreaRequest();
  const filledForm = (change: Record<string, unknown> = {}) => ({
    serviceName: 'Legacy payroll contract',
    supplierName: fixture.supplierName,
    description: fixture.description,
    changeType: 'EXISTING',
    businessCriticality: 'MEDIUM',
    businessAreas: fixture.businessAreas,
    dataClassification: fixture.dataClassification,
    dataCategories: fixture.dataCategories,
    offshoreLocations: fixture.offshoreLocations,
    plannedStartDate: { day: '1', month: '3', year: '2027' },
    serviceOwner: fixture.serviceOwner,
    contractManager: fixture.contractManager,
    existingContract: {
      endOrBreakDate: { day: '31', month: '3', year: '2028' },
      variationsRequired: 'None',
      variationCost: 'None',
      actionPlanDate: { day: '30', month: '9', year: '2027' },
    },
    mitigations: 'Supplier staff work on MoJ-managed devices',
    ...change,
  });

  it('asks an existing contract’s answers after the type of change, and lists the contract when it is sent', async () => {
    const owner = await signedIn(h.stack, { email: OWNER, name: 'Priya Shah' });
    const form = await owner.get('/offshoring-requests/new');
    // Asked after the type, never revealed by it (no conditional reveal on the radios).
    const html = form.html;
    expect(html.indexOf('name="changeType"')).toBeLessThan(html.indexOf('name="existingContract[endOrBreakDate][day]"'));
    // Its criticality is the service's, asked once for every request.
    expect(form.$('input[name="existingContract[criticality]"]').length).toBe(0);
    expect(form.$('[data-aria-controls]').length).toBe(0);
    const formId = form.$('input[name="formId"]').attr('value')!;

    const refused = await owner.post('/offshoring-requests/new', {
      ...filledForm({ businessCriticality: '' }),
      formId,
    });
    expect(refused.status).toBe(400);
    expect(
      refused
        .$('.govuk-error-summary a')
        .map((_, a) => refused.$(a).attr('href'))
        .get(),
    ).toEqual(['#businessCriticality']);

    const check = await owner.post('/offshoring-requests/new', { ...filledForm(), formId });
    expect(check.status).toBe(200);
    expect(check.$('main').text()).toContain('Medium: its loss would disrupt MoJ services');
    const sent = await owner.post('/offshoring-requests/new/check', {
      formId: check.$('input[name="formId"]').attr('value'),
      answers: check.$('input[name="answers"]').attr('value'),
    });
    expect(sent.status).toBe(303);
    const requestId = /^\/offshoring-requests\/([^/]+)\/confirmation$/.exec(sent.location ?? '')![1]!;
    const stored = await h.status(requestId);
    expect(stored.request.existingContract).toEqual({
      criticality: 'MEDIUM',
      endOrBreakDate: '2028-03-31',
      variationsRequired: 'None',
      variationCost: 'None',
      actionPlanDate: '2027-09-30',
    });
    const page = await owner.get(`/offshoring-requests/${requestId}`);
    expect(page.$('main').text()).toContain('The existing contract');
    expect(page.$('main').text()).toContain('30 September 2027');
    const registered = (await h.api('/services?compliance=UNDER_ASSESSMENT')).body.services.find(
      (s: { requestId: string }) => s.requestId === requestId,
    );
    expect(registered).toMatchObject({ compliance: 'UNDER_ASSESSMENT', serviceName: 'Legacy payroll contract' });
  });
});
