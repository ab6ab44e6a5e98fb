import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, linkIn, startHarness, type Harness } from './harness.ts';
import { approverLinks, emailsOf, escalated, postJson, rejectedRequest, submit, type Link } from './journeys.ts';
import { errorSummary } from './pages.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * The approver's pages, as an approver uses them from the emailed link: the request in words,
 * the decision form (GOV.UK radios and the reason, required to reject), what is recorded, links that
 * no longer work, later rounds and the Departmental Head's page.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h?.close());

const open = async (link: Pick<Link, 'approvalId' | 'token'>) => {
  const res = await h.api(`/approvals/${encodeURIComponent(link.approvalId)}?token=${link.token}`);
  return { ...res, $: cheerio.load(res.text) };
};
const send = async (link: Pick<Link, 'approvalId' | 'token'>, fields: Record<string, string>) => {
  const res = await h.api(`/approvals/${encodeURIComponent(link.approvalId)}?token=${link.token}`, form(fields));
  return { ...res, $: cheerio.load(res.text) };
};
/** What a person reads: the page's text, without its markup or attributes. */
const words = ($: cheerio.CheerioAPI) => $('main').text().replace(/\s+/g, ' ');
const ISO_DATE = /\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}/;
/** Codes of the service's enums that must never reach a person (abbreviations such as "(CISO)" are the policy's words). */
const CODES =
  /\b(PENDING_APPROVAL|PENDING|APPROVED|REJECTED|LAPSED|CLOSED|ESCALATED|WITHDRAWN|HOSTING|SUPPORT|DEVELOPMENT|PROCESSING|ACCESS|COLLECTION|TRANSFER|PERSONAL|FINANCIAL|OTHER|NEW|CHANGE|EXISTING|BUSINESS_AREA_SIRO|MOJ_SIRO|DEPARTMENTAL_HEAD|APPROVE|REJECT)\b/;

describe("the approver's page", () => {
  it('shows collection and transfer offshore in words, on the page and in the email', async () => {
    const requestId = await submit(h, {
      offshoreLocations: [
        { country: 'PH', activities: ['COLLECTION'] },
        { country: 'IN', activities: ['TRANSFER', 'PROCESSING'] },
      ],
    });
    const where = 'Philippines: Collecting the data; India: Transferring the data, Processing';
    const [email] = await emailsOf(h, requestId, 'Offshoring approval needed', 1);
    expect(email!.body.text).toContain('Philippines: Collecting the data');
    expect(email!.body.text).toContain('India: Transferring the data, Processing');
    const [link] = await approverLinks(h, requestId);
    const { $ } = await open(link!);
    const row = $('.govuk-summary-list__row').filter((_, r) => $(r).find('dt').text().trim() === 'Where and what happens offshore');
    expect(row.find('dd').text().trim()).toBe(where);
    expect(words($)).not.toMatch(CODES);
  });

  it('shows the request in words, who else is asked, and the policy clause that makes them an approver', async () => {
    const requestId = await submit(h);
    const links = await approverLinks(h, requestId);
    const pages = await Promise.all(links.map(open));
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self' 'nonce-[^']+'/);
      const { $ } = page;
      const text = words($);
      expect(text).not.toMatch(ISO_DATE);
      expect(text).not.toMatch(CODES);
      expect($('h1').text()).toContain(`Approve or reject: ${singleAreaRequest().serviceName}`);
      const facts = Object.fromEntries(
        $('.govuk-summary-list__row')
          .map((_, r) => [[$(r).find('dt').text().trim(), $(r).find('dd').text().trim()]])
          .get(),
      );
      expect(facts['Planned start date']).toMatch(/^\d{1,2} [A-Z][a-z]+ \d{4}$/);
      expect(facts['Where and what happens offshore']).not.toBe('');
      expect(text).toMatch(/Decide by (?:\d{1,2}(?::\d{2})?[ap]m|midday|midnight) on \d{1,2} [A-Z][a-z]+ \d{4} \(UK time\)/);
      // The four others of the round, in words, each with its status as a tag.
      expect($('table:contains("Approver") tbody tr')).toHaveLength(4);
      expect($('table:contains("Approver") .govuk-tag').first().text().trim()).toBe('Waiting');
      // The radios, then the reason (required to reject), in the one form.
      expect(
        $('form input[type=radio][name=decision]')
          .map((_, i) => $(i).attr('value'))
          .get(),
      ).toEqual(['APPROVE', 'REJECT']);
      expect($('form textarea#reason[name=reason]')).toHaveLength(1);
      expect($('label[for=reason]').text().trim()).toBe('Your reason');
    }
    const reasons = pages.map((p) => p.$('.govuk-inset-text').text());
    // The single-area fixture: its SIRO under Process 1(a), the four others under 1(c).
    expect(reasons.filter((r) => r.includes('Offshoring Policy, Process 1(a)') && r.includes('Agency or Departmental SIRO'))).toHaveLength(1);
    expect(reasons.filter((r) => r.includes('Offshoring Policy, Process 1(c)') && r.includes('All projects additionally require'))).toHaveLength(4);
  });

  it('shows every approver how critical the service is and its Information Asset Owner, in words, never as one to ask', async () => {
    const factsOf = ($: cheerio.CheerioAPI) =>
      Object.fromEntries(
        $('.govuk-summary-list__row')
          .map((_, r) => [[$(r).find('dt').text().trim(), $(r).find('dd').text().trim()]])
          .get(),
      ) as Record<string, string>;
    const plain = await submit(h, { businessCriticality: 'MEDIUM' });
    for (const link of await approverLinks(h, plain)) {
      const { $ } = await open(link);
      expect(factsOf($)['Business criticality']).toBe('Medium: its loss would disrupt MoJ services');
      expect(factsOf($)['Information Asset Owner']).toBe('the service owner');
      expect(words($)).not.toMatch(/\bMEDIUM\b/);
    }
    const iao = { name: 'Grace Okafor', email: 'grace.okafor@justice.gov.uk' };
    const owned = await submit(h, { businessCriticality: 'HIGH', informationAssetOwner: iao });
    const links = await approverLinks(h, owned);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) {
      expect(link.to.toLowerCase()).not.toContain(iao.email);
      const { $ } = await open(link);
      expect(factsOf($)['Business criticality']).toBe('High: MoJ services depend on it');
      expect(factsOf($)['Information Asset Owner']).toBe('Grace Okafor (grace.okafor@justice.gov.uk)');
    }
  });

  it('refuses a rejection without a reason: 400, the error summary links to the reason, the choice is kept, nothing is recorded', async () => {
    const requestId = await submit(h);
    const [link] = await approverLinks(h, requestId);
    const page = await send(link!, { decision: 'REJECT', reason: '  ' });
    expect(page.status).toBe(400);
    expect(errorSummary(page.$)).toEqual([{ text: 'You must give a reason when you reject', href: '#reason' }]);
    expect(page.$('#reason').is('textarea')).toBe(true);
    expect(page.$('#reason').closest('.govuk-form-group--error').find('.govuk-error-message').text()).toContain(
      'You must give a reason when you reject',
    );
    expect(page.$('input[name=decision][value=REJECT]').attr('checked')).toBeDefined();
    expect(page.$('title').text()).toMatch(/^Error: /);

    const none = await send(link!, {});
    expect(none.status).toBe(400);
    expect(errorSummary(none.$)).toEqual([{ text: 'Choose whether you approve or reject', href: '#decision' }]);
    expect(none.$('#decision').attr('value')).toBe('APPROVE');

    const view = await h.status(requestId);
    expect(view.approvals.every((a: { status: string }) => a.status === 'PENDING')).toBe(true);
    expect(view.audit.filter((e: { type: string }) => e.type === 'APPROVAL_DECIDED')).toEqual([]);
  });

  it('records decisions and says what happens next; the used link, a closed one and a wrong one get pages in words with whom to contact', async () => {
    const requestId = await submit(h);
    const [approver, rejecter, bystander] = await approverLinks(h, requestId);
    const approved = await send(approver!, { decision: 'APPROVE', reason: 'Content with the controls' });
    expect(approved.status).toBe(200);
    expect(approved.$('.govuk-panel__title').text().trim()).toBe('Decision recorded: Approved');
    expect(words(approved.$)).toContain('What happens next');
    expect(words(approved.$)).not.toMatch(ISO_DATE);

    const rejected = await send(rejecter!, { decision: 'REJECT', reason: 'Needs a DPIA first' });
    expect(rejected.status).toBe(200);
    expect(rejected.$('.govuk-panel__title').text().trim()).toBe('Decision recorded: Rejected');
    expect(words(rejected.$)).toContain('The service owner is emailed your reason');

    const view = await h.status(requestId);
    const decided = Object.fromEntries(view.approvals.map((a: { approvalId: string; status: string; reason: string | null }) => [a.approvalId, a]));
    expect(decided[approver!.approvalId]).toMatchObject({ status: 'APPROVED', reason: 'Content with the controls' });
    expect(decided[rejecter!.approvalId]).toMatchObject({ status: 'REJECTED', reason: 'Needs a DPIA first' });

    const owner = singleAreaRequest().serviceOwner.email;
    const security = h.stack.runtime.directory.securityTeam.email;
    const used = await open(approver!);
    expect(used.status).toBe(409);
    expect(used.$('h1').text()).toBe('A decision was already recorded');
    expect(words(used.$)).toMatch(/recorded a decision at (?:\d{1,2}(?::\d{2})?[ap]m|midday|midnight) on .*: Approved\./);
    expect(words(used.$)).not.toMatch(ISO_DATE);
    expect(words(used.$)).not.toMatch(CODES);
    expect(used.$(`a[href="mailto:${owner}"]`)).toHaveLength(1);
    expect(used.$(`a[href="mailto:${security}"]`)).toHaveLength(1);

    const closed = await h.eventually(async () => {
      const page = await open(bystander!);
      return page.status === 410 && page;
    }, 'the bystander link to close');
    expect(closed.$('h1').text()).toBe('This decision is no longer needed');
    expect(words(closed.$)).toContain('status is now: Rejected');
    expect(words(closed.$)).not.toMatch(CODES);
    expect(closed.$(`a[href="mailto:${owner}"]`)).toHaveLength(1);
    expect(closed.$(`a[href="mailto:${security}"]`)).toHaveLength(1);

    const wrong = await open({ approvalId: bystander!.approvalId, token: approver!.token });
    expect(wrong.status).toBe(403);
    expect(wrong.$('h1').text()).toBe('This link does not work');
    // A refused token learns nothing about the request: only the security team to contact.
    expect(wrong.$(`a[href="mailto:${owner}"]`)).toHaveLength(0);
    expect(wrong.$(`a[href="mailto:${security}"]`)).toHaveLength(1);
  });
});

describe('later rounds', () => {
  it('show what changed since the round before, and the earlier decisions with their reasons', async () => {
    const requestId = await rejectedRequest(h);
    const adjusted = { ...singleAreaRequest(), supplierName: 'Southwind Transcription Ltd' };
    const resubmitted = await postJson(h, `/requests/${requestId}/resubmissions`, adjusted);
    expect(resubmitted.status).toBe(201);
    const round2 = (await emailsOf(h, requestId, 'Offshoring approval needed', 10)).filter((e) => e.body.text?.includes('(round 2)'));
    const page = await open(linkIn(round2[0]!));
    expect(page.status).toBe(200);
    const { $ } = page;
    expect($('h2:contains("What changed since round 1")')).toHaveLength(1);
    const change = $('table:contains("Before") tbody tr')
      .map((_, r) => [
        $(r)
          .children()
          .map((__, c) => $(c).text().trim())
          .get(),
      ])
      .get();
    expect(change).toContainEqual(['Supplier', singleAreaRequest().supplierName, 'Southwind Transcription Ltd']);
    const earlier = $('h2:contains("Decisions in earlier rounds") + table tbody tr');
    expect(earlier.text()).toContain('Needs a DPIA first');
    expect(earlier.find('.govuk-tag').text()).toContain('Rejected');
    expect(words($)).not.toMatch(ISO_DATE);
    expect(words($)).not.toMatch(CODES);

    // Round 2 rejected too; the owner adds a mitigation: round 3 shows it, and both rounds' reasons.
    const rejected = await send(linkIn(round2[1]!), { decision: 'REJECT', reason: 'Still no DPIA' });
    expect(rejected.status).toBe(200);
    await h.eventually(async () => (await h.status(requestId)).status === 'REJECTED', 'round 2 to be rejected');
    const mitigated = await postJson(h, `/requests/${requestId}/mitigations`, { mitigations: ['A DPIA is done before go-live'] });
    expect(mitigated.status).toBe(201);
    const round3 = (await emailsOf(h, requestId, 'Offshoring approval needed', 15)).filter((e) => e.body.text?.includes('(round 3)'));
    const third = await open(linkIn(round3[0]!));
    expect(third.status).toBe(200);
    expect(third.$('h2:contains("What changed since round 2") ~ p').first().text()).toBe('The service owner added these mitigations:');
    expect(third.$('h2:contains("What changed since round 2") ~ ul').first().text()).toContain('A DPIA is done before go-live');
    const reasons = third.$('h2:contains("Decisions in earlier rounds") + table tbody tr').text();
    expect(reasons).toContain('Needs a DPIA first');
    expect(reasons).toContain('Still no DPIA');
    expect(words(third.$)).not.toMatch(CODES);
  });

  it('show the Departmental Head each rejection (role and reason) and the service owner’s case', async () => {
    const requestId = await rejectedRequest(h);
    const head = await escalated(h, requestId);
    const page = await open(head);
    expect(page.status).toBe(200);
    const { $ } = page;
    expect($('h1').text()).toContain('Endorse or decline');
    const rejections = $('h2:contains("Why the request was rejected") + .govuk-summary-list .govuk-summary-list__row');
    expect(rejections).toHaveLength(1);
    expect(rejections.find('dt').text().trim()).toMatch(/SIRO|CISO|DPO|Commercial|Legal/);
    expect(rejections.find('dd').text()).toContain('Needs a DPIA first');
    expect(words($)).toContain('The courts cannot run without this supplier');
    // What was rectified, in the owner's words, right after the reasons it answers (Process 3(b)).
    const rectified = $('h2:contains("Why the request was rejected") ~ h2').first();
    expect(rectified.text()).toBe('Residual or inherent risk rectified before escalating');
    expect(rectified.nextAll('p').text()).toContain('Support access now through MoJ-managed virtual desktops only');
    expect(words($)).toContain('Offshoring Policy (Process 3)');
    expect(
      $('input[type=radio][name=decision]')
        .map((_, i) => $(i).next('label').text().trim())
        .get(),
    ).toEqual(['Endorse', 'Decline']);
    expect(words($)).not.toMatch(ISO_DATE);
    expect(words($)).not.toMatch(CODES);
  });
});
