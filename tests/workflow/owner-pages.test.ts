import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { errorSummary, signedIn, type PageResponse, type PageVisitor } from './pages.ts';
import { OTHER_OWNER, OWNER, approvedService, approverLinks, decide, rejectedRequest, submit } from './journeys.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Service owners' pages, driven as a browser without JavaScript drives them: form posts with the
 * session's CSRF token, redirects read from the Location header.
 */

let h: Harness;
let owner: PageVisitor;
beforeAll(async () => {
  h = await startHarness();
  owner = await signedIn(h.stack, { email: OWNER, name: 'Priya Shah' });
});
afterAll(() => h?.close());

const fixture = singleAreaRequest();

/** The request form filled in as the fixture's owner would, in the form's own field names. */
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

/** The page's visible words: never an enum code or an ISO timestamp. */
function expectWordsNotCodes(page: PageResponse) {
  const text = page.$('main').text();
  expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  expect(text).not.toMatch(/PENDING_APPROVAL|BUSINESS_AREA_SIRO|MOJ_SIRO|REQUEST_SUBMITTED|APPROVAL_REQUESTED|\bPENDING\b|\bREJECTED\b|\bAPPROVED\b/);
}

const hidden = (page: PageResponse, name: string) => page.$(`input[type=hidden][name="${name}"]`).attr('value') ?? '';

/** Form → check answers → submit: the new request's id. */
async function submitThroughPages(visitor: PageVisitor, change: Record<string, unknown> = {}): Promise<string> {
  const form = await visitor.get('/offshoring-requests/new');
  const checkPage = await visitor.post('/offshoring-requests/new', { ...filledForm(change), formId: hidden(form, 'formId') });
  expect(checkPage.status).toBe(200);
  const sent = await visitor.post('/offshoring-requests/new/check', { formId: hidden(checkPage, 'formId'), answers: hidden(checkPage, 'answers') });
  expect(sent.status).toBe(303);
  const match = /^\/offshoring-requests\/([^/]+)\/confirmation$/.exec(sent.location ?? '');
  expect(match).not.toBeNull();
  return match![1]!;
}

describe('signing in', () => {
  it('sends someone not signed in to sign in, and back to the page after', async () => {
    const stranger = await signedIn(h.stack, null);
    for (const path of ['/your-requests', '/offshoring-requests/new', '/offshoring-requests/OFF-ANY/withdraw']) {
      const res = await stranger.get(path);
      expect(res.status).toBe(303);
      expect(res.location).toBe(`/sign-in?returnTo=${encodeURIComponent(path)}`);
    }
  });
});

describe('asking for approval', () => {
  it('shows every problem of an empty form in the error summary, each linked to its field, and inline', async () => {
    const form = await owner.get('/offshoring-requests/new');
    expect(form.status).toBe(200);
    // The owner is the signed-in person, prefilled.
    expect(form.$('#serviceOwner-email').val()).toBe(OWNER);
    expect(form.$('#serviceOwner-name').val()).toBe('Priya Shah');

    const page = await owner.post('/offshoring-requests/new', { formId: hidden(form, 'formId'), serviceOwner: { name: '', email: '' } });
    expect(page.status).toBe(400);
    expect(page.$('title').text()).toMatch(/^Error: /);
    const errors = errorSummary(page.$);
    expect(errors.map((e) => e.href)).toEqual([
      '#serviceName',
      '#supplierName',
      '#description',
      '#changeType',
      '#businessCriticality',
      '#businessAreas',
      '#dataClassification',
      '#dataCategories',
      '#offshoreLocations-0-country',
      '#offshoreLocations-0-activities',
      '#plannedStartDate-day',
      '#serviceOwner-name',
      '#serviceOwner-email',
      '#contractManager-name',
      '#mitigations',
    ]);
    for (const { href, text } of errors) {
      // The link's target exists, and the field shows the same message inline.
      expect(page.$(href).length, href).toBe(1);
      expect(page.$('.govuk-error-message').text()).toContain(text);
    }
    expect(page.$('.govuk-error-summary').attr('data-module')).toBe('govuk-error-summary');
    expectWordsNotCodes(page);
  });

  it('keeps what was typed when the form is refused', async () => {
    const page = await owner.post('/offshoring-requests/new', filledForm({ serviceName: '', supplierName: 'Kept Ltd' }));
    expect(errorSummary(page.$)).toEqual([{ text: 'Service name must not be empty', href: '#serviceName' }]);
    expect(page.$('#supplierName').val()).toBe('Kept Ltd');
    expect(page.$('#offshoreLocations-0-country').val()).toBe('IN');
    expect(page.$('input[name="offshoreLocations[0][activities]"][value=ACCESS]').is(':checked')).toBe(true);
    expect(page.$('#mitigations').val()).toBe(fixture.mitigations!.join('\n'));
  });

  it('adds another location without JavaScript, keeping what was typed', async () => {
    const page = await owner.post('/offshoring-requests/new', { ...filledForm(), 'offshoreLocations-add-another': 'add-another-location' });
    expect(page.status).toBe(200);
    expect(errorSummary(page.$)).toEqual([]);
    expect(page.$('#offshoreLocations-0-country').val()).toBe('IN');
    expect(page.$('select[name="offshoreLocations[1][country]"]').length).toBe(1);
    expect(page.$('#serviceName').val()).toBe(fixture.serviceName);
  });

  it('checks the answers, submits once however often it is sent, and confirms with the reference and approvers in words', async () => {
    const form = await owner.get('/offshoring-requests/new');
    const check = await owner.post('/offshoring-requests/new', { ...filledForm(), formId: hidden(form, 'formId') });
    expect(check.$('h1').text()).toContain('Check your answers');
    expect(check.$('.govuk-summary-list__value').text()).toContain('India: Processing, Access to the data');
    // "Change your answers" brings them back into the form, with the same form id; nothing of them is in an address.
    expect(check.$('a[href*="serviceName"], a[href*="draft"]').length).toBe(0);
    const change = await owner.post('/offshoring-requests/new', { formId: hidden(check, 'formId'), answers: hidden(check, 'answers') });
    expect(change.$('#serviceName').val()).toBe(fixture.serviceName);
    expect(change.$('#plannedStartDate-day').val()).toBe('1');
    expect(change.$('input[name="offshoreLocations[0][activities]"][value=ACCESS]').is(':checked')).toBe(true);
    expect(hidden(change, 'formId')).toBe(hidden(check, 'formId'));
    expect(errorSummary(change.$)).toEqual([]);

    const fields = { formId: hidden(check, 'formId'), answers: hidden(check, 'answers') };
    const [first, second] = await Promise.all([
      owner.post('/offshoring-requests/new/check', fields),
      owner.post('/offshoring-requests/new/check', fields),
    ]);
    expect(first.status).toBe(303);
    expect(second.location).toBe(first.location);
    const requestId = /\/offshoring-requests\/([^/]+)\/confirmation/.exec(first.location!)![1]!;

    const confirmation = await owner.get(first.location!);
    expect(confirmation.status).toBe(200);
    expect(confirmation.$('.govuk-panel').text()).toContain(requestId);
    expect(confirmation.$('main').text()).toContain('MoJ Data Protection Officer (DPO): ');
    expect(confirmation.$('main').text()).toContain('(UK time)');
    expectWordsNotCodes(confirmation);

    // The JSON API shows the request as it would have stored it from the same body.
    const stored = await h.status(requestId);
    expect(stored.request).toEqual({ ...fixture });
    expect(stored.status).toBe('PENDING_APPROVAL');
    const mine = await h.api('/requests', {}, OWNER);
    expect(mine.body.requests.filter((r: { requestId: string }) => r.requestId === requestId)).toHaveLength(1);
  });

  it('asks how critical the service is and who owns its information risk, shows both to check, and stores them', async () => {
    const form = await owner.get('/offshoring-requests/new');
    expect(
      form
        .$('input[type=radio][name="businessCriticality"]')
        .map((_, r) => form.$(r).attr('value'))
        .get(),
    ).toEqual(['LOW', 'MEDIUM', 'HIGH']);
    expect(form.$('#informationAssetOwner-name').length).toBe(1);
    expect(form.$('#informationAssetOwner-email').attr('type')).toBe('email');
    expect(form.$('main').text()).toContain('Leave blank if you, the service owner, own it');

    // Left blank, the service owner is the Information Asset Owner.
    const plain = await owner.post('/offshoring-requests/new', { ...filledForm(), formId: hidden(form, 'formId') });
    const row = (page: PageResponse, key: string) =>
      page
        .$('.govuk-summary-list__row')
        .filter((_, el) => page.$(el).find('dt').text().trim() === key)
        .find('dd')
        .text()
        .trim();
    expect(row(plain, 'How critical the service is to the MoJ')).toBe('High: MoJ services depend on it');
    expect(row(plain, 'Information Asset Owner')).toBe('The service owner');

    const iao = { name: 'Grace Okafor', email: 'grace.okafor@justice.gov.uk' };
    const check = await owner.post('/offshoring-requests/new', {
      ...filledForm({ businessCriticality: 'LOW', informationAssetOwner: iao, serviceName: 'Owned risk' }),
      formId: hidden(form, 'formId'),
    });
    expect(row(check, 'How critical the service is to the MoJ')).toBe('Low: the MoJ could do without it for a while');
    expect(row(check, 'Information Asset Owner')).toBe('Grace Okafor, grace.okafor@justice.gov.uk');
    const change = await owner.post('/offshoring-requests/new', { formId: hidden(check, 'formId'), answers: hidden(check, 'answers') });
    expect(change.$('input[name="businessCriticality"][value=LOW]').is(':checked')).toBe(true);
    expect(change.$('#informationAssetOwner-email').val()).toBe(iao.email);
    const sent = await owner.post('/offshoring-requests/new/check', { formId: hidden(check, 'formId'), answers: hidden(check, 'answers') });
    expect(sent.status).toBe(303);
    const requestId = /\/offshoring-requests\/([^/]+)\/confirmation/.exec(sent.location!)![1]!;
    expect((await h.status(requestId)).request).toMatchObject({ businessCriticality: 'LOW', informationAssetOwner: iao });
    const page = await owner.get(`/offshoring-requests/${requestId}`);
    expect(row(page, 'How critical the service is to the MoJ')).toBe('Low: the MoJ could do without it for a while');
    expect(row(page, 'Information Asset Owner')).toBe('Grace Okafor, grace.okafor@justice.gov.uk');

    const refused = await owner.post(
      '/offshoring-requests/new',
      filledForm({ businessCriticality: 'VITAL', informationAssetOwner: { name: 'Grace', email: '' } }),
    );
    expect(errorSummary(refused.$)).toEqual([
      { text: 'How critical the service is to the MoJ must be chosen from the options given', href: '#businessCriticality' },
      { text: "Information Asset Owner's email address must be an email address", href: '#informationAssetOwner-email' },
    ]);
  });

  it('offers the owner’s own registered services for a change, and shows what the change alters', async () => {
    const { serviceId } = await approvedService(h);
    const form = await owner.get('/offshoring-requests/new');
    expect(form.$(`select#serviceId option[value="${serviceId}"]`).text()).toContain(fixture.serviceName);
    const requestId = await submitThroughPages(owner, {
      changeType: 'CHANGE',
      serviceId,
      offshoreLocations: [{ country: 'IN', activities: ['PROCESSING', 'ACCESS', 'SUPPORT'] }],
    });
    expect((await h.status(requestId)).request.serviceId).toBe(serviceId);
    const page = await owner.get(`/offshoring-requests/${requestId}`);
    expect(page.$('main').text()).toContain(`What this change alters in ${serviceId}`);
    expect(page.$('main').text()).toContain('Offshore locations and activities');

    // Another owner cannot name it: said on the form, against the field.
    const other = await signedIn(h.stack, { email: OTHER_OWNER });
    const refused = await other.post(
      '/offshoring-requests/new',
      filledForm({ changeType: 'CHANGE', serviceId, serviceOwner: { name: 'Alex Morgan', email: OTHER_OWNER } }),
    );
    expect(errorSummary(refused.$)).toEqual([{ text: 'Service being changed must be a service you own', href: '#serviceId' }]);
  });

  it('refuses a form posted without the CSRF token, and stores nothing', async () => {
    const form = await owner.get('/offshoring-requests/new');
    const check = await owner.post('/offshoring-requests/new', { ...filledForm({ serviceName: 'Never stored' }), formId: hidden(form, 'formId') });
    const before = (await h.api('/requests', {}, OWNER)).body.requests.length;
    const res = await owner.post('/offshoring-requests/new/check', { _csrf: '', formId: hidden(check, 'formId'), answers: hidden(check, 'answers') });
    expect(res.status).toBe(403);
    const after = (await h.api('/requests', {}, OWNER)).body.requests;
    expect(after).toHaveLength(before);
    expect(after.some((r: { serviceName: string }) => r.serviceName === 'Never stored')).toBe(false);
  });
});

describe('your requests and a request page', () => {
  it('lists the owner’s requests with status, who is still to decide and the next deadline, in words', async () => {
    const requestId = await submit(h);
    const page = await owner.get('/your-requests');
    expect(page.status).toBe(200);
    const card = page.$('.govuk-summary-card').filter((_, el) => page.$(el).text().includes(requestId));
    expect(card.length).toBe(1);
    expect(card.text()).toContain('Waiting for approval');
    expect(card.text()).toContain('MoJ Data Protection Officer (DPO)');
    expect(card.text()).toContain('Agency or Departmental Senior Information Risk Officer (SIRO), HM Courts & Tribunals Service');
    expect(card.text()).toContain('(UK time)');
    expectWordsNotCodes(page);
  });

  it('shows an empty list with the way to ask for approval', async () => {
    const newcomer = await signedIn(h.stack, { email: 'new.owner@justice.gov.uk' });
    const page = await newcomer.get('/your-requests');
    expect(page.$('main').text()).toContain('You have not asked for approval');
    expect(page.$('a.govuk-button').attr('href')).toBe('/offshoring-requests/new');
  });

  it('shows approvers, decisions and the history in words, never codes', async () => {
    const requestId = await submit(h);
    const [first] = await approverLinks(h, requestId);
    expect((await decide(h, first!, 'APPROVE')).status).toBe(200);
    const page = await h.eventually(async () => {
      const p = await owner.get(`/offshoring-requests/${requestId}`);
      return p.$('main').text().includes('Approved') && p;
    }, 'the decision on the page');
    expect(page.status).toBe(200);
    const main = page.$('main').text();
    expect(main).toContain('Waiting for approval');
    expect(main).toContain('MoJ Commercial');
    expect(main).toContain('(UK time)');
    expect(page.$('.moj-timeline__title').text()).toContain('Request submitted');
    expect(page.$('.moj-timeline__title').text()).toMatch(/(approved|asked to decide)/);
    expect(page.$('a[href$="/withdraw"]').length).toBe(1);
    expect(page.$('a[href$="/resubmit"]').length).toBe(0);
    expectWordsNotCodes(page);
  });

  it('refuses another owner’s request, and lets the security team read any', async () => {
    const requestId = await submit(h);
    const other = await signedIn(h.stack, { email: OTHER_OWNER });
    for (const path of [`/offshoring-requests/${requestId}`, `/offshoring-requests/${requestId}/withdraw`]) {
      const res = await other.get(path);
      expect(res.status).toBe(403);
      expect(res.$('h1').text()).toContain('You cannot do this');
    }
    const security = await signedIn(h.stack, { email: 'sam.security@justice.gov.uk', securityTeam: true });
    const res = await security.get(`/offshoring-requests/${requestId}`);
    expect(res.status).toBe(200);
    // Reading is not owning: no owner's actions for the security team.
    expect(res.$('a[href$="/withdraw"]').length).toBe(0);
    expect((await owner.get('/offshoring-requests/OFF-NOSUCHREQ')).status).toBe(404);
  });
});

describe('after a rejection', () => {
  it('offers the three routes, and resubmitting through the prefilled form starts round 2', async () => {
    const requestId = await rejectedRequest(h);
    const page = await owner.get(`/offshoring-requests/${requestId}`);
    expect(page.$('main').text()).toContain('Rejected');
    expect(page.$('main').text()).toContain('Needs a DPIA first');
    for (const route of ['resubmit', 'mitigations', 'escalate']) {
      expect(page.$(`a[href="/offshoring-requests/${requestId}/${route}"]`).length, route).toBe(1);
    }
    expectWordsNotCodes(page);

    const form = await owner.get(`/offshoring-requests/${requestId}/resubmit`);
    expect(form.$('#serviceName').val()).toBe(fixture.serviceName);
    expect(form.$('#plannedStartDate-year').val()).toBe('2027');
    expect(form.$('input[name="offshoreLocations[0][activities]"][value=PROCESSING]').is(':checked')).toBe(true);

    const refused = await owner.post(`/offshoring-requests/${requestId}/resubmit`, filledForm({ description: '' }));
    expect(errorSummary(refused.$)).toEqual([{ text: 'Description must not be empty', href: '#description' }]);

    const done = await owner.post(`/offshoring-requests/${requestId}/resubmit`, filledForm({ description: 'Now with a DPIA' }));
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/offshoring-requests/${requestId}?done=resubmitted`);
    const stored = await h.status(requestId);
    expect(stored.round).toBe(2);
    expect(stored.status).toBe('PENDING_APPROVAL');
    expect(stored.request.description).toBe('Now with a DPIA');

    const after = await owner.get(done.location!);
    expect(after.$('.govuk-notification-banner--success').text()).toContain('Request resubmitted');
    expect(after.$('main').text()).toContain('Approval round 1');
    expect(after.$('main').text()).toContain('Plans adjusted and resubmitted');
    expectWordsNotCodes(after);

    // The rejection routes are closed now: a second try says what changed first.
    const again = await owner.post(`/offshoring-requests/${requestId}/resubmit`, filledForm());
    expect(again.status).toBe(409);
    expect(again.$('main').text()).toContain('Waiting for approval');
    expect(again.$('main').text()).toContain('Plans adjusted and resubmitted');
  });

  it('adds mitigations, and escalates with the case and what residual risk was rectified', async () => {
    const requestId = await rejectedRequest(h);
    const empty = await owner.post(`/offshoring-requests/${requestId}/mitigations`, { mitigations: '\n', replaceExisting: 'false' });
    expect(errorSummary(empty.$).map((e) => e.href)).toEqual(['#mitigations']);
    const added = await owner.post(`/offshoring-requests/${requestId}/mitigations`, { mitigations: 'A DPIA is done', replaceExisting: 'false' });
    expect(added.location).toBe(`/offshoring-requests/${requestId}?done=mitigations`);
    expect((await h.status(requestId)).request.mitigations).toEqual([...fixture.mitigations!, 'A DPIA is done']);

    const second = await rejectedRequest(h);
    const refused = await owner.post(`/offshoring-requests/${second}/escalate`, { caseForApproval: '' });
    expect(errorSummary(refused.$)).toEqual([
      { text: 'Your case for approval must not be empty', href: '#caseForApproval' },
      { text: 'What you rectified must not be empty', href: '#risksRectified' },
    ]);
    const escalated = await owner.post(`/offshoring-requests/${second}/escalate`, {
      caseForApproval: 'The courts cannot run without it',
      risksRectified: 'Audio now stays on MoJ virtual desktops',
    });
    expect(escalated.location).toBe(`/offshoring-requests/${second}?done=escalated`);
    const stored = await h.status(second);
    expect(stored.status).toBe('ESCALATED');
    expect(stored.audit.find((e: { type: string }) => e.type === 'ESCALATED_TO_DEPARTMENTAL_HEAD').details).toMatchObject({
      caseForApproval: 'The courts cannot run without it',
      risksRectified: 'Audio now stays on MoJ virtual desktops',
    });
  });

  it('withdraws with a reason', async () => {
    const requestId = await submitThroughPages(owner, { serviceName: 'Soon withdrawn' });
    await approverLinks(h, requestId);
    const form = await owner.get(`/offshoring-requests/${requestId}/withdraw`);
    expect(form.status).toBe(200);
    const refused = await owner.post(`/offshoring-requests/${requestId}/withdraw`, { reason: ' ' });
    expect(errorSummary(refused.$)).toEqual([{ text: 'Your reason must not be empty', href: '#reason' }]);
    // A form sent as anything but a form is refused before it is read.
    const asJson = await fetch(`${h.stack.apiUrl}/offshoring-requests/${requestId}/withdraw`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: owner.cookie, 'content-type': 'application/json' },
      body: `_csrf=${owner.csrf}&reason=x`,
    });
    expect(asJson.status).toBe(415);
    expect((await h.status(requestId)).status).toBe('PENDING_APPROVAL');
    const done = await owner.post(`/offshoring-requests/${requestId}/withdraw`, { reason: 'The contract was cancelled' });
    expect(done.location).toBe(`/offshoring-requests/${requestId}?done=withdrawn`);
    const stored = await h.status(requestId);
    expect(stored.status).toBe('WITHDRAWN');
    expect(stored.audit.find((e: { type: string }) => e.type === 'REQUEST_WITHDRAWN').details.reason).toBe('The contract was cancelled');
    const page = await owner.get(done.location!);
    expect(page.$('.govuk-notification-banner--success').text()).toContain('Request withdrawn');
    expect(page.$('main').text()).toContain('The contract was cancelled');
    // Withdrawn is the end: its form now says so.
    const again = await owner.get(`/offshoring-requests/${requestId}/withdraw`);
    expect(again.status).toBe(409);
    expect(again.$('main').text()).toContain('Withdrawn');
  });
});
