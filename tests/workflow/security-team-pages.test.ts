import type * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, SECURITY_TEAM, type Harness } from './harness.ts';
import { OTHER_OWNER, OWNER, approvedService, rejectedRequest, submit } from './journeys.ts';
import { errorSummary, signedIn, type PageVisitor } from './pages.ts';
import { multiAreaRequest } from '../fixtures/index.ts';
import { ukDate } from '../../functions/domain/words.ts';

/**
 * The security team's pages, signed in: requests in progress, the offshore service register and a
 * service's page with its review form, and continual monitoring with "run now". Only the security
 * team sees them; filters are GET forms; every date and status in words.
 */
let h: Harness;
let security: PageVisitor;
let owner: PageVisitor;
let service: { requestId: string; serviceId: string };
beforeAll(async () => {
  h = await startHarness();
  security = await signedIn(h.stack, { email: SECURITY_TEAM.email, name: SECURITY_TEAM.name, securityTeam: true });
  owner = await signedIn(h.stack, { email: OWNER });
  service = await approvedService(h);
}, 90_000);
afterAll(() => h?.close());

const words = ($: cheerio.CheerioAPI) => $('main').text().replace(/\s+/g, ' ');
const ISO_DATE = /\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}/;
const CODES =
  /\b(PENDING_APPROVAL|PENDING|APPROVED|REJECTED|ESCALATED|OVERDUE|DUE_SOON|HOSTING|SUPPORT|PROCESSING|ACCESS|PERSONAL|BUSINESS_AREA_SIRO|MOJ_SIRO|NEW|CHANGE)\b/;
/** The requests a list links to, by their ids. */
const requestLinks = ($: cheerio.CheerioAPI) =>
  $('main a[href^="/offshoring-requests/"]')
    .map((_, a) => $(a).attr('href')!.split('/').pop())
    .get();
const serviceLinks = ($: cheerio.CheerioAPI) =>
  $('main table a[href^="/register/"]')
    .map((_, a) => $(a).attr('href')!.split('/').pop())
    .get();

describe('only the security team', () => {
  it('sees these pages and acts on them: a service owner gets 403 on each, and nothing is recorded', async () => {
    const stranger = await signedIn(h.stack, { email: OTHER_OWNER });
    for (const path of ['/requests-in-progress', '/register', `/register/${service.serviceId}`, '/monitoring']) {
      const page = await stranger.get(path);
      expect(page.status, path).toBe(403);
      expect(page.$('h1').text()).toBe('You cannot do this');
    }
    // The service's own owner reads its entry (the review-due email links there), without the review form.
    const own = await owner.get(`/register/${service.serviceId}`);
    expect(own.status).toBe(200);
    expect(own.$('form textarea#notes').length).toBe(0);
    for (const path of ['/requests-in-progress', '/register', '/monitoring']) expect((await owner.get(path)).status, path).toBe(403);
    expect((await owner.post(`/register/${service.serviceId}/reviews`, { outcome: 'SATISFACTORY', notes: 'Looks fine to me' })).status).toBe(403);
    expect((await owner.post('/monitoring', { run: 'now' })).status).toBe(403);
    expect((await h.api(`/services/${service.serviceId}`)).body.version).toBe(1);
    expect((await h.api('/monitoring/runs')).body.runs).toEqual([]);
  });
});

describe('requests in progress', () => {
  it('lists open requests with who is still to decide and the next deadline, in words, and the filters narrow them', async () => {
    const single = await submit(h);
    const multi = await submit(h, multiAreaRequest() as Record<string, unknown>);
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const late = await submit(h, { plannedStartDate: soon });
    const rejected = await rejectedRequest(h);

    const all = await security.get('/requests-in-progress');
    expect(all.status).toBe(200);
    expect(requestLinks(all.$)).toEqual(expect.arrayContaining([single, multi, late, rejected]));
    expect(requestLinks(all.$)).not.toContain(service.requestId);
    const card = all.$(`.govuk-summary-card:has(a[href="/offshoring-requests/${multi}"])`);
    const facts = Object.fromEntries(
      card
        .find('.govuk-summary-list__row')
        .map((_, r) => [[all.$(r).find('dt').text().trim(), all.$(r).find('dd').text().replace(/\s+/g, ' ').trim()]])
        .get(),
    );
    expect(facts['Status']).toBe('Waiting for approval');
    expect(facts['Still to decide']).toContain('MoJ Senior Information Risk Officer (SIRO)');
    expect(facts['Next deadline']).toMatch(/^(?:\d{1,2}(?::\d{2})?[ap]m|midday|midnight) on \d{1,2} [A-Z][a-z]+ \d{4} \(UK time\)$/);
    expect(words(all.$)).not.toMatch(ISO_DATE);
    expect(words(all.$)).not.toMatch(CODES);
    // The filter is a GET form: it works without JavaScript and the list's address says what it shows.
    expect(all.$('form[method=get][action="/requests-in-progress"] select[name=businessArea]')).toHaveLength(1);

    const laa = await security.get('/requests-in-progress?businessArea=LAA');
    expect(requestLinks(laa.$)).toContain(multi);
    expect(requestLinks(laa.$)).not.toContain(single);
    expect(laa.$('select[name=businessArea] option[selected]').attr('value')).toBe('LAA');
    expect(laa.$('.moj-filter__tag').text()).toContain('LAA');

    const lateOnly = await security.get('/requests-in-progress?lateNotice=yes');
    expect(requestLinks(lateOnly.$)).toContain(late);
    expect(requestLinks(lateOnly.$)).not.toContain(single);
    expect(lateOnly.$(`.govuk-summary-card:has(a[href="/offshoring-requests/${late}"]) .govuk-tag`).text()).toContain('Late notice');

    const rejectedOnly = await security.get('/requests-in-progress?status=REJECTED');
    expect(requestLinks(rejectedOnly.$)).toEqual([rejected]);

    expect((await security.get('/requests-in-progress?status=NOT_A_STATUS')).status).toBe(400);
  });
});

describe('the offshore service register', () => {
  it('lists the services as a table the filters narrow, each linking to its page', async () => {
    const all = await security.get('/register');
    expect(all.status).toBe(200);
    expect(serviceLinks(all.$)).toContain(service.serviceId);
    const row = all.$(`tr:has(a[href="/register/${service.serviceId}"])`);
    expect(row.text()).toContain('India');
    expect(
      row
        .find('.govuk-tag')
        .map((_, tag) => all.$(tag).text().trim())
        .get(),
    ).toEqual(['Compliant', 'Review not due']);
    expect(words(all.$)).not.toMatch(ISO_DATE);
    expect(words(all.$)).not.toMatch(CODES);

    expect(serviceLinks((await security.get('/register?country=IN')).$)).toContain(service.serviceId);
    expect(serviceLinks((await security.get('/register?country=US')).$)).not.toContain(service.serviceId);
    expect(serviceLinks((await security.get('/register?businessArea=HMCTS')).$)).toContain(service.serviceId);
    expect(serviceLinks((await security.get('/register?businessArea=LAA')).$)).not.toContain(service.serviceId);
    expect(serviceLinks((await security.get('/register?reviewStatus=OK')).$)).toContain(service.serviceId);
    const overdue = await security.get('/register?reviewStatus=OVERDUE');
    expect(serviceLinks(overdue.$)).not.toContain(service.serviceId);
    expect(overdue.$('input[name=reviewStatus][value=OVERDUE]').attr('checked')).toBeDefined();
  });

  it("records a review through the service's form: errors in the summary, then a 303 back, a success banner and the review shown", async () => {
    const path = `/register/${service.serviceId}`;
    const before = await security.get(path);
    expect(before.status).toBe(200);
    expect(before.$('h1').text()).toBe('Court hearing transcription');
    expect(words(before.$)).not.toMatch(ISO_DATE);
    expect(words(before.$)).not.toMatch(CODES);
    expect(before.$(`form[method=post][action="${path}/reviews"] input[name=_csrf]`).attr('value')).toBe(security.csrf);

    const empty = await security.post(`${path}/reviews`, { notes: '  ' });
    expect(empty.status).toBe(400);
    expect(errorSummary(empty.$)).toEqual([
      { text: 'Outcome: choose whether the service is satisfactory or needs actions', href: '#outcome' },
      { text: 'Review notes: say what the review found', href: '#notes' },
    ]);
    expect(empty.$('#notes').is('textarea')).toBe(true);
    expect((await h.api(`/services/${service.serviceId}`)).body.version).toBe(1);

    const notes = 'Supplier controls checked; access logs reviewed';
    const recorded = await security.post(`${path}/reviews`, { outcome: 'SATISFACTORY', notes });
    expect(recorded.status).toBe(303);
    expect(recorded.location).toBe(`${path}?reviewed=yes`);
    const after = await security.get(recorded.location!);
    const api = (await h.api(`/services/${service.serviceId}`)).body;
    expect(api.version).toBe(2);
    expect(after.$('.govuk-notification-banner--success').text()).toContain(`Review recorded. The next review is due by ${ukDate(api.reviewDue)}.`);
    expect(after.$('#reviews').text()).toContain(notes);
    expect(after.$('table:contains("Version") tbody tr')).toHaveLength(2);
  });

  it('records a review needing actions through the form, shows the history with outcomes and actions, and a later satisfactory review closes them', async () => {
    const path = `/register/${service.serviceId}`;
    const next = String(h.stack.runtime.clock().getUTCFullYear() + 1);
    const blank = { what: '', dueBy: { day: '', month: '', year: '' } };
    const notes = 'Supplier access reviews are late';
    const version = async () => (await h.api(`/services/${service.serviceId}`)).body.version;
    const was = await version();

    // An action due by a date already past is refused on its own row; what was typed is kept.
    const past = await security.post(`${path}/reviews`, {
      outcome: 'ACTIONS_NEEDED',
      notes,
      actions: [blank, { what: 'Renew the ISO 27001 certificate', dueBy: { day: '1', month: '1', year: '2020' } }],
    });
    expect(past.status).toBe(400);
    expect(errorSummary(past.$)).toEqual([{ text: 'Action due by: must be today or later', href: '#actions-1-dueBy' }]);
    expect(past.$('#actions-1-what').val()).toBe('Renew the ISO 27001 certificate');
    expect(past.$('input[name=outcome][value=ACTIONS_NEEDED]').attr('checked')).toBeDefined();
    // Actions needed, and none named.
    const none = await security.post(`${path}/reviews`, { outcome: 'ACTIONS_NEEDED', notes, actions: [blank, blank, blank] });
    expect(none.status).toBe(400);
    expect(errorSummary(none.$)).toEqual([{ text: 'Actions: name at least one action, with the date it is due by', href: '#actions' }]);
    expect(await version()).toBe(was);

    const recorded = await security.post(`${path}/reviews`, {
      outcome: 'ACTIONS_NEEDED',
      notes,
      actions: [
        { what: 'Complete the quarterly access review', dueBy: { day: '31', month: '1', year: next } },
        blank,
        { what: 'Renew the ISO 27001 certificate', dueBy: { day: '1', month: '3', year: next } },
      ],
    });
    expect(recorded.status).toBe(303);
    const open = [
      { what: 'Complete the quarterly access review', dueBy: `${next}-01-31` },
      { what: 'Renew the ISO 27001 certificate', dueBy: `${next}-03-01` },
    ];
    expect((await h.api(`/services/${service.serviceId}`)).body.reviewActions).toEqual(open);
    const withActions = await security.get(recorded.location!);
    expect(words(withActions.$)).not.toMatch(ISO_DATE);
    const row = (page: typeof withActions, key: string) =>
      page
        .$('.govuk-summary-list__row')
        .filter((_, r) => page.$(r).find('dt').text().trim() === key)
        .find('dd')
        .text()
        .replace(/\s+/g, ' ')
        .trim();
    expect(row(withActions, 'Open actions from reviews')).toBe(
      `Complete the quarterly access review: due by 31 January ${next}; Renew the ISO 27001 certificate: due by 1 March ${next}`,
    );
    const newest = withActions.$('#reviews li.app-review').first();
    expect(newest.find('.govuk-tag').text().trim()).toBe('Actions needed');
    expect(newest.text()).toContain(notes);
    expect(
      newest
        .find('.app-review-actions li')
        .map((_, li) => withActions.$(li).text().trim())
        .get(),
    ).toEqual([`Complete the quarterly access review: due by 31 January ${next}`, `Renew the ISO 27001 certificate: due by 1 March ${next}`]);
    // The form starts from the open actions: a review needing actions restates what is still needed.
    expect(withActions.$('#actions-0-what').val()).toBe('Complete the quarterly access review');

    const closed = await security.post(`${path}/reviews`, {
      outcome: 'SATISFACTORY',
      notes: 'Access review done; certificate renewed',
      actions: [blank, blank],
    });
    expect(closed.status).toBe(303);
    expect((await h.api(`/services/${service.serviceId}`)).body.reviewActions).toBeUndefined();
    const after = await security.get(closed.location!);
    expect(row(after, 'Open actions from reviews')).toBe('None');
    expect(
      after
        .$('#reviews li.app-review .govuk-tag')
        .map((_, t) => after.$(t).text().trim())
        .get(),
    ).toEqual(['Satisfactory', 'Actions needed', 'Satisfactory']);
  });
});

describe('continual monitoring', () => {
  it('runs now from the page, 303 back with the result, and lists the run with its findings in words', async () => {
    const refused = await security.post('/monitoring', { date: '2020-01-01' });
    expect(refused.status).toBe(400);
    expect(errorSummary(refused.$)).toEqual([
      { text: 'Use the “Run today’s checks now” button: running the checks takes no options', href: '#run-now' },
    ]);
    expect((await h.api('/monitoring/runs')).body.runs).toEqual([]);

    const ran = await security.post('/monitoring', { run: 'now' });
    expect(ran.status).toBe(303);
    const { runs } = (await h.api('/monitoring/runs')).body;
    expect(runs).toHaveLength(1);
    expect(ran.location).toBe(`/monitoring?ran=${runs[0].date}`);
    const page = await security.get(ran.location!);
    expect(page.status).toBe(200);
    expect(page.$('.govuk-notification-banner--success').text()).toContain('Today’s checks ran');
    expect(page.$(`#run-${runs[0].date}`).text()).toBe(`Run for ${ukDate(runs[0].date)}`);
    expect(page.$('main h4').length).toBe(runs[0].checks.length);
    expect(words(page.$)).not.toMatch(ISO_DATE);
    expect(words(page.$)).not.toMatch(/\b(COMPLETED|RUNNING|OK|FAILED|SKIPPED)\b/);

    const again = await security.post('/monitoring', { run: 'now' });
    expect(again.location).toBe(`/monitoring?ran=${runs[0].date}&repeated=yes`);
    expect((await security.get(again.location!)).$('.govuk-notification-banner--success').text()).toContain('had already run');
    expect((await h.api('/monitoring/runs')).body.runs).toHaveLength(1);
  });
});
