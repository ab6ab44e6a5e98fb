import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIn, startHarness, type Email, type Harness } from './harness.ts';
import { approvedService, OWNER, OTHER_OWNER, together, decideByEmail, exemptionApproverEmails, recipients } from './journeys.ts';
import { errorSummary, signedIn } from './pages.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';

/**
 * A rejected exemption asked for again (Offshoring Policy, Compliance: "sent for formal review and
 * approval by the MoJ Senior Security Adviser and the Chief Information Security Officer, with
 * reasonable justification"): revised by whoever asked for it, its approvers asked again in a new
 * round, every round's content kept beside its decisions. Through the API, the pages, the
 * approvers' links and the inbox, on the local stack with an injected clock.
 */
const T0 = Date.parse('2026-11-23T09:00:00Z');
let now = T0;
let h: Harness;
const directory = loadApproverDirectory();
const SSA = directory.roles.SSA.email;
const CISO = directory.roles.CISO.email;
const TEAM = { email: 'sam.security@justice.gov.uk', name: 'Sam Security', securityTeam: true };
const TEAM_TOKEN = { email: TEAM.email, name: TEAM.name, groups: ['offshore-security'] };

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ask = (body: Record<string, unknown>, as: string = OWNER) => h.api('/exemptions', json(body), as);
const askAgain = (requestId: string, body: Record<string, unknown>, as: Parameters<Harness['api']>[2] = OWNER) =>
  h.api(`/exemptions/${requestId}/resubmissions`, json(body), as);
const read = (requestId: string) => h.api(`/policy-exemptions/${requestId}`);
const FIRST = {
  policyClause: 'Policy: all MoJ data stays in UK data centres',
  justification: 'The supplier’s only disaster-recovery site is in Ireland.',
  endDate: '2027-06-30',
};
const REVISED = {
  policyClause: 'Policy: all MoJ data stays in UK data centres',
  justification: 'Disaster recovery in Ireland holds encrypted backups only, with keys held in the UK, until the UK site opens in March.',
  endDate: '2027-03-31',
};

const approverEmails = (requestId: string, count = 2) => exemptionApproverEmails(h, requestId, count);
const emailTo = (emails: Email[], to: string) => emails.find((e) => recipients(e).includes(to))!;

const decide = (email: Email, decision: 'APPROVE' | 'REJECT', reason?: string) => decideByEmail(h, email, decision, reason);

/** An exemption the CISO rejected with a reason: its id, once the requester has been told. */
async function rejectedExemption(extra: Record<string, unknown> = {}): Promise<string> {
  const res = await ask({ ...FIRST, ...extra });
  expect(res.status, res.text).toBe(201);
  const { requestId } = res.body;
  const emails = await approverEmails(requestId, 2);
  expect((await decide(emailTo(emails, CISO), 'REJECT', 'Say how the backups are protected')).status).toBe(200);
  await h.eventually(async () => (await h.emails(`(${requestId})`)).find((e) => e.subject.startsWith('Exemption rejected')), 'the rejection');
  return requestId;
}

beforeAll(async () => {
  h = await startHarness({ runtime: { clock: () => new Date(now) } });
});
afterAll(() => h?.close());

describe('a rejected exemption asked for again', () => {
  let requestId: string;
  let serviceId: string;
  let answer: Awaited<ReturnType<typeof askAgain>>;
  let round2: Email[];

  beforeAll(async () => {
    ({ serviceId } = await approvedService(h));
    requestId = await rejectedExemption({ serviceId });
    now += 3_600_000;
    answer = await askAgain(requestId, REVISED);
    const view = await h.stack.runtime.store.getCaseView(requestId);
    const ofRound2 = new Set(view!.approvals.filter((a) => a.round === 2).map((a) => a.approvalId));
    round2 = (await approverEmails(requestId, 4)).filter((e) => ofRound2.has(linkIn(e).approvalId));
  });

  it('tells the requester the rejection can be asked again, with the link to do it', async () => {
    const rejected = (await h.emails(`(${requestId})`)).find((e) => e.subject.startsWith('Exemption rejected'))!;
    expect(rejected.body.text).toContain('Say how the backups are protected');
    expect(rejected.body.text).toContain(`/exemptions/${requestId}/ask-again`);
  });

  it('starts round 2 with exactly the SSA and the CISO asked again, each with a new link; round 1’s links stay dead', async () => {
    expect(answer.status, answer.text).toBe(201);
    expect(answer.headers.get('location')).toBe(`/policy-exemptions/${requestId}`);
    expect(answer.body).toMatchObject({ requestId, kind: 'EXEMPTION', status: 'PENDING_APPROVAL', round: 2, endDate: '2027-03-31' });
    expect(answer.body.requiredApprovers.map((a: { role: string }) => a.role)).toEqual(['SSA', 'CISO']);
    const asked = (await h.emails(`(${requestId})`)).filter((e) => e.subject.includes('Exemption approval needed'));
    expect(asked.map((e) => recipients(e).join()).sort()).toEqual([CISO, CISO, SSA, SSA].sort());
    const view = await h.stack.runtime.store.getCaseView(requestId);
    const round2Approvals = view!.approvals.filter((a) => a.round === 2);
    expect(round2Approvals.map((a) => [a.role, a.status]).sort()).toEqual([
      ['CISO', 'PENDING'],
      ['SSA', 'PENDING'],
    ]);
    const firstRoundLinks = new Set(view!.approvals.filter((a) => a.round === 1).map((a) => a.approvalId));
    const newLinks = asked.map((e) => linkIn(e).approvalId).filter((id) => !firstRoundLinks.has(id));
    expect(newLinks.sort()).toEqual(round2Approvals.map((a) => a.approvalId).sort());
    // Waiting again: continual monitoring and a restart look at it again.
    expect((await h.stack.runtime.store.openExemptions()).exemptions.map((e) => e.requestId)).toContain(requestId);
    const receipt = (await h.emails(`(${requestId})`)).find((e) => e.subject.startsWith('Exemption asked for again'))!;
    expect(recipients(receipt)).toEqual([OWNER]);
  });

  it('keeps round 1’s content and decisions beside round 2’s in the API', async () => {
    const res = await read(requestId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ round: 2, status: 'PENDING_APPROVAL', justification: REVISED.justification, endDate: '2027-03-31' });
    expect(res.body.rejectionReasons).toBeUndefined();
    expect(res.body.rounds.map((r: { round: number; start: string }) => [r.round, r.start])).toEqual([
      [1, 'SUBMITTED'],
      [2, 'ASKED_AGAIN'],
    ]);
    expect(res.body.rounds[0].exemption).toEqual({ requestType: 'EXEMPTION', ...FIRST, serviceId });
    expect(res.body.rounds[0].approvals).toContainEqual(
      expect.objectContaining({ role: 'CISO', status: 'REJECTED', reason: 'Say how the backups are protected' }),
    );
    expect(res.body.rounds[1].exemption).toEqual({ requestType: 'EXEMPTION', ...REVISED, serviceId });
    expect(res.body.rounds[1].approvals.map((a: { status: string }) => a.status)).toEqual(['PENDING', 'PENDING']);
    expect(res.body.approvals.map((a: { status: string }) => a.status)).toEqual(['PENDING', 'PENDING']);
  });

  it('shows each approver what changed since round 1 and the reasons it was rejected', async () => {
    const email = emailTo(round2, SSA);
    expect(email.body.text).toContain('asks again');
    expect(email.body.text).toContain('keys held in the UK');
    const { approvalId, token } = linkIn(email);
    const page = await signedIn(h.stack, null).then((visitor) => visitor.get(`/approvals/${approvalId}?token=${token}`));
    expect(page.status).toBe(200);
    const changed = page
      .$('table')
      .filter((_, t) => page.$(t).find('caption').text().includes('Changes to the exemption since round 1'))
      .find('tbody tr')
      .map((_, tr) =>
        page
          .$(tr)
          .find('th, td')
          .map((__, c) => page.$(c).text().trim())
          .get()
          .join(' | '),
      )
      .get();
    expect(changed).toEqual([`Justification | ${FIRST.justification} | ${REVISED.justification}`, 'End date | 30 June 2027 | 31 March 2027']);
    expect(page.$('main').text()).toContain('Say how the backups are protected');
  });

  it('is in force once both approve round 2', async () => {
    expect(round2).toHaveLength(2);
    for (const email of round2) expect((await decide(email, 'APPROVE')).status).toBe(200);
    const approved = await h.eventually(
      async () => (await h.emails(`(${requestId})`)).find((e) => e.subject.startsWith('Exemption approved')),
      'the approval email',
    );
    expect(approved.body.text).toContain('in force until 31 March 2027');
    const res = await read(requestId);
    expect(res.body).toMatchObject({ status: 'APPROVED', standing: 'ACTIVE', round: 2 });
  });

  it('cannot be asked for again once it is no longer rejected (409 with its status)', async () => {
    const res = await askAgain(requestId, REVISED);
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('APPROVED');
    expect(res.body).toMatchObject({ error: 'Conflict', requestId, status: 'APPROVED' });
  });
});

describe('who may ask again, and what', () => {
  let requestId: string;

  beforeAll(async () => {
    requestId = await rejectedExemption({ variation: { businessArea: 'LAA' } });
  });

  it('is only the person who asked for it: 403 to anyone else, the security team too, 404 for an unknown id', async () => {
    expect((await askAgain(requestId, REVISED, OTHER_OWNER)).status).toBe(403);
    const team = await askAgain(requestId, REVISED, TEAM_TOKEN);
    expect(team.status).toBe(403);
    expect((await askAgain('EXM-NOPE', REVISED)).status).toBe(404);
    // An offshoring request's id is not an exemption's.
    expect((await askAgain('OFF-NOPE', REVISED)).status).toBe(404);
  });

  it('keeps its scope: another service or variation, an end date already past and an empty justification are refused by path, and nothing changes', async () => {
    const res = await askAgain(requestId, {
      ...REVISED,
      justification: '',
      endDate: '2026-11-01',
      serviceId: 'SVC-OTHER',
      variation: { businessArea: 'HMCTS' },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['endDate', 'justification', 'serviceId', 'variation']);
    expect(res.body.errors.find((e: { path: string }) => e.path === 'variation').message).toContain('LAA');
    const after = await read(requestId);
    expect(after.body).toMatchObject({ status: 'REJECTED', round: 1, justification: FIRST.justification });
    // Sent unchanged (any case), the variation is the same one.
    const same = await askAgain(requestId, { ...REVISED, variation: { businessArea: 'laa' } });
    expect(same.status, same.text).toBe(201);
    expect(same.body.requiredApprovers.map((a: { role: string }) => a.role)).toEqual(['SSA', 'CISO', 'ACCOUNTING_OFFICER']);
  });

  it('lets exactly one of two tries at once start the round; the other is a 409 saying what won', async () => {
    const other = await rejectedExemption();
    const answers = await together([() => askAgain(other, REVISED), () => askAgain(other, REVISED)]);
    const [a, b] = [answers[0]!, answers[1]!];
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const lost = a.status === 409 ? a : b;
    expect(lost.body).toMatchObject({ error: 'Conflict', requestId: other, status: 'PENDING_APPROVAL' });
    const view = await h.stack.runtime.store.getCaseView(other);
    expect(view!.approvals.filter((x) => x.round === 2)).toHaveLength(2);
    expect(view!.rounds.map((r) => r.round)).toEqual([1, 2]);
  });
});

describe('the pages', () => {
  it('show the rejection’s reasons and a way to ask again; the form is prefilled, refuses a bad answer in its error summary and starts round 2', async () => {
    const requestId = await rejectedExemption();
    const owner = await signedIn(h.stack, { email: OWNER });
    const page = await owner.get(`/exemptions/${requestId}`);
    expect(page.status).toBe(200);
    expect(page.$('main').text()).toContain('Say how the backups are protected');
    expect(page.$(`a[href="/exemptions/${requestId}/ask-again"]`).length).toBe(1);
    // Nobody else sees the way to ask again.
    const team = await signedIn(h.stack, TEAM);
    expect((await team.get(`/exemptions/${requestId}`)).$(`a[href="/exemptions/${requestId}/ask-again"]`).length).toBe(0);
    expect((await team.get(`/exemptions/${requestId}/ask-again`)).status).toBe(403);
    // Anyone else finds no such page, as for the exemption's own page.
    const other = await signedIn(h.stack, { email: OTHER_OWNER });
    expect((await other.get(`/exemptions/${requestId}/ask-again`)).status).toBe(404);
    expect((await other.post(`/exemptions/${requestId}/ask-again`, { ...REVISED, endDate: { day: '31', month: '3', year: '2027' } })).status).toBe(
      404,
    );

    const formPage = await owner.get(`/exemptions/${requestId}/ask-again`);
    expect(formPage.status).toBe(200);
    expect(formPage.$('textarea#justification').text()).toBe(FIRST.justification);
    expect(formPage.$('input#endDate-year').attr('value')).toBe('2027');
    expect(formPage.$('main').text()).toContain('Say how the backups are protected');

    const bad = await owner.post(`/exemptions/${requestId}/ask-again`, {
      ...REVISED,
      justification: '',
      endDate: { day: '31', month: '2', year: '2027' },
    });
    expect(bad.status).toBe(400);
    expect(errorSummary(bad.$).map((e) => e.href)).toEqual(['#justification', '#endDate-day']);

    const sent = await owner.post(`/exemptions/${requestId}/ask-again`, {
      ...REVISED,
      endDate: { day: '31', month: '3', year: '2027' },
    });
    expect(sent.status, sent.html.slice(0, 300)).toBe(303);
    expect(sent.location).toBe(`/exemptions/${requestId}?asked=yes`);
    const after = await owner.get(sent.location!);
    expect(after.$('.govuk-panel__title').text()).toContain('Sent for approval');
    const headings = after
      .$('h2')
      .map((_, el) => after.$(el).text().trim())
      .get();
    expect(headings).toEqual(expect.arrayContaining(['Approvals in round 2', 'Round 1']));
    expect(after.$('main').text()).toContain(FIRST.justification);
    await approverEmails(requestId, 4);
    // Sent again, it is no longer rejected.
    expect((await owner.get(`/exemptions/${requestId}/ask-again`)).status).toBe(409);
  });
});
