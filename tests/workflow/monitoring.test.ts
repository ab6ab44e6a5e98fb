import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, linkIn, startHarness, type Harness } from './harness.ts';
import { multiAreaRequest, singleAreaRequest } from '../fixtures/index.ts';
import { runMonitoring } from '../../functions/domain/monitoring.ts';
import type { MonitoringRun } from '../../functions/store/records.ts';
import { executionArn } from '../../functions/domain/workflow.ts';
import { signedIn } from './pages.ts';

/**
 * Continual monitoring on the local stack: a register with due, overdue and healthy services, stuck and healthy
 * requests, the monitor run against it, its findings, its emails and its idempotency. The clock is
 * injected, so months pass in a line.
 */
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-23T09:00:00Z');
let now = T0;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ runtime: { clock: () => new Date(now) } });
});
afterAll(() => h.close());

async function approvedService(body: Record<string, unknown>, at: number) {
  now = at;
  const { body: created } = await h.submit(body);
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

const findings = (run: MonitoringRun, check: string) => run.checks!.find((c) => c.check === check)!;

describe('continual monitoring', () => {
  let overdue: string, dueSoon: string, healthy: string, stuckRequest: string, healthyRequest: string, lateRequest: string, orphan: string;
  let rejectedWithNotice: { requestId: string; lateNotice: boolean };
  let run: MonitoringRun & { repeated: boolean };
  const runDate = T0 + 190 * DAY;

  beforeAll(async () => {
    const sensitive = { ...singleAreaRequest(), plannedStartDate: '2027-09-01' }; // OFFICIAL-SENSITIVE personal: 6-monthly review
    overdue = await approvedService({ ...sensitive, serviceName: 'Overdue service' }, T0 - 30 * DAY);
    dueSoon = await approvedService({ ...sensitive, serviceName: 'Due-soon service' }, T0 + 10 * DAY);
    healthy = await approvedService({ ...multiAreaRequest(), serviceName: 'Healthy service', plannedStartDate: '2027-09-01' }, T0); // OFFICIAL: 12-monthly

    now = T0 + 20 * DAY;
    stuckRequest = (await h.submit({ ...singleAreaRequest(), serviceName: 'Stuck request', plannedStartDate: '2027-09-01' })).body.requestId;
    healthyRequest = (await h.submit({ ...singleAreaRequest(), serviceName: 'Healthy request', plannedStartDate: '2027-09-01' })).body.requestId;
    lateRequest = (await h.submit({ ...singleAreaRequest(), serviceName: 'Late request', plannedStartDate: '2026-12-20' })).body.requestId;
    orphan = (await h.submit({ ...singleAreaRequest(), serviceName: 'Orphan execution', plannedStartDate: '2027-09-01' })).body.requestId;
    // 40 days' notice (not late), then rejected and left so past its planned start.
    rejectedWithNotice = (await h.submit({ ...singleAreaRequest(), serviceName: 'Rejected with notice', plannedStartDate: '2027-01-22' })).body;
    const asked = await h.eventually(
      async () => (await h.emails(rejectedWithNotice.requestId)).find((e) => e.subject.includes('Offshoring approval needed')),
      'an approver email',
    );
    const rejection = linkIn(asked);
    expect(
      (await h.api(`/approvals/${rejection.approvalId}`, form({ token: rejection.token, decision: 'REJECT', reason: 'Not this supplier' }))).status,
    ).toBe(200);
    await h.eventually(async () => (await h.status(rejectedWithNotice.requestId)).status === 'REJECTED', 'rejection');
    await h.eventually(async () => (await h.emails(orphan)).length >= 5 && true, 'orphan emails');
    // The stuck request's execution dies without the table knowing (a failure outside the workflow).
    await h.stack.stepFunctions.stopExecution({ executionArn: executionArn(h.stack.stateMachineArn, stuckRequest) });
    // The orphan's request was finished behind the workflow's back while its execution runs on.
    const orphanRecord = (await h.stack.runtime.store.getRequest(orphan))!;
    await h.stack.runtime.store.transition(
      orphanRecord,
      'WITHDRAW',
      { at: new Date(now).toISOString() },
      {
        eventId: 'EVT-ORPHAN',
        at: new Date(now).toISOString(),
        type: 'REQUEST_WITHDRAWN',
        actor: { kind: 'SYSTEM' },
        details: { reason: 'withdrawn behind the workflow', previousStatus: orphanRecord.status },
      },
    );

    now = runDate;
    run = await runMonitoring(h.stack.runtime);
  });

  it('finds services whose review is overdue or due within 30 days, and not the healthy ones', () => {
    const reviews = findings(run, 'reviews');
    expect(reviews.status).toBe('OK');
    expect(reviews.items.map((i) => [i.id, i.kind]).sort()).toEqual(
      [
        [dueSoon, 'DUE_SOON'],
        [overdue, 'OVERDUE'],
      ].sort(),
    );
    expect(reviews.items.map((i) => i.id)).not.toContain(healthy);
  });

  it('emails the owners of due and overdue services', async () => {
    const emails = await h.emails('offshoring review of');
    expect(emails.map((e) => e.subject).sort()).toEqual(
      [`Due soon: offshoring review of Due-soon service (${dueSoon})`, `Overdue: offshoring review of Overdue service (${overdue})`].sort(),
    );
    // Each to the registered service's owner alone.
    for (const e of emails) expect(e.destination).toEqual({ to: ['"Priya Shah" <priya.shah@justice.gov.uk>'], cc: [], bcc: [] });
  });

  it('marks a request whose execution stopped as ERROR with the cause, and leaves healthy ones alone', async () => {
    const reconciliation = findings(run, 'reconciliation');
    expect(reconciliation.items.filter((i) => i.kind === 'STUCK_REQUEST').map((i) => i.id)).toEqual([stuckRequest]);
    const stuck = await h.status(stuckRequest);
    expect(stuck.status).toBe('ERROR');
    expect(stuck.statusReason).toMatch(/ABORTED/);
    expect(stuck.audit.map((e: { type: string }) => e.type)).toContain('RECONCILED_TO_ERROR');
    expect((await h.status(healthyRequest)).status).toBe('PENDING_APPROVAL');
  });

  it('reports an execution still running for a request that is finished', () => {
    const orphans = findings(run, 'reconciliation').items.filter((i) => i.kind === 'ORPHAN_EXECUTION');
    expect(orphans.map((i) => i.id)).toEqual([orphan]);
  });

  it('reports approvals whose reminder never happened (a missed timer)', () => {
    const missed = findings(run, 'missedChases');
    const requests = new Set(missed.items.map((i) => i.details?.requestId));
    // The orphan's request was finished without closing its approvals: they are reported too.
    expect(requests).toEqual(new Set([healthyRequest, lateRequest, orphan]));
    expect(missed.count).toBe(15);
  });

  it('reports late-notice requests whose planned start passed without approval', () => {
    const late = findings(run, 'lateStarts');
    expect(late.title).toBe('Requests whose planned start passed without approval');
    expect(late.items.map((i) => i.id)).toContain(lateRequest);
    // Requests whose planned start is still to come are not reported.
    for (const id of [healthyRequest, stuckRequest]) expect(late.items.map((i) => i.id)).not.toContain(id);
  });

  it("reports a request with 40 days' notice, rejected, once its planned start has passed", () => {
    expect(rejectedWithNotice.lateNotice).toBe(false);
    const late = findings(run, 'lateStarts').items;
    expect(late.map((i) => i.id).sort()).toEqual([lateRequest, rejectedWithNotice.requestId].sort());
    expect(late.find((i) => i.id === rejectedWithNotice.requestId)).toMatchObject({
      kind: 'LATE_START',
      details: { plannedStartDate: '2027-01-22', status: 'REJECTED', lateNotice: false },
    });
  });

  it('runs the incidents check, which finds nothing when nothing was reported (tests/workflow/incidents.test.ts has the rest)', () => {
    expect(findings(run, 'incidents')).toMatchObject({ status: 'OK', count: 0, items: [] });
  });

  it('sends the security team one digest, grouped, with links', async () => {
    const digests = await h.emails('Offshoring monitoring');
    expect(digests).toHaveLength(1);
    const digest = digests[0]!;
    expect(digest.destination).toEqual({ to: ['"MoJ Security Team" <security-team@justice.local>'], cc: [], bcc: [] });
    for (const id of [overdue, dueSoon, stuckRequest, orphan, lateRequest]) expect(digest.body.text).toContain(id);
    // The digest links to the register's page for the service, never to the JSON API.
    expect(digest.body.text).toContain(`${h.stack.runtime.publicBaseUrl}/register/${overdue}`);
    expect(digest.body.text).not.toContain('/services/');
    expect(digest.body.text).toContain(`${h.stack.runtime.publicBaseUrl}/offshoring-requests/${lateRequest}`);
    // Dates and times in words, times in UK time and saying so: never an ISO date or an enum.
    expect(digest.body.text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(digest.body.text).toMatch(/next step was due at \S+ on \d{1,2} [A-Z][a-z]+ \d{4} \(UK time\)/);
    expect(digest.body.text).not.toMatch(/PENDING_APPROVAL|_SIRO|\b(LEGAL|COMMERCIAL)\b/);
    expect(digest.body.text).toContain('MoJ Data Protection Officer (DPO): ');
  });

  it('is idempotent for its date: running again sends no second digest and emails no owner twice', async () => {
    const again = await runMonitoring(h.stack.runtime);
    expect(again.repeated).toBe(true);
    expect(again.counts).toEqual(run.counts);
    expect(await h.emails('Offshoring monitoring')).toHaveLength(1);
    // The next day's run reports again, but owners are told once per review date.
    now = runDate + DAY;
    const nextDay = await runMonitoring(h.stack.runtime);
    expect(nextDay.repeated).toBe(false);
    expect(findings(nextDay, 'reviews').count).toBe(2);
    expect(await h.emails('offshoring review of')).toHaveLength(2);
    expect(await h.emails('Offshoring monitoring')).toHaveLength(2);
  });

  it('reports a failing check and still runs the others', async () => {
    now = runDate + 2 * DAY;
    const broken = { ...h.stack.runtime, stateMachineArn: undefined };
    const partial = await runMonitoring(broken);
    expect(findings(partial, 'reconciliation')).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/STATE_MACHINE_ARN/) });
    expect(findings(partial, 'reviews')).toMatchObject({ status: 'OK', count: 2 });
    expect(findings(partial, 'lateStarts').status).toBe('OK');
  });

  it('reads what is due, not the register: items read stay near the items found', () => {
    const found = Object.values(run.counts!).reduce((a, b) => a + b, 0);
    // Open requests are read for reconciliation, and a stuck request's history to close it: still a small multiple.
    expect(run.itemsRead).toBeLessThanOrEqual(3 * found);
  });

  it('lists runs with their findings over the API, newest first', async () => {
    const res = await h.api('/monitoring/runs');
    expect(res.status).toBe(200);
    expect(res.body.runs.map((r: { date: string }) => r.date)).toEqual(
      [runDate + 2 * DAY, runDate + DAY, runDate].map((t) => new Date(t).toISOString().slice(0, 10)),
    );
    expect(res.body.runs[2].checks.map((c: { check: string }) => c.check)).toEqual([
      'reviews',
      'reconciliation',
      'missedChases',
      'escalations',
      'lateStarts',
      'incidents',
      'existingContracts',
      'reviewActions',
      'exemptions',
    ]);
  });

  it('shows the register to the security team, and a service only to its owner besides', async () => {
    expect((await h.api('/services', {}, 'priya.shah@justice.gov.uk')).status).toBe(403);
    expect((await h.api(`/services/${overdue}`, {}, 'priya.shah@justice.gov.uk')).status).toBe(200);
    expect((await h.api(`/services/${healthy}`, {}, 'priya.shah@justice.gov.uk')).status).toBe(403);
    // The owner is the person who owned the approved request (its identity-provider subject), not whoever holds the email now.
    expect((await h.api(`/services/${overdue}`, {}, { email: 'priya.shah@justice.gov.uk', sub: 'idp-someone-else' })).status).toBe(403);
    expect((await h.api('/monitoring/runs', {}, 'priya.shah@justice.gov.uk')).status).toBe(403);
    expect((await h.api('/monitoring/runs', {}, null)).status).toBe(401);
  });

  it('lists and filters the register, and shows an entry with its versions', async () => {
    const all = await h.api('/services');
    expect(all.body.count).toBe(3);
    const byCountry = await h.api('/services?country=IE');
    expect(byCountry.body.services.map((s: { serviceId: string }) => s.serviceId)).toEqual([healthy]);
    const byArea = await h.api('/services?businessArea=hmcts&reviewStatus=OVERDUE');
    expect(byArea.body.services.map((s: { serviceId: string }) => s.serviceId)).toEqual([overdue]);
    expect((await h.api('/services?reviewStatus=SOMETIMES')).status).toBe(400);
    const one = await h.api(`/services/${healthy}`);
    expect(one.body).toMatchObject({
      serviceId: healthy,
      serviceName: 'Healthy service',
      version: 1,
      reviewStatus: 'OK',
      versions: [{ version: 1 }],
    });
    expect(one.body.approvals).toHaveLength(6);
    expect((await h.api('/services/SVC-NOPE')).status).toBe(404);
  });

  it('records a review, which moves the next review date on', async () => {
    const res = await h.api(`/services/${overdue}/reviews`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: 'SATISFACTORY', notes: 'Controls re-tested; supplier ISO 27001 certificate renewed' }),
    });
    expect(res.status).toBe(201);
    const history = (await h.api(`/services/${overdue}`)).body.versions;
    expect(history.at(-1).reason).toBe('Reviewed by sam.security@justice.gov.uk: Controls re-tested; supplier ISO 27001 certificate renewed');
    expect(res.body).toMatchObject({ version: 2, reviewDue: expect.any(String) });
    expect(res.body.reviewDue > new Date(now).toISOString().slice(0, 10)).toBe(true);
    expect((await h.api(`/services/${overdue}`)).body.reviewStatus).toBe('OK');
  });

  it('updates the named register entry when a CHANGE is approved, as a new version', async () => {
    const changed = await approvedService(
      { ...multiAreaRequest(), changeType: 'CHANGE', serviceName: 'Healthy service', serviceId: healthy, plannedStartDate: '2028-01-01' },
      now,
    );
    expect(changed).toBe(healthy);
    const entry = await h.api(`/services/${healthy}`);
    expect(entry.body.version).toBe(2);
    expect(entry.body.versions).toHaveLength(2);
    const bad = await h.submit({ ...multiAreaRequest(), changeType: 'CHANGE', serviceId: 'SVC-DOESNOTEXIST' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ path: 'serviceId' });
  });

  it("reports an escalation still waiting past its deadline as stuck, and leaves lapsing it to the endorsement's own branch", async () => {
    const owner = 'priya.shah@justice.gov.uk';
    const { body } = await h.submit({ ...singleAreaRequest(), serviceName: 'Escalated service', plannedStartDate: '2028-01-01' });
    const first = await h.eventually(
      async () => (await h.emails(body.requestId)).find((e) => e.subject.includes('Offshoring approval needed')),
      'an approver email',
    );
    const { approvalId, token } = linkIn(first);
    expect((await h.api(`/approvals/${approvalId}`, form({ token, decision: 'REJECT', reason: 'No' }))).status).toBe(200);
    await h.eventually(async () => (await h.status(body.requestId)).status === 'REJECTED', 'rejection');
    const post = (path: string, payload: unknown) =>
      h.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) }, owner);
    expect((await post(`/requests/${body.requestId}/escalations`, { caseForApproval: 'Essential', risksRectified: 'A DPIA is done' })).status).toBe(
      202,
    );

    now += 29 * DAY;
    const run = await runMonitoring(h.stack.runtime);
    expect(findings(run, 'escalations').items.map((i) => i.id)).toEqual([body.requestId]);
    expect(findings(run, 'escalations').items[0]).toMatchObject({ kind: 'ESCALATION_OVERDUE' });
    expect(findings(run, 'missedChases').items.map((i) => i.details?.requestId)).not.toContain(body.requestId);
    // Monitoring only reports: the request stays ESCALATED and nobody is told it lapsed.
    const view = await h.status(body.requestId);
    expect(view.status).toBe('ESCALATED');
    expect(view.audit.map((e: { type: string }) => e.type)).not.toContain('ESCALATION_LAPSED');
    expect((await h.emails('Escalation not answered')).some((e) => e.subject.includes(body.requestId))).toBe(false);
  });
});

describe('improvement of services: reviews with an outcome and actions (Process 4)', () => {
  const post = (serviceId: string, body: unknown) =>
    h.api(`/services/${serviceId}/reviews`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  let serviceId: string;
  let start: number;

  beforeAll(async () => {
    start = T0 + 400 * DAY;
    serviceId = await approvedService({ ...singleAreaRequest(), serviceName: 'Improving service', plannedStartDate: '2028-09-01' }, start);
  });

  it('keeps the actions a review needs on the entry, reports those past their date, and a later satisfactory review closes them', async () => {
    const actions = [
      { what: 'Complete the quarterly access review', dueBy: day(start + 10 * DAY) },
      { what: 'Renew the ISO 27001 certificate', dueBy: day(start + 40 * DAY) },
    ];
    const res = await post(serviceId, { outcome: 'ACTIONS_NEEDED', notes: 'Access reviews are late', actions });
    expect(res.status, res.text).toBe(201);
    expect(res.body.reviewActions).toEqual(actions);
    const entry = (await h.api(`/services/${serviceId}`)).body;
    expect(entry.reviewActions).toEqual(actions);
    expect(entry.versions.at(-1).review).toEqual({
      outcome: 'ACTIONS_NEEDED',
      notes: 'Access reviews are late',
      actions,
      reviewedBy: 'sam.security@justice.gov.uk',
      reviewedAt: new Date(start).toISOString(),
    });

    // Due by its date is not yet overdue; the day after, it is, and only it.
    now = start + 10 * DAY;
    expect(findings(await runMonitoring(h.stack.runtime), 'reviewActions')).toMatchObject({ status: 'OK', count: 0 });
    now = start + 11 * DAY;
    const overdue = await runMonitoring(h.stack.runtime);
    expect(findings(overdue, 'reviewActions').title).toBe('Actions from reviews past the date they were due by');
    expect(findings(overdue, 'reviewActions').items).toEqual([
      {
        kind: 'REVIEW_ACTION_OVERDUE',
        id: serviceId,
        summary: expect.stringContaining('"Complete the quarterly access review" was due by'),
        link: `${h.stack.runtime.publicBaseUrl}/register/${serviceId}`,
        details: actions[0],
      },
    ]);

    // An approved CHANGE of the service leaves its review's actions open.
    await approvedService(
      { ...singleAreaRequest(), changeType: 'CHANGE', serviceName: 'Improving service', serviceId, plannedStartDate: '2028-09-01' },
      start + 12 * DAY,
    );
    expect((await h.api(`/services/${serviceId}`)).body.reviewActions).toEqual(actions);
    now = start + 41 * DAY;
    expect(findings(await runMonitoring(h.stack.runtime), 'reviewActions').items.map((i) => i.details?.what)).toEqual(actions.map((a) => a.what));

    const satisfactory = await post(serviceId, { outcome: 'SATISFACTORY', notes: 'Both done' });
    expect(satisfactory.status, satisfactory.text).toBe(201);
    expect(satisfactory.body.reviewActions).toBeUndefined();
    const closed = (await h.api(`/services/${serviceId}`)).body;
    expect(closed.reviewActions).toBeUndefined();
    expect(closed.versions.at(-1).review).toMatchObject({ outcome: 'SATISFACTORY', notes: 'Both done' });
    now = start + 42 * DAY;
    expect(findings(await runMonitoring(h.stack.runtime), 'reviewActions')).toMatchObject({ status: 'OK', count: 0, items: [] });
  });

  it('reads a review stored with notes alone, before reviews had an outcome', async () => {
    const entry = (await h.api(`/services/${serviceId}`)).body;
    const { versions: _, compliance: __, reviewStatus: ___, ...stored } = entry;
    // What a review wrote before it had an outcome: the version's reason, nothing else.
    await h.stack.runtime.store.register.putRegisterVersion(
      { ...stored, version: entry.version + 1, lastReviewedAt: new Date(now).toISOString() },
      { reason: 'Reviewed by sam.security@justice.gov.uk: Controls re-tested', replaces: entry.version },
    );
    const read = await h.api(`/services/${serviceId}`);
    expect(read.status).toBe(200);
    expect(read.body.versions.at(-1)).toMatchObject({ reason: 'Reviewed by sam.security@justice.gov.uk: Controls re-tested' });
    expect(read.body.versions.at(-1).review).toBeUndefined();
    const team = await signedIn(h.stack, { email: 'sam.security@justice.gov.uk', securityTeam: true });
    const page = await team.get(`/register/${serviceId}`);
    expect(page.status).toBe(200);
    const newest = page.$('#reviews li.app-review').first();
    expect(newest.text()).toContain('Reviewed by sam.security@justice.gov.uk: Controls re-tested');
    expect(newest.find('.govuk-tag')).toHaveLength(0);
  });

  it('refuses a review with a missing or wrong outcome or actions: 400 naming each field, and nothing recorded', async () => {
    const version = (await h.api(`/services/${serviceId}`)).body.version;
    const later = day(now + 30 * DAY);
    const paths = async (body: unknown) => {
      const res = await post(serviceId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      return res.body.errors.map((e: { path: string }) => e.path).sort();
    };
    expect(await paths({ notes: 'Fine' })).toEqual(['outcome']);
    expect(await paths({ outcome: 'GOOD', notes: 'Fine' })).toEqual(['outcome']);
    expect(await paths({ outcome: 'ACTIONS_NEEDED', notes: 'Not fine' })).toEqual(['actions']);
    expect(await paths({ outcome: 'ACTIONS_NEEDED', notes: 'Not fine', actions: [] })).toEqual(['actions']);
    expect(await paths({ outcome: 'SATISFACTORY', notes: 'Fine', actions: [{ what: 'Renew', dueBy: later }] })).toEqual(['actions']);
    expect(await paths({ outcome: 'ACTIONS_NEEDED', notes: 'Not fine', actions: [{ what: ' ', dueBy: '2027-02-30' }] })).toEqual([
      'actions.0.dueBy',
      'actions.0.what',
    ]);
    expect(await paths({ outcome: 'ACTIONS_NEEDED', notes: 'Not fine', actions: [{ what: 'Renew', dueBy: later, by: later }] })).toEqual([
      'actions.0',
    ]);
    expect(
      await paths({ outcome: 'ACTIONS_NEEDED', notes: 'Not fine', actions: Array.from({ length: 21 }, () => ({ what: 'Renew', dueBy: later })) }),
    ).toEqual(['actions']);
    expect(
      await paths({
        outcome: 'ACTIONS_NEEDED',
        notes: 'Not fine',
        actions: [
          { what: 'Renew', dueBy: later },
          { what: 'Re-test', dueBy: '2020-01-01' },
        ],
      }),
    ).toEqual(['actions.1.dueBy']);
    expect((await h.api(`/services/${serviceId}`)).body.version).toBe(version);
  });
});
