import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, linkIn, startHarness, type Email, type Harness } from './harness.ts';
import { injectFaults } from './faults.ts';
import { errorSummary, signedIn } from './pages.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { runMonitoring } from '../../functions/domain/monitoring.ts';
import type { MonitoringRun } from '../../functions/store/records.ts';

/**
 * Suspected personal-data breaches and information security incidents (Offshoring Policy, Policy),
 * on the local stack: who is emailed for which kind, the reporter's receipt, the register entry's
 * flag and review, a failed email retried by continual monitoring, the approval round a breach
 * calls for, the security team's updates, bad input, and the pages. The clock is injected.
 */
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-23T09:00:00Z');
let now = T0;
let h: Harness;

const DPO = 'privacy@justice.gov.uk';
const OST = 'security@justice.gov.uk';
const OWNER = 'priya.shah@justice.gov.uk';
const OTHER = 'someone.else@justice.gov.uk';
const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const sentTo = (email: Email, address: string) => [...email.destination.to, ...email.destination.cc].some((to) => to.includes(address));
/** Each email of an incident to one address alone, no one copied; the addresses, sorted. */
const soleAddressees = (emails: Email[]) => {
  for (const e of emails) expect({ to: e.destination.to.length, cc: e.destination.cc, bcc: e.destination.bcc }).toEqual({ to: 1, cc: [], bcc: [] });
  return emails.map((e) => e.destination.to[0]!.replace(/^.*<|>$/g, '')).sort();
};
const findings = (run: MonitoringRun) => run.checks!.find((c) => c.check === 'incidents')!;

beforeAll(async () => {
  h = await startHarness({ runtime: { clock: () => new Date(now) } });
});
afterAll(() => h?.close());

/** Submits and approves a request; answers the service id it registered under. */
async function approved(body: Record<string, unknown>) {
  const { status, body: created } = await h.submit(body);
  expect(status, JSON.stringify(created)).toBe(201);
  return approveAll(created);
}

/** Approves every approver of a submitted request; answers the service id it registered under. */
async function approveAll(created: { requestId: string; requiredApprovers: unknown[] }) {
  const emails = await h.eventually(async () => {
    const mine = (await h.emails(created.requestId)).filter((e) => e.subject.includes('Offshoring approval needed'));
    return mine.length === created.requiredApprovers.length && mine;
  }, 'approver emails');
  for (const email of emails) {
    const { approvalId, token } = linkIn(email);
    expect((await h.api(`/approvals/${approvalId}`, form({ token, decision: 'APPROVE' }))).status).toBe(200);
  }
  const view = await h.eventually(async () => {
    const v = await h.status(created.requestId);
    return v.audit.some((e: { type: string }) => e.type === 'SERVICE_REGISTERED') && v;
  }, 'registration');
  return view.audit.find((e: { type: string }) => e.type === 'SERVICE_REGISTERED').details.serviceId as string;
}

const report = (body: Record<string, unknown>, as: string = OWNER) => h.api('/incidents', json(body), as);
const breachOf = (serviceId?: string) => ({
  kind: 'PERSONAL_DATA_BREACH',
  ...(serviceId ? { serviceId } : {}),
  description: 'A transcript with witness names was emailed to the wrong firm.',
  discoveredAt: '2026-11-22',
});

describe('reporting breaches and incidents', () => {
  let breached: string, incidentService: string;
  let breach: any, incident: any, both: any;
  /** A CHANGE of the breached service whose round began before the breach was reported. */
  let changeBegunBefore: any;

  beforeAll(async () => {
    breached = await approved({ ...singleAreaRequest(), serviceName: 'Breached service', plannedStartDate: '2027-09-01' });
    incidentService = await approved({ ...singleAreaRequest(), serviceName: 'Incident service', plannedStartDate: '2027-09-01' });
    changeBegunBefore = await h.submit({
      ...singleAreaRequest(),
      serviceName: 'Breached service',
      changeType: 'CHANGE',
      serviceId: breached,
      plannedStartDate: '2027-09-01',
    });
    expect(changeBegunBefore.status, JSON.stringify(changeBegunBefore.body)).toBe(201);
    now = T0 + 10 * DAY;
    breach = await report(breachOf(breached));
    incident = await report({
      kind: 'SECURITY_INCIDENT',
      serviceId: incidentService,
      description: 'Phishing emails to the supplier team.',
      discoveredAt: '2026-12-03T08:15:00Z',
    });
    both = await report({ kind: 'BOTH', description: 'A laptop with case files was stolen.', discoveredAt: '2026-12-02' }, OTHER);
  });

  it('stores the report with a reference and tells the DPO, and only the DPO, of a suspected breach', async () => {
    expect(breach.status, breach.text).toBe(201);
    expect(breach.body.incidentId).toMatch(/^INC-/);
    expect(breach.body.notifications.map((n: any) => [n.recipient, n.email, n.status])).toEqual([
      ['DPO', DPO, 'SENT'],
      ['REPORTER', OWNER, 'SENT'],
    ]);
    const emails = await h.emails(breach.body.incidentId);
    expect(emails.filter((e) => sentTo(e, DPO))).toHaveLength(1);
    expect(emails.filter((e) => sentTo(e, OST))).toHaveLength(0);
    expect(emails.find((e) => sentTo(e, DPO))!.body.text).toContain('witness names');
    expect(soleAddressees(emails)).toEqual([DPO, OWNER].sort());
  });

  it('tells the Operational Security Team, and only them, of a security incident', async () => {
    expect(incident.status, incident.text).toBe(201);
    expect(incident.body.notifications.map((n: any) => n.recipient)).toEqual(['OPERATIONAL_SECURITY_TEAM', 'REPORTER']);
    const emails = await h.emails(incident.body.incidentId);
    expect(emails.filter((e) => sentTo(e, OST))).toHaveLength(1);
    expect(emails.filter((e) => sentTo(e, DPO))).toHaveLength(0);
    expect(soleAddressees(emails)).toEqual([OST, OWNER].sort());
  });

  it('tells both of one that is both', async () => {
    expect(both.status, both.text).toBe(201);
    const emails = await h.emails(both.body.incidentId);
    expect(emails.filter((e) => sentTo(e, DPO))).toHaveLength(1);
    expect(emails.filter((e) => sentTo(e, OST))).toHaveLength(1);
    expect(soleAddressees(emails)).toEqual([DPO, OST, OTHER].sort());
  });

  it('sends the reporter a receipt with the reference, naming who is told', async () => {
    const [receipt] = (await h.emails(`We have your report: ${breach.body.incidentId}`)).filter((e) => sentTo(e, OWNER));
    expect(receipt).toBeDefined();
    expect(receipt!.body.text).toContain(breach.body.incidentId);
    expect(receipt!.body.text).toContain('Data Protection Officer');
    expect(receipt!.body.text).not.toContain('Operational Security Team');
    const [other] = await h.emails(`We have your report: ${both.body.incidentId}`);
    expect(sentTo(other!, OTHER)).toBe(true);
  });

  it("flags the service's register entry and makes its review due now; a breach also calls for a new approval round", async () => {
    const today = new Date(now).toISOString().slice(0, 10);
    const entry = (await h.api(`/services/${breached}`)).body;
    expect(entry.incidents.map((i: any) => i.incidentId)).toEqual([breach.body.incidentId]);
    expect(entry.reviewDue).toBe(today);
    expect(entry.approvalAfterBreach).toMatchObject({ incidentIds: [breach.body.incidentId] });
    expect(entry.versions.at(-1).reason).toContain(breach.body.incidentId);
    const other = (await h.api(`/services/${incidentService}`)).body;
    expect(other.incidents.map((i: any) => i.incidentId)).toEqual([incident.body.incidentId]);
    expect(other.reviewDue).toBe(today);
    expect(other.approvalAfterBreach).toBeUndefined();
    // The service's page says so, in words.
    const team = await signedIn(h.stack, { email: 'sam.security@justice.gov.uk', securityTeam: true });
    const page = await team.get(`/register/${breached}`);
    const row = (key: string) =>
      page
        .$('.govuk-summary-list__row')
        .filter((_, r) => page.$(r).find('dt').text().trim() === key)
        .find('dd')
        .text()
        .replace(/\s+/g, ' ');
    expect(row('Breaches and incidents')).toContain(`${breach.body.incidentId}: suspected personal data breach`);
    expect(row('Approval needed')).toContain('needs a new approval round');
    const otherPage = await team.get(`/register/${incidentService}`);
    expect(otherPage.$('dt').filter((_, dt) => otherPage.$(dt).text().trim() === 'Approval needed').length).toBe(0);
  });

  it('lets the security team see every incident, and anyone else only the ones they reported', async () => {
    const all = await h.api('/incidents');
    expect(all.body.incidents.map((i: any) => i.incidentId)).toEqual(
      expect.arrayContaining([breach.body.incidentId, incident.body.incidentId, both.body.incidentId]),
    );
    const mine = await h.api('/incidents', undefined, OTHER);
    expect(mine.body.incidents.map((i: any) => i.incidentId)).toEqual([both.body.incidentId]);
    expect((await h.api(`/incidents/${breach.body.incidentId}`, undefined, OTHER)).status).toBe(403);
    expect((await h.api(`/incidents/${breach.body.incidentId}`, undefined, OWNER)).body.notifications).toHaveLength(2);
    expect((await h.api('/incidents/INC-NOSUCH', undefined, OWNER)).status).toBe(404);
  });

  it('lets only the security team record where an incident stands, with a note', async () => {
    const path = `/incidents/${incident.body.incidentId}/updates`;
    expect((await h.api(path, json({ status: 'CONTAINED', note: 'Accounts reset.' }), OWNER)).status).toBe(403);
    const bad = await h.api(path, json({ status: 'FIXED', note: '' }));
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(['note', 'status']);
    const contained = await h.api(path, json({ status: 'CONTAINED', note: 'Accounts reset.' }));
    expect(contained.status, contained.text).toBe(201);
    expect(contained.body.status).toBe('CONTAINED');
    expect(contained.body.updates).toMatchObject([{ status: 'CONTAINED', note: 'Accounts reset.', actor: { kind: 'SECURITY_TEAM' } }]);
  });

  it('keeps the breach flag, and monitoring reports it, when a CHANGE begun before the breach or a NEW of another service is approved', async () => {
    now = T0 + 10 * DAY + 3_600_000;
    // The CHANGE's approvers were asked before the breach was reported: they assessed it without knowing of it.
    expect(await approveAll(changeBegunBefore.body)).toBe(breached);
    const afterChange = (await h.api(`/services/${breached}`)).body;
    expect(afterChange.version).toBeGreaterThan(1);
    expect(afterChange.versions.at(-1).reason).toContain(changeBegunBefore.body.requestId);
    expect(afterChange.approvalAfterBreach).toMatchObject({ incidentIds: [breach.body.incidentId] });
    // A NEW request for another service, begun after the breach, is not this service's approval round.
    const another = await approved({ ...singleAreaRequest(), serviceName: 'Another service', plannedStartDate: '2027-09-01' });
    expect(another).not.toBe(breached);
    expect((await h.api(`/services/${another}`)).body.approvalAfterBreach).toBeUndefined();
    expect((await h.api(`/services/${breached}`)).body.approvalAfterBreach).toMatchObject({ incidentIds: [breach.body.incidentId] });
    const run = findings(await runMonitoring(h.stack.runtime));
    expect(run.items.filter((i) => i.kind === 'APPROVAL_NEEDED_AFTER_BREACH').map((i) => i.id)).toEqual([breached]);
    expect((await h.api(`/incidents/${breach.body.incidentId}`)).body.approvalAfterBreach).toMatchObject({ status: 'NEEDED' });
  });

  it('reports open incidents and the service needing approval after its breach, until a CHANGE begun after it is approved', async () => {
    now = T0 + 11 * DAY;
    const first = findings(await runMonitoring(h.stack.runtime));
    expect(first.status).toBe('OK');
    const open = first.items.filter((i) => i.kind === 'OPEN_INCIDENT').map((i) => i.id);
    expect(open).toEqual(expect.arrayContaining([breach.body.incidentId, incident.body.incidentId, both.body.incidentId]));
    expect(first.items.filter((i) => i.kind === 'APPROVAL_NEEDED_AFTER_BREACH').map((i) => i.id)).toEqual([breached]);

    // Closed incidents are no longer open; the breach's approval round is still due.
    await h.api(`/incidents/${incident.body.incidentId}/updates`, json({ status: 'CLOSED', note: 'Done.' }));
    await h.api(`/incidents/${breach.body.incidentId}/updates`, json({ status: 'CLOSED', note: 'Done.' }));
    now = T0 + 12 * DAY;
    const second = findings(await runMonitoring(h.stack.runtime));
    expect(second.items.filter((i) => i.kind === 'OPEN_INCIDENT').map((i) => i.id)).toEqual([both.body.incidentId]);
    expect(second.items.filter((i) => i.kind === 'APPROVAL_NEEDED_AFTER_BREACH').map((i) => i.id)).toEqual([breached]);

    // The new approval round: a CHANGE of the service, approved.
    await approved({
      ...singleAreaRequest(),
      serviceName: 'Breached service',
      changeType: 'CHANGE',
      serviceId: breached,
      plannedStartDate: '2027-09-01',
    });
    const entry = (await h.api(`/services/${breached}`)).body;
    expect(entry.approvalAfterBreach).toBeUndefined();
    expect(entry.incidents.map((i: any) => i.incidentId)).toEqual([breach.body.incidentId]);
    now = T0 + 13 * DAY;
    const third = findings(await runMonitoring(h.stack.runtime));
    expect(third.items.filter((i) => i.kind === 'APPROVAL_NEEDED_AFTER_BREACH')).toEqual([]);
    expect((await h.api(`/incidents/${breach.body.incidentId}`)).body.approvalAfterBreach).toMatchObject({ status: 'APPROVED' });
  });
});

describe('an email that could not be sent', () => {
  it('stays pending when every try fails, and monitoring sends it later and reports it', async () => {
    now = T0 + 20 * DAY;
    const faults = injectFaults(
      { ses: h.stack.runtime.clients.ses },
      { rate: 1, seed: 7, mix: { throttled: 0, 'timed out': 1, 'response lost': 0, crashed: 0 } },
    );
    let reported: Awaited<ReturnType<typeof report>>;
    try {
      reported = await report(breachOf());
    } finally {
      faults.remove();
    }
    expect(reported.status, reported.text).toBe(201);
    const id = reported.body.incidentId;
    expect(reported.body.notifications.map((n: any) => [n.recipient, n.status])).toEqual([
      ['DPO', 'PENDING'],
      ['REPORTER', 'PENDING'],
    ]);
    expect(reported.body.notifications[0].attempts).toBeGreaterThanOrEqual(3);
    expect((await h.emails(id)).filter((e) => sentTo(e, DPO))).toHaveLength(0);

    now = T0 + 21 * DAY;
    const run = findings(await runMonitoring(h.stack.runtime));
    expect(run.items.filter((i) => i.id === id && i.kind === 'NOTIFICATION_SENT_LATE').map((i) => i.summary)).toEqual([
      expect.stringContaining('Data Protection Officer'),
      expect.stringContaining('reported it'),
    ]);
    expect((await h.emails(id)).filter((e) => sentTo(e, DPO))).toHaveLength(1);
    const after = (await h.api(`/incidents/${id}`)).body;
    expect(after.notifications.map((n: any) => n.status)).toEqual(['SENT', 'SENT']);
  });

  it('is reported by monitoring while it still fails', async () => {
    now = T0 + 30 * DAY;
    const { middlewareStack } = h.stack.runtime.clients.ses;
    // Only the DPO's mailbox is unreachable: the receipt and the digest still go.
    middlewareStack.add(
      (next) => async (args) => {
        if (JSON.stringify((args as { input?: { Destination?: unknown } }).input?.Destination).includes(DPO))
          throw Object.assign(new Error('Injected: DPO mailbox refused'), { name: 'MessageRejected' });
        return next(args);
      },
      { step: 'initialize', name: 'refuseDpo' },
    );
    try {
      const { body } = await report(breachOf());
      expect(body.notifications.map((n: any) => n.status)).toEqual(['PENDING', 'SENT']);
      now = T0 + 31 * DAY;
      const run = findings(await runMonitoring(h.stack.runtime));
      const pending = run.items.filter((i) => i.id === body.incidentId && i.kind === 'NOTIFICATION_PENDING');
      expect(pending.map((i) => i.summary)).toEqual([
        expect.stringMatching(/Data Protection Officer \(privacy@justice\.gov\.uk\) has still not been emailed after 4 tries/),
      ]);
    } finally {
      middlewareStack.remove('refuseDpo');
    }
  });
});

describe('bad input', () => {
  it('answers 400 with the field paths, never 500', async () => {
    const future = await report({ ...breachOf(), discoveredAt: '2099-01-01' });
    expect(future.status).toBe(400);
    expect(future.body.errors).toEqual([{ path: 'discoveredAt', message: 'must not be in the future' }]);
    const unknown = await report(breachOf('SVC-NOSUCH'));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: any) => e.path)).toEqual(['serviceId']);
    const wrong = await report({ kind: 'LEAK', description: '', discoveredAt: 'yesterday', reporter: { name: 'A' }, extra: 1 });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors.map((e: any) => e.path).sort()).toEqual(['', 'description', 'discoveredAt', 'kind', 'reporter.email'].sort());
    expect((await h.api('/incidents', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }, OWNER)).status).toBe(415);
    expect((await h.api('/incidents', json([]), OWNER)).status).toBe(400);
    expect((await h.api('/incidents/INC-%ZZ', undefined, OWNER)).status).toBe(400);
  });
});

describe('the pages', () => {
  it('lets anyone signed in report one: the form, its errors, and the confirmation with the reference and who was told', async () => {
    // Sessions are sealed at the real time, so the pages' clock is the real one from here.
    now = Date.now();
    const owner = await signedIn(h.stack, { email: OWNER, name: 'Priya Shah' });
    const page = await owner.get('/report-an-incident');
    expect(page.status).toBe(200);
    expect(page.$('.govuk-service-navigation a[href="/report-an-incident"]').length).toBe(1);
    expect(page.$('.govuk-service-navigation a[href="/incident-reports"]').length).toBe(0);
    expect(page.$('#reporter-email').val()).toBe(OWNER);
    expect(page.$('#reporter-name').val()).toBe('Priya Shah');
    expect(page.$('select#serviceId option').text()).toContain('Breached service');

    const refused = await owner.post('/report-an-incident', {
      description: '',
      discoveredAt: { day: '1', month: '1', year: '2099' },
      reporter: { name: 'Priya Shah', email: OWNER },
    });
    expect(refused.status).toBe(400);
    expect(errorSummary(refused.$).map((e) => e.href)).toEqual(['#kind', '#description']);
    const future = await owner.post('/report-an-incident', {
      kind: 'SECURITY_INCIDENT',
      description: 'Odd logins.',
      discoveredAt: { day: '1', month: '1', year: '2099' },
      reporter: { name: 'Priya Shah', email: OWNER },
    });
    expect(errorSummary(future.$)).toEqual([{ text: 'When it was discovered: must not be in the future', href: '#discoveredAt-day' }]);

    const sent = await owner.post('/report-an-incident', {
      kind: 'SECURITY_INCIDENT',
      serviceId: '',
      description: 'Odd logins to the supplier portal.',
      discoveredAt: { day: '2', month: '7', year: '2026', time: '14:30' },
      reporter: { name: 'Priya Shah', email: OWNER },
    });
    expect(sent.status, sent.html).toBe(303);
    expect(sent.location).toMatch(/^\/incident-reports\/INC-[A-Z0-9]+\?reported=yes$/);
    const id = sent.location!.split('/').pop()!.split('?')[0]!;
    const stored = (await h.api(`/incidents/${id}`)).body;
    // 14:30 UK summer time is 13:30 UTC.
    expect(stored.discoveredAt).toBe('2026-07-02T13:30:00.000Z');
    const confirmation = await owner.get(sent.location!);
    expect(confirmation.status).toBe(200);
    expect(confirmation.$('.govuk-panel').text()).toContain(id);
    expect(confirmation.$('main').text()).toContain('the MoJ Operational Security Team (security@justice.gov.uk): emailed');
    expect(confirmation.$('main').text()).toContain('2:30pm on 2 July 2026');
    expect(confirmation.$('main').text()).not.toMatch(/\d{4}-\d{2}-\d{2}|SECURITY_INCIDENT|OPERATIONAL_SECURITY_TEAM|\bSENT\b/);
    expect(confirmation.$('form[action^="/incident-reports/"]').length).toBe(0);
  });

  it('gives the security team the list and a form to record where each stands; an owner is refused it', async () => {
    const team = await signedIn(h.stack, { email: 'sam.security@justice.gov.uk', name: 'Sam Security', securityTeam: true });
    const list = await team.get('/incident-reports');
    expect(list.status).toBe(200);
    expect(list.$('.govuk-service-navigation a[href="/incident-reports"]').length).toBe(1);
    const first = list.$('main table a').first();
    const href = first.attr('href')!;
    expect(first.text()).toMatch(/^INC-/);
    expect(list.$('main').text()).not.toMatch(/\d{4}-\d{2}-\d{2}T|PERSONAL_DATA_BREACH|\bOPEN\b/);

    const owner = await signedIn(h.stack, { email: OWNER });
    expect((await owner.post(href, { status: 'CLOSED', note: 'No.' })).status).toBe(403);

    const refused = await team.post(href, { status: 'CONTAINED', note: '' });
    expect(refused.status).toBe(400);
    expect(errorSummary(refused.$)).toEqual([{ text: 'Note: must not be empty', href: '#note' }]);
    const done = await team.post(href, { status: 'CONTAINED', note: 'Supplier portal locked.' });
    expect(done.status).toBe(303);
    const after = await team.get(done.location!);
    expect(after.$('.govuk-notification-banner').text()).toContain('Update recorded');
    expect(after.$('#updates').text()).toContain('Supplier portal locked.');
    expect(after.$('#updates').text()).toContain('Contained');
  });
});
