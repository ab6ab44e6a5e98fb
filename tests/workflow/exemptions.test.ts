import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { form, linkIn, startHarness, type Email, type Harness } from './harness.ts';
import {
  approvedService,
  approverLinks,
  decide as decideRequest,
  OWNER,
  OTHER_OWNER,
  rejectedRequest,
  untilStatus,
  decideByEmail,
  exemptionApproverEmails,
  recipients,
} from './journeys.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { errorSummary, signedIn } from './pages.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';
import { runMonitoring } from '../../functions/domain/monitoring.ts';
import { accountingOfficerOf } from '../../functions/domain/offshoring-policy.ts';
import { executionArn, executionName } from '../../functions/domain/workflow.ts';
import { resumeOpenRounds } from '../../local/resume.ts';
import type { MonitoringRun } from '../../functions/store/records.ts';

/**
 * Exemptions from the Offshoring Policy (Compliance: "formal review and approval by the MoJ Senior
 * Security Adviser and the Chief Information Security Officer, with reasonable justification") and
 * business areas' variations (Corporate Security Policy: "agreed by the relevant Accounting
 * Officer"), on the local stack through the API, the approvers' emailed links and the inbox.
 * The clock is injected.
 */
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-23T09:00:00Z');
let now = T0;
let h: Harness;
const directory = loadApproverDirectory();
const SSA = directory.roles.SSA.email;
const CISO = directory.roles.CISO.email;
// HMCTS's Accounting Officer, as the bundled directory names them.
const HMCTS_AO = directory.businessAreas.HMCTS!.accountingOfficer!.email;

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ask = (body: Record<string, unknown>, as: string = OWNER) => h.api('/exemptions', json(body), as);
const exemption = (extra: Record<string, unknown> = {}) => ({
  policyClause: 'Policy: all MoJ data stays in UK data centres',
  justification: 'The supplier’s only disaster-recovery site is in Ireland until the UK site opens.',
  endDate: '2027-06-30',
  ...extra,
});

const approverEmails = (requestId: string, count = 2) => exemptionApproverEmails(h, requestId, count);

const decide = (email: Email, decision: 'APPROVE' | 'REJECT', reason?: string) => decideByEmail(h, email, decision, reason);

beforeAll(async () => {
  h = await startHarness({ runtime: { clock: () => new Date(now) } });
});
afterAll(() => h?.close());

describe('an exemption from the Offshoring Policy', () => {
  let serviceId: string;
  let created: any;
  let emails: Email[];

  beforeAll(async () => {
    ({ serviceId } = await approvedService(h));
    const res = await ask(exemption({ serviceId }));
    expect(res.status, res.text).toBe(201);
    created = res.body;
    emails = await approverEmails(created.requestId, 2);
  });

  it('needs exactly the SSA and the CISO: it lists them, and each gets one email with their own link, nobody else', async () => {
    expect(created.kind).toBe('EXEMPTION');
    expect(created.requiredApprovers.map((a: { role: string; email: string }) => [a.role, a.email])).toEqual([
      ['SSA', SSA],
      ['CISO', CISO],
    ]);
    // Two approvals in the table, and two emails asking: one to each, each with its own link.
    const view = await h.stack.runtime.store.getCaseView(created.requestId);
    expect(view!.approvals.map((a) => a.role).sort()).toEqual(['CISO', 'SSA']);
    expect(emails.map((e) => recipients(e).join()).sort()).toEqual([CISO, SSA].sort());
    expect(new Set(emails.map((e) => linkIn(e).approvalId)).size).toBe(2);
  });

  it('shows each approver the clause, the justification, the scope and the end date', async () => {
    const email = emails[0]!;
    expect(email.body.text).toContain('Policy: all MoJ data stays in UK data centres');
    expect(email.body.text).toContain('disaster-recovery site is in Ireland');
    expect(email.body.text).toContain(serviceId);
    expect(email.body.text).toContain('30 June 2027');
    const { approvalId, token } = linkIn(email);
    const page = await h.api(`/approvals/${approvalId}?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Approve or reject an exemption');
    expect(page.text).toContain('Offshoring Policy, Compliance');
    expect(page.text).toContain('disaster-recovery site is in Ireland');
  });

  it('is in force until its end date once both approve, and the requester is told', async () => {
    for (const email of emails) expect((await decide(email, 'APPROVE')).status).toBe(200);
    const told = await h.eventually(
      async () => (await h.emails(`(${created.requestId})`)).find((e) => e.subject.startsWith('Exemption approved')),
      'the approval email',
    );
    expect(recipients(told)).toEqual([OWNER]);
    expect(told.body.text).toContain('in force until 30 June 2027');
    // The round is over: nobody else was ever asked.
    const asked = (await h.emails(`(${created.requestId})`)).filter((e) => e.subject.includes('approval needed'));
    expect(asked.map((e) => recipients(e).join()).sort()).toEqual([CISO, SSA].sort());
    const { exemptions } = await h.stack.runtime.store.exemptionsEndingBetween('2027-06-30', '2027-06-30');
    expect(exemptions.map((e) => [e.requestId, e.status])).toEqual([[created.requestId, 'APPROVED']]);
  });
});

describe('a rejected exemption', () => {
  it('tells the requester with the reason, and the approver still waiting that they need not decide', async () => {
    const res = await ask(exemption({ policyClause: 'Process 1(c): approval from MoJ Commercial' }));
    expect(res.status, res.text).toBe(201);
    const { requestId } = res.body;
    const [first, second] = await approverEmails(requestId, 2);
    expect((await decide(first!, 'REJECT', 'No justification for the whole policy')).status).toBe(200);
    const rejected = await h.eventually(
      async () => (await h.emails(`(${requestId})`)).find((e) => e.subject.startsWith('Exemption rejected')),
      'the rejection email',
    );
    expect(recipients(rejected)).toEqual([OWNER]);
    expect(rejected.body.text).toContain('No justification for the whole policy');
    const closed = await h.eventually(
      async () => (await h.emails(`(${requestId})`)).find((e) => e.subject.startsWith('No action needed')),
      'the round-closed email',
    );
    expect(recipients(closed)).toEqual(recipients(second!));
    const late = await decide(second!, 'APPROVE');
    expect(late.status).toBe(410);
    // Rejected, it waits for nothing until it is asked for again, so monitoring no longer looks at it.
    expect((await h.stack.runtime.store.openExemptions()).exemptions.map((e) => e.requestId)).not.toContain(requestId);
  });
});

describe('a variation agreed by the Accounting Officer', () => {
  it('goes to the business area’s Accounting Officer as well as the SSA and the CISO', async () => {
    const res = await ask(exemption({ variation: { businessArea: 'hmcts' } }));
    expect(res.status, res.text).toBe(201);
    expect(res.body.requiredApprovers.map((a: { role: string }) => a.role)).toEqual(['SSA', 'CISO', 'ACCOUNTING_OFFICER']);
    const emails = await approverEmails(res.body.requestId, 3);
    expect(accountingOfficerOf(directory, 'HMCTS')!.email).toBe(HMCTS_AO);
    expect(res.body.requiredApprovers[2]).toMatchObject({ role: 'ACCOUNTING_OFFICER', email: HMCTS_AO });
    const officer = emails.find((e) => recipients(e).includes(HMCTS_AO))!;
    expect(officer).toBeDefined();
    // Not the Departmental Head, who stands in only where the directory names no Accounting Officer.
    expect(emails.flatMap(recipients)).not.toContain(directory.businessAreas.HMCTS!.departmentalHead.email);
    expect(officer.body.text).toContain('variation for HMCTS');
    expect(officer.body.text).toContain('agreed by the relevant Accounting Officer');
  });
});

describe('bad input', () => {
  it('is refused 400 with each field path', async () => {
    const res = await ask({ policyClause: '', endDate: '2026-02-30', variation: { businessArea: 'NOWHERE' }, extra: 1 });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['', 'endDate', 'justification', 'policyClause']));
  });

  it('refuses an end date already past, an unknown business area and a service not in the register by their paths', async () => {
    const past = await ask(exemption({ endDate: '2026-11-23' }));
    expect(past.status).toBe(400);
    expect(past.body.errors).toEqual([expect.objectContaining({ path: 'endDate' })]);
    const area = await ask(exemption({ variation: { businessArea: 'NOWHERE' } }));
    expect(area.body.errors).toEqual([expect.objectContaining({ path: 'variation.businessArea' })]);
    const missing = await ask(exemption({ serviceId: 'SVC-NOPE' }));
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([expect.objectContaining({ path: 'serviceId' })]);
  });

  it('refuses an exemption for a service the caller does not own (403)', async () => {
    const { serviceId } = await approvedService(h);
    const res = await ask(exemption({ serviceId }), OTHER_OWNER);
    expect(res.status).toBe(403);
  });
});

const TEAM = { email: 'sam.security@justice.gov.uk', name: 'Sam Security', securityTeam: true };
const exemptionsCheck = (run: MonitoringRun) => run.checks!.find((c) => c.check === 'exemptions')!;

describe('the pages', () => {
  let fromPage: string;

  it('asks for an exemption through the form, and confirms it with its reference and its two approvers', async () => {
    const { serviceId } = await approvedService(h);
    const owner = await signedIn(h.stack, { email: OWNER, name: 'Priya Shah' });
    const form = await owner.get('/exemptions/new');
    expect(form.status).toBe(200);
    expect(
      form
        .$('select#serviceId option')
        .map((_, o) => form.$(o).attr('value'))
        .get(),
    ).toContain(serviceId);
    const sent = await owner.post('/exemptions/new', {
      policyClause: 'Process 1(c): approval from MoJ Legal',
      justification: 'Legal approved the framework contract this service is called off.',
      serviceId,
      endDate: { day: '31', month: '3', year: '2027' },
      variation: { businessArea: '' },
    });
    expect(sent.status, sent.html.slice(0, 300)).toBe(303);
    expect(sent.location).toMatch(/^\/exemptions\/EXM-[0-9A-Z]+\?asked=yes$/);
    fromPage = sent.location!.split('/')[2]!.split('?')[0]!;
    const confirmation = await owner.get(sent.location!);
    expect(confirmation.status).toBe(200);
    expect(confirmation.$('.govuk-panel__title').text()).toContain('Sent for approval');
    expect(confirmation.$('.govuk-panel__body').text()).toContain(fromPage);
    const asked = confirmation
      .$('.govuk-panel ~ ul li')
      .map((_, li) => confirmation.$(li).text())
      .get();
    expect(asked).toEqual([expect.stringContaining(`(${SSA})`), expect.stringContaining(`(${CISO})`)]);
    expect(confirmation.html).toContain('Process 1(c): approval from MoJ Legal');
    await approverEmails(fromPage, 2);
  });

  it('lists each person’s own exemptions, and every one to the security team; nobody else opens one', async () => {
    const owner = await signedIn(h.stack, { email: OWNER });
    const mine = await owner.get('/exemptions');
    expect(mine.status).toBe(200);
    expect(mine.html).toContain(fromPage);
    const other = await signedIn(h.stack, { email: OTHER_OWNER });
    expect((await other.get('/exemptions')).html).not.toContain(fromPage);
    expect((await other.get(`/exemptions/${fromPage}`)).status).toBe(404);
    // A later holder of the owner's address is someone else: the identity provider's subject decides.
    const laterHolder = await signedIn(h.stack, { email: OWNER, sub: 'entra-oid-of-someone-else' });
    expect((await laterHolder.get('/exemptions')).html).not.toContain(fromPage);
    expect((await laterHolder.get(`/exemptions/${fromPage}`)).status).toBe(404);
    expect((await owner.get(`/exemptions/${fromPage}`)).status).toBe(200);
    const team = await signedIn(h.stack, TEAM);
    const all = await team.get('/exemptions');
    expect(all.html).toContain(fromPage);
    const nav = (page: typeof all, href: string) => page.$(`.govuk-service-navigation a[href="${href}"]`).length;
    expect([nav(all, '/exemptions'), nav(all, '/governance-report')]).toEqual([1, 1]);
    expect([nav(mine, '/exemptions'), nav(mine, '/governance-report')]).toEqual([1, 0]);
  });

  it('shows every problem of a bad form in the error summary, linked to its field, with 400', async () => {
    const owner = await signedIn(h.stack, { email: OWNER });
    const res = await owner.post('/exemptions/new', {
      policyClause: '',
      justification: 'Because',
      serviceId: '',
      endDate: { day: '31', month: '2', year: '2027' },
      variation: { businessArea: 'NOWHERE' },
    });
    expect(res.status).toBe(400);
    expect(errorSummary(res.$).map((e) => e.href)).toEqual(['#policyClause', '#endDate-day', '#variation-businessArea']);
  });
});

describe('the governance report', () => {
  it('lists variations, exemptions and approvals by business area, as a page and as CSV, for the security team', async () => {
    const variation = await ask(exemption({ variation: { businessArea: 'LAA' }, policyClause: 'SPF: vetting of supplier staff' }));
    expect(variation.status, variation.text).toBe(201);
    const team = await signedIn(h.stack, TEAM);
    const page = await team.get('/governance-report?year=2026');
    expect(page.status).toBe(200);
    const laa = page.$('#area-LAA').next('table').text();
    expect(laa).toContain('Variation agreed by the Accounting Officer');
    expect(laa).toContain(variation.body.requestId);
    const hmcts = page.$('#area-HMCTS').next('table').text();
    expect(hmcts).toContain('Exemption from the Offshoring Policy');
    expect(hmcts).toContain('Offshoring approval');
    expect(page.$('#area-MOJ_WIDE').next('table').text()).toContain('Process 1(c): approval from MoJ Commercial');

    const csv = await team.get('/governance-report.csv?year=2026');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain('governance-report-2026.csv');
    const lines = csv.html.trim().split('\r\n');
    expect(lines[0]).toBe('"Period","Business area","Business area name","Kind","Reference","Summary","Date","Status"');
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^"Calendar year 2026","LAA","Legal Aid Agency","Variation agreed by the Accounting Officer","${variation.body.requestId}",`),
      ),
    );
    expect(lines.filter((l) => l.startsWith('"Calendar year 2026","HMCTS",') && l.includes('"Offshoring approval"')).length).toBeGreaterThan(0);
    const viaParameter = await team.get('/governance-report?year=2026&format=csv');
    expect(viaParameter.html).toBe(csv.html);

    expect((await team.get('/governance-report.csv?year=2025')).html.trim().split('\r\n')).toHaveLength(1);
    expect((await team.get('/governance-report?year=twenty')).status).toBe(400);
    const owner = await signedIn(h.stack, { email: OWNER });
    expect((await owner.get('/governance-report?year=2026')).status).toBe(403);
    expect((await owner.get('/governance-report.csv?year=2026')).status).toBe(403);
    expect((await owner.get('/governance-report')).status).toBe(403);
  });

  it('is for the financial year the clock is in unless a period is asked for, names it in the CSV file and its first column, and offers the others', async () => {
    const team = await signedIn(h.stack, TEAM);
    // The clock is 23 November 2026: financial year 2026 to 2027.
    const page = await team.get('/governance-report');
    expect(page.status).toBe(200);
    expect(page.$('h1').text()).toBe('Governance report: Financial year 2026 to 2027');
    expect(page.$('main').text()).toContain('1 April 2026 to 31 March 2027');
    expect(page.$('a[download]').attr('href')).toBe('/governance-report.csv?period=FY2026-27');
    expect(page.$('strong[aria-current="page"]').text()).toBe('Financial year 2026 to 2027');
    const offered = page
      .$('ul[aria-label="Periods"] a')
      .map((_, a) => page.$(a).attr('href'))
      .get();
    expect(offered).toEqual(
      expect.arrayContaining(['/governance-report?period=FY2025-26', '/governance-report?year=2026', '/governance-report?year=2025']),
    );
    expect((await team.get('/governance-report?period=FY2026-27')).$('main').html()).toBe(page.$('main').html());

    const csv = await team.get('/governance-report.csv?period=FY2026-27');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toContain('governance-report-FY2026-27.csv');
    const rows = csv.html.trim().split('\r\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((l) => l.startsWith('"Financial year 2026 to 2027",'))).toBe(true);
    // Everything here happened in November 2026: nothing in the financial year before.
    expect((await team.get('/governance-report.csv?period=FY2025-26')).html.trim().split('\r\n')).toHaveLength(1);
  });

  it('refuses a period or year it cannot read with 400 naming the field', async () => {
    const team = await signedIn(h.stack, TEAM);
    for (const [query, path] of [
      ['period=FY2026-28', 'period'],
      ['period=2026', 'period'],
      ['period=FY1999-00', 'period'],
      ['period=FY2026-27&year=2026', 'period'],
      ['year=twenty', 'year'],
      ['quarter=2', ''],
    ] as const) {
      for (const at of ['/governance-report', '/governance-report.csv']) {
        const res = await team.get(`${at}?${query}`);
        expect(res.status, `${at}?${query}`).toBe(400);
        expect(res.$('.govuk-list--bullet li').first().text(), `${at}?${query}`).toMatch(path ? new RegExp(`^${path}: `) : /\S/);
      }
    }
  });

  it('reports each area’s existing contracts listed as non-compliant and its requests rejected, under the area', async () => {
    const rejected = await rejectedRequest(h);
    const res = await h.submit({
      ...singleAreaRequest(),
      serviceName: 'Legacy transcription contract',
      changeType: 'EXISTING',
      existingContract: {
        criticality: 'HIGH',
        endOrBreakDate: '2028-03-31',
        variationsRequired: 'A data processing schedule naming the Indian facility',
        variationCost: 'About £12,000 in legal fees',
        actionPlanDate: '2027-09-30',
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { requestId: existingRequest, register } = res.body;
    const [first] = await approverLinks(h, existingRequest);
    expect((await decideRequest(h, first!, 'REJECT', 'The Indian facility has no DPA')).status).toBe(200);
    await untilStatus(h, existingRequest, 'REJECTED');
    await h.eventually(async () => (await h.api(`/services/${register.serviceId}`)).body.compliance === 'NON_COMPLIANT', 'listed as non-compliant');

    const team = await signedIn(h.stack, TEAM);
    const page = await team.get('/governance-report?period=FY2026-27');
    const hmcts = page.$('#area-HMCTS').next('table');
    const rowOf = (reference: string, kind: string) =>
      hmcts
        .find('tr')
        .filter((_, tr) => page.$(tr).text().includes(reference) && page.$(tr).text().includes(kind))
        .map((_, tr) =>
          page
            .$(tr)
            .find('td')
            .map((__, td) => page.$(td).text().trim())
            .get()
            .join(' | '),
        )
        .get();
    expect(rowOf(register.serviceId, 'non-compliant')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Existing contract listed as non-compliant \\| ${register.serviceId} \\| Legacy transcription contract, .* \\| 23 November 2026 \\| Non-compliant: action plan by 2027-09-30$`,
        ),
      ),
    ]);
    expect(rowOf(rejected, 'rejected')).toEqual([
      expect.stringMatching(new RegExp(`^Offshoring request rejected or closed \\| ${rejected} \\| .* \\| 23 November 2026 \\| Rejected$`)),
    ]);
    expect(rowOf(existingRequest, 'rejected')).toHaveLength(1);
    const headings = page
      .$('table')
      .first()
      .find('thead th')
      .map((_, th) => page.$(th).text().trim())
      .get();
    expect(headings).toEqual([
      'Business area',
      'Variations',
      'Exemptions',
      'Incidents',
      'Approvals',
      'Non-compliant contracts',
      'Rejected or closed',
    ]);
    const hmctsCounts = page
      .$('table')
      .first()
      .find('tbody tr')
      .filter((_, tr) => page.$(tr).find('th').text().includes('Courts'))
      .find('td')
      .map((_, td) => Number(page.$(td).text()))
      .get();
    expect(hmctsCounts.slice(4)).toEqual([1, 2]);
    const csv = (await team.get('/governance-report.csv?period=FY2026-27')).html;
    expect(csv).toContain(`"Existing contract listed as non-compliant","${register.serviceId}"`);
    expect(csv).toContain(`"Offshoring request rejected or closed","${rejected}"`);
  });

  it('lets an area’s Accounting Officer and Departmental Head read their own area’s report, page and CSV, and offers it to them alone', async () => {
    const laaOfficer = await signedIn(h.stack, { email: directory.businessAreas.LAA!.accountingOfficer!.email.toUpperCase() });
    const page = await laaOfficer.get('/governance-report?year=2026');
    expect(page.status).toBe(200);
    expect(
      page
        .$('h2[id^="area-"]')
        .map((_, e) => page.$(e).attr('id'))
        .get(),
    ).toEqual(['area-LAA']);
    expect(page.$('.govuk-service-navigation a[href="/governance-report"]')).toHaveLength(1);
    const csv = await laaOfficer.get('/governance-report.csv?year=2026');
    expect(csv.status).toBe(200);
    const rows = csv.html.trim().split('\r\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((l) => l.startsWith('"Calendar year 2026","LAA",'))).toBe(true);

    const hmctsHead = await signedIn(h.stack, { email: directory.businessAreas.HMCTS!.departmentalHead.email });
    const theirs = await hmctsHead.get('/governance-report');
    expect(theirs.status).toBe(200);
    expect(
      theirs
        .$('h2[id^="area-"]')
        .map((_, e) => theirs.$(e).attr('id'))
        .get(),
    ).toEqual(['area-HMCTS']);
    expect(theirs.$('#area-HMCTS').next('table').text()).toContain('Offshoring approval');

    const owner = await signedIn(h.stack, { email: OWNER });
    const ownPage = await owner.get('/exemptions');
    expect(ownPage.$('.govuk-service-navigation a[href="/governance-report"]')).toHaveLength(0);
    expect((await owner.get('/governance-report.csv')).status).toBe(403);
  });
});

describe('continual monitoring of an exemption’s workflow', () => {
  it('marks an exemption whose execution died as ERROR, and takes a running one for what it is, not an orphan', async () => {
    const stuck = (await ask(exemption({ policyClause: 'Stuck exemption' }))).body.requestId as string;
    const running = (await ask(exemption({ policyClause: 'Running exemption' }))).body.requestId as string;
    await approverEmails(stuck, 2);
    await approverEmails(running, 2);
    await h.stack.stepFunctions.stopExecution({ executionArn: executionArn(h.stack.stateMachineArn, executionName(stuck, 1)) });
    now = T0 + DAY;
    const reconciliation = (await runMonitoring(h.stack.runtime)).checks!.find((c) => c.check === 'reconciliation')!;
    expect(reconciliation.items.filter((i) => i.kind === 'STUCK_REQUEST')).toEqual([
      expect.objectContaining({ id: stuck, link: expect.stringMatching(new RegExp(`/exemptions/${stuck}$`)) }),
    ]);
    expect(reconciliation.items.filter((i) => i.kind === 'ORPHAN_EXECUTION')).toEqual([]);
    expect((await h.stack.runtime.store.getCase(stuck))?.status).toBe('ERROR');
    expect((await h.stack.runtime.store.getCase(running))?.status).toBe('PENDING_APPROVAL');
    // A week on, the running one's reminder (on the workflow's own timer) has not happened: reported, linked to its page.
    now = T0 + 8 * DAY;
    const missed = (await runMonitoring(h.stack.runtime)).checks!.find((c) => c.check === 'missedChases')!;
    const mine = missed.items.filter((i) => i.details?.requestId === running);
    expect(mine).toHaveLength(2);
    for (const item of mine) expect(item.link).toMatch(new RegExp(`/exemptions/${running}$`));
    // Only exemptions still waiting are looked at again.
    expect((await h.stack.runtime.store.openExemptions()).exemptions.map((e) => e.requestId)).not.toContain(stuck);
  });
});

describe('an approved exemption ends', () => {
  it('is reported by monitoring as ending soon, then as ended, and listed as ended', async () => {
    // The first describe's exemption (for a service, both approved) ends on 30 June 2027.
    const [approved] = (await h.stack.runtime.store.exemptionsEndingBetween('2027-06-30', '2027-06-30')).exemptions;
    expect(approved).toBeDefined();
    now = Date.parse('2027-06-10T06:00:00Z');
    const soon = exemptionsCheck(await runMonitoring(h.stack.runtime));
    expect(soon.items).toContainEqual(expect.objectContaining({ kind: 'EXEMPTION_EXPIRING', id: approved!.requestId }));
    now = Date.parse('2027-07-01T06:00:00Z');
    const ended = exemptionsCheck(await runMonitoring(h.stack.runtime));
    expect(ended.items).toContainEqual(expect.objectContaining({ kind: 'EXEMPTION_EXPIRED', id: approved!.requestId }));
    const team = await signedIn(h.stack, TEAM);
    const list = await team.get('/exemptions');
    const endedTable = list.$('h2:contains("Ended")').next('table').text();
    expect(endedTable).toContain(approved!.requestId);
    const inForce = list.$('h2:contains("In force")').next('table').text();
    expect(inForce).not.toContain(approved!.requestId);
    now = Date.parse('2027-09-01T06:00:00Z');
    expect(exemptionsCheck(await runMonitoring(h.stack.runtime)).items.map((i) => i.id)).not.toContain(approved!.requestId);
  });
});

describe('a restart of local mode', () => {
  it('resumes an exemption’s round, whose links still work and whose approval still concludes it', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'offshore-exemption-restart-'));
    let second: Harness | undefined;
    try {
      const first = await startHarness({ dataDir });
      let requestId: string;
      let asked: Email[];
      try {
        const res = await first.api('/exemptions', json(exemption()), OWNER);
        expect(res.status, res.text).toBe(201);
        requestId = res.body.requestId;
        asked = await first.eventually(async () => {
          const mine = (await first.emails(`(${requestId})`)).filter((e) => e.subject.startsWith('Exemption approval needed'));
          return mine.length === 2 && mine;
        }, 'two approver emails');
        await first.eventually(async () => {
          const view = await first.stack.runtime.store.getCaseView(requestId);
          return view!.audit.filter((e) => e.type === 'EMAIL_SENT' && String(e.details.key).startsWith('REQUEST:')).length === 2;
        }, 'two EMAIL_SENT events');
      } finally {
        await first.close();
      }
      second = await startHarness({ dataDir });
      const on = second;
      expect(await resumeOpenRounds(on.stack)).toEqual([requestId]);
      for (const email of asked) {
        const { approvalId, token } = linkIn(email);
        expect((await on.api(`/approvals/${approvalId}`, form({ token, decision: 'APPROVE' }))).status).toBe(200);
      }
      await on.eventually(async () => (await on.stack.runtime.store.getCase(requestId))?.status === 'APPROVED', 'the exemption approved');
    } finally {
      await second?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('an exemption nobody decides', () => {
  it('reminds each approver, chases through their escalation contacts and the requester once, then lapses and is rejected', async () => {
    const quick = await startHarness({ runtime: { approvalWaits: { reminderAfterSeconds: 1, chaseAfterSeconds: 2, lapseAfterSeconds: 3 } } });
    try {
      const res = await quick.api('/exemptions', json(exemption()), OWNER);
      expect(res.status, res.text).toBe(201);
      const { requestId } = res.body;
      const rejected = await quick.eventually(
        async () => (await quick.emails(`(${requestId})`)).find((e) => e.subject.startsWith('Exemption rejected')),
        'the rejection email',
        20_000,
      );
      expect(rejected.body.text).toContain('did not decide in time');
      const mail = await quick.emails(`(${requestId})`);
      const to = (prefix: string) =>
        mail
          .filter((e) => e.subject.startsWith(prefix))
          .map((e) => recipients(e).join())
          .sort();
      expect(to('Reminder: Exemption approval needed')).toEqual([CISO, SSA].sort());
      expect(to('Chase: no decision from')).toEqual(
        [directory.roles.CISO.escalationContact.email, directory.roles.SSA.escalationContact.email].sort(),
      );
      expect(to('Chase: 2 approvers have not decided')).toEqual([OWNER]);
      expect((await quick.stack.runtime.store.getCase(requestId))?.status).toBe('REJECTED');
    } finally {
      await quick.close();
    }
  }, 30_000);
});
