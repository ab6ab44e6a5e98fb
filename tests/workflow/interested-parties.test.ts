import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Email, type Harness } from './harness.ts';
import { signedIn, type PageResponse, type PageVisitor } from './pages.ts';
import { OWNER, approverLinks, decide, emailsOf, postJson, untilStatus } from './journeys.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Offshoring Policy, Approval: "Notifying other interested parties in the MoJ, including the
 * contract manager of the supplier". The contract manager and any other interested parties a
 * request names are copied on its submission and on its outcome, and are never asked: no email to
 * them carries an approval link, and they are never among its approvers.
 */

let h: Harness;
let owner: PageVisitor;
beforeAll(async () => {
  h = await startHarness();
  owner = await signedIn(h.stack, { email: OWNER, name: 'Priya Shah' });
});
afterAll(() => h?.close());

const CONTRACT_MANAGER = 'tom.evans@justice.gov.uk';
const PARTIES = [
  { name: 'Ann Lee', email: 'ann.lee@justice.gov.uk' },
  { name: 'Raj Patel', email: 'raj.patel@justice.gov.uk' },
];
const TOLD = [CONTRACT_MANAGER, ...PARTIES.map((p) => p.email)];

/** Exactly whom an owner's email with interested parties goes to: the owner, with the contract manager and the others copied. */
const OWNER_WITH_PARTIES_COPIED = {
  to: [`"Priya Shah" <${OWNER}>`],
  cc: [`"Tom Evans" <${CONTRACT_MANAGER}>`, ...PARTIES.map((p) => `"${p.name}" <${p.email}>`)],
  bcc: [],
};

const addressed = (email: Email) => [...email.destination.to, ...email.destination.cc].join(' ').toLowerCase();
const copied = (email: Email) => email.destination.cc.join(' ').toLowerCase();

async function submitWithParties(): Promise<string> {
  const res = await h.submit({ ...singleAreaRequest(), interestedParties: PARTIES });
  expect(res.status).toBe(201);
  // Never approvers: the required approvers are the policy's, whoever is told.
  for (const approver of res.body.requiredApprovers) expect(TOLD).not.toContain(approver.email);
  return res.body.requestId;
}

/** Every email sent to someone who is only told: none carries a link to decide. */
async function expectNoApprovalLinkTo(requestId: string) {
  const theirs = (await h.emails(`(${requestId})`)).filter((e) => TOLD.some((who) => addressed(e).includes(who)));
  expect(theirs.length).toBeGreaterThan(0);
  for (const email of theirs) {
    expect(email.subject).not.toMatch(/approval needed|Endorsement requested|Reminder|Chase/);
    expect(`${email.body.text}${email.body.html}`).not.toContain('/approvals/');
    expect(`${email.body.text}${email.body.html}`).not.toContain('token=');
  }
}

describe('interested parties, the contract manager among them', () => {
  it('are copied when the request is received and when it is rejected, and never asked to decide', async () => {
    const requestId = await submitWithParties();
    const [received] = await emailsOf(h, requestId, 'Request received', 1);
    expect(received!.destination).toEqual(OWNER_WITH_PARTIES_COPIED);

    const links = await approverLinks(h, requestId);
    for (const link of links) for (const who of TOLD) expect(link.to.toLowerCase()).not.toContain(who);

    expect((await decide(h, links[0]!, 'REJECT', 'Needs a DPIA first')).status).toBe(200);
    await untilStatus(h, requestId, 'REJECTED');
    const [rejected] = await emailsOf(h, requestId, 'Rejected:', 1);
    expect(rejected!.destination).toEqual(OWNER_WITH_PARTIES_COPIED);
    await expectNoApprovalLinkTo(requestId);
  });

  it('are copied when the request is approved', async () => {
    const requestId = await submitWithParties();
    for (const link of await approverLinks(h, requestId)) expect((await decide(h, link, 'APPROVE')).status).toBe(200);
    await untilStatus(h, requestId, 'APPROVED');
    const [approved] = await emailsOf(h, requestId, 'Approved:', 1);
    expect(approved!.destination).toEqual(OWNER_WITH_PARTIES_COPIED);
    await expectNoApprovalLinkTo(requestId);
  });

  it('are told when the request is withdrawn, with the reason, and never asked to decide', async () => {
    const requestId = await submitWithParties();
    await approverLinks(h, requestId);
    const withdrawn = await postJson(h, `/requests/${requestId}/withdrawal`, { reason: 'The supplier went into administration' });
    expect(withdrawn.status).toBe(200);
    const [email, ...more] = await emailsOf(h, requestId, 'Withdrawn:', 1);
    expect(email!.destination).toEqual(OWNER_WITH_PARTIES_COPIED);
    expect(email!.body.text).toContain(`withdrew the offshoring request ${requestId}`);
    expect(email!.body.text).toContain('The supplier went into administration');
    expect(more).toEqual([]);
    await expectNoApprovalLinkTo(requestId);
  });

  it('include a named Information Asset Owner: copied at submission, outcome and withdrawal, never an approver or asked', async () => {
    const iao = { name: 'Grace Okafor', email: 'grace.okafor@justice.gov.uk' };
    const withIao = { to: [`"Priya Shah" <${OWNER}>`], cc: [`"Tom Evans" <${CONTRACT_MANAGER}>`, `"${iao.name}" <${iao.email}>`], bcc: [] };
    const submit = async () => {
      const res = await h.submit({ ...singleAreaRequest(), informationAssetOwner: iao });
      expect(res.status).toBe(201);
      for (const approver of res.body.requiredApprovers) expect(approver.email).not.toBe(iao.email);
      return res.body.requestId as string;
    };
    const approvedId = await submit();
    const [received] = await emailsOf(h, approvedId, 'Request received', 1);
    expect(received!.destination).toEqual(withIao);
    const links = await approverLinks(h, approvedId);
    for (const link of links) expect(link.to.toLowerCase()).not.toContain(iao.email);
    for (const link of links) expect((await decide(h, link, 'APPROVE')).status).toBe(200);
    await untilStatus(h, approvedId, 'APPROVED');
    expect((await emailsOf(h, approvedId, 'Approved:', 1))[0]!.destination).toEqual(withIao);

    const withdrawnId = await submit();
    await approverLinks(h, withdrawnId);
    expect((await postJson(h, `/requests/${withdrawnId}/withdrawal`, { reason: 'Not needed' })).status).toBe(200);
    expect((await emailsOf(h, withdrawnId, 'Withdrawn:', 1))[0]!.destination).toEqual(withIao);
    for (const requestId of [approvedId, withdrawnId]) {
      for (const email of (await h.emails(`(${requestId})`)).filter((e) => addressed(e).includes(iao.email))) {
        expect(`${email.body.text}${email.body.html}`).not.toContain('/approvals/');
      }
    }
  });

  it('refuses a request without a contract manager, naming the field', async () => {
    const { contractManager: _, ...request } = singleAreaRequest();
    const res = await h.submit(request);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'contractManager', message: expect.stringMatching(/contract manager is told/) }]);
  });

  it('refuses the same party twice, and more than 20, naming the field', async () => {
    const twice = await h.submit({ ...singleAreaRequest(), interestedParties: [PARTIES[0], { ...PARTIES[0], name: 'Ann again' }] });
    expect(twice.status).toBe(400);
    expect(twice.body.errors).toEqual([{ path: 'interestedParties', message: expect.stringMatching(/once/) }]);
    const many = Array.from({ length: 21 }, (_, i) => ({ name: `Person ${i}`, email: `person.${i}@justice.gov.uk` }));
    const tooMany = await h.submit({ ...singleAreaRequest(), interestedParties: many });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors.map((e: { path: string }) => e.path)).toEqual(['interestedParties']);
  });
});

describe('on the pages', () => {
  const fixture = singleAreaRequest();
  const filledForm = (change: Record<string, unknown> = {}) => ({
    serviceName: fixture.serviceName,
    supplierName: fixture.supplierName,
    description: fixture.description,
    changeType: fixture.changeType,
    businessCriticality: fixture.businessCriticality,
    businessAreas: fixture.businessAreas,
    dataClassification: fixture.dataClassification,
    dataCategories: fixture.dataCategories,
    offshoreLocations: fixture.offshoreLocations,
    plannedStartDate: { day: '1', month: '3', year: '2027' },
    serviceOwner: fixture.serviceOwner,
    contractManager: fixture.contractManager,
    mitigations: fixture.mitigations!.join('\n'),
    ...change,
  });
  const hidden = (page: PageResponse, name: string) => page.$(`input[type=hidden][name="${name}"]`).attr('value') ?? '';

  it('adds interested parties without JavaScript, shows them to check, and on the request page', async () => {
    const form = await owner.get('/offshoring-requests/new');
    expect(form.$('input[name="interestedParties[0][name]"]').length).toBe(1);
    const formId = hidden(form, 'formId');
    // "Add another interested party" with JavaScript off posts the form: the page comes back with a second row.
    const added = await owner.post('/offshoring-requests/new', {
      ...filledForm({ interestedParties: [PARTIES[0]] }),
      formId,
      'interestedParties-add-another': 'add-another-interested-party',
    });
    expect(added.status).toBe(200);
    expect(added.$('input[name="interestedParties[0][email]"]').val()).toBe(PARTIES[0]!.email);
    expect(added.$('input[name="interestedParties[1][name]"]').val()).toBe('');

    const check = await owner.post('/offshoring-requests/new', { ...filledForm({ interestedParties: PARTIES }), formId });
    expect(check.status).toBe(200);
    const checkText = check.$('main').text();
    for (const p of PARTIES) expect(checkText).toContain(`${p.name}, ${p.email}`);

    const sent = await owner.post('/offshoring-requests/new/check', { formId: hidden(check, 'formId'), answers: hidden(check, 'answers') });
    expect(sent.status).toBe(303);
    const requestId = /^\/offshoring-requests\/([^/]+)\/confirmation$/.exec(sent.location ?? '')![1]!;
    expect((await h.status(requestId)).request.interestedParties).toEqual(PARTIES);
    const page = await owner.get(`/offshoring-requests/${requestId}`);
    const row = page.$('.govuk-summary-list__row').filter((_, el) => page.$(el).find('dt').text().trim() === 'Other interested parties');
    for (const p of PARTIES) expect(row.text()).toContain(`${p.name}, ${p.email}`);
    const [received] = await emailsOf(h, requestId, 'Request received', 1);
    for (const who of TOLD) expect(copied(received!)).toContain(who);
  });
});
