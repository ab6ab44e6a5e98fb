import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIn, startHarness, type Harness } from './harness.ts';
import { OWNER, decide, emailsOf, postJson, rejectedRequest, untilStatus } from './journeys.ts';
import { signedIn, type PageVisitor } from './pages.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Offshoring Policy, Process 2: approvals "obtained and documented". Each round's request content is
 * kept beside its decisions, so a resubmission (Process 3(a)) or new mitigations (Process 3(c))
 * never overwrite what an earlier round's approvers decided on: the API and the request's page show
 * every round with its request and its decisions, and what each later round changed.
 */
let h: Harness;
let owner: PageVisitor;
let requestId: string;
let api: any;
/** A round 2 approver's page, as they opened it while round 2 ran. */
let round2Page: string;
const original = singleAreaRequest();
const adjusted = {
  ...singleAreaRequest(),
  supplierName: 'Southwind Transcription Ltd',
  offshoreLocations: [{ country: 'IE', activities: ['PROCESSING'] }],
};
const round2Reason = 'Still no DPIA for the Irish processing';

beforeAll(async () => {
  h = await startHarness();
  owner = await signedIn(h.stack, { email: OWNER });
  // Round 1 rejected; the owner adjusts the plans (round 2), which is rejected too; then adds a mitigation (round 3).
  requestId = await rejectedRequest(h);
  const resubmitted = await postJson(h, `/requests/${requestId}/resubmissions`, adjusted);
  expect(resubmitted.status, resubmitted.text).toBe(201);
  const round2 = (await emailsOf(h, requestId, 'Offshoring approval needed', 10)).filter((e) => e.body.text?.includes('(round 2)'));
  const seen = linkIn(round2[1]!);
  round2Page = (await h.api(`/approvals/${encodeURIComponent(seen.approvalId)}?token=${seen.token}`)).text;
  expect((await decide(h, linkIn(round2[0]!), 'REJECT', round2Reason)).status).toBe(200);
  await untilStatus(h, requestId, 'REJECTED');
  const mitigated = await postJson(h, `/requests/${requestId}/mitigations`, { mitigations: ['A DPIA is done before go-live'] });
  expect(mitigated.status, mitigated.text).toBe(201);
  api = await h.status(requestId);
}, 120_000);
afterAll(() => h?.close());

describe('every round keeps its request and its decisions', () => {
  it("shows round 1's request and decisions in the API after two later rounds", async () => {
    expect(api.round).toBe(3);
    expect(api.rounds.map((r: any) => [r.round, r.start, r.recordedIn])).toEqual([
      [1, 'SUBMITTED', 'ROUND'],
      [2, 'RESUBMITTED', 'ROUND'],
      [3, 'MITIGATIONS_PROVIDED', 'ROUND'],
    ]);
    const [first, second, third] = api.rounds;
    // Round 1: the request as first submitted, and the rejection made on it.
    expect(first.request).toEqual({ ...original, mitigations: original.mitigations ?? [] });
    expect(first.approvals.map((a: any) => a.status).sort()).toEqual(['CLOSED', 'CLOSED', 'CLOSED', 'CLOSED', 'REJECTED']);
    expect(first.approvals.find((a: any) => a.status === 'REJECTED').reason).toBe('Needs a DPIA first');
    // Round 2: the adjusted request, what it changed, and its own rejection.
    expect(second.request).toMatchObject({ supplierName: 'Southwind Transcription Ltd', offshoreLocations: adjusted.offshoreLocations });
    expect(second.changes).toContainEqual({ what: 'Supplier', before: original.supplierName, after: 'Southwind Transcription Ltd' });
    expect(second.changes.map((c: any) => c.what)).toContain('Offshore locations and activities');
    expect(second.approvals.find((a: any) => a.status === 'REJECTED').reason).toBe(round2Reason);
    // Round 3: round 2's request with the mitigation added, and nothing else changed.
    expect(third.request).toEqual({ ...second.request, mitigations: [...second.request.mitigations, 'A DPIA is done before go-live'] });
    expect(third.changes.map((c: any) => c.what)).toEqual(['Mitigations']);
    expect(third.approvals.every((a: any) => a.status === 'PENDING')).toBe(true);
    // The request item holds the current round's content; the earlier ones are their own items, unchanged.
    expect(api.request).toEqual(third.request);
  });

  it('keeps each round as its own item in the table, with the decisions naming their round', async () => {
    const view = (await h.stack.runtime.store.getRequestView(requestId))!;
    expect(view.rounds.map((r) => [r.round, r.request.supplierName])).toEqual([
      [1, original.supplierName],
      [2, 'Southwind Transcription Ltd'],
      [3, 'Southwind Transcription Ltd'],
    ]);
    for (const decided of view.audit.filter((e) => e.type === 'APPROVAL_DECIDED')) {
      const approval = view.approvals.find((a) => a.approvalId === (decided.details as { approvalId: string }).approvalId)!;
      expect(decided.round).toBe(approval.round);
      expect(view.rounds.some((r) => r.round === approval.round)).toBe(true);
    }
    // The resubmission's audit event no longer carries the previous request: the round items hold it.
    const resubmission = view.audit.find((e) => e.type === 'REQUEST_RESUBMITTED')!;
    expect(resubmission.details).not.toHaveProperty('previousRequest');
  });

  it("shows each earlier round's request, decisions and what the next round changed on the request's page", async () => {
    const page = await owner.get(`/offshoring-requests/${requestId}`);
    expect(page.status).toBe(200);
    const $ = page.$;
    const section = (round: number) => {
      const heading = $(`h3:contains("Approval round ${round}")`);
      return cheerio.load(
        `<div>${heading
          .nextUntil('h3, h2')
          .toArray()
          .map((el) => $.html(el))
          .join('')}</div>`,
      );
    };
    const one = section(1);
    const oneText = one('div').text().replace(/\s+/g, ' ');
    expect(one('.govuk-details__summary-text').text().trim()).toBe('The request the approvers decided on in round 1');
    const oneFacts = Object.fromEntries(
      one('.govuk-details .govuk-summary-list__row')
        .map((_, r) => [[one(r).find('dt').text().trim(), one(r).find('dd').text().trim()]])
        .get(),
    );
    expect(oneFacts.Supplier).toBe(original.supplierName);
    expect(oneFacts['Offshore locations and activities']).toContain('India');
    expect(oneText).toContain('Needs a DPIA first');
    expect(oneText).toContain(`Supplier: ${original.supplierName} → Southwind Transcription Ltd`);

    const two = section(2);
    const twoFacts = Object.fromEntries(
      two('.govuk-details .govuk-summary-list__row')
        .map((_, r) => [[two(r).find('dt').text().trim(), two(r).find('dd').text().trim()]])
        .get(),
    );
    expect(twoFacts.Supplier).toBe('Southwind Transcription Ltd');
    expect(twoFacts['Offshore locations and activities']).toContain('Ireland');
    expect(two('div').text()).toContain(round2Reason);
    expect(two('div').text().replace(/\s+/g, ' ')).toContain('What changed in round 3: Mitigations:');
  });

  it("shows round 2's approver what changed since round 1, from the stored rounds", async () => {
    const $ = cheerio.load(round2Page);
    expect($('h2:contains("What changed since round 1")')).toHaveLength(1);
    const rows = $('table:contains("Before") tbody tr')
      .map((_, r) => [
        $(r)
          .children()
          .map((__, c) => $(c).text().trim())
          .get(),
      ])
      .get();
    expect(rows).toContainEqual(['Supplier', original.supplierName, 'Southwind Transcription Ltd']);
    expect(rows.map((r: string[]) => r[0])).toContain('Offshore locations and activities');
  });

  it("shows round 3's approver the mitigation added since round 2, the round they saw", async () => {
    const round3 = (await emailsOf(h, requestId, 'Offshoring approval needed', 15)).filter((e) => e.body.text?.includes('(round 3)'));
    const link = linkIn(round3[0]!);
    const res = await h.api(`/approvals/${encodeURIComponent(link.approvalId)}?token=${link.token}`);
    expect(res.status).toBe(200);
    const $ = cheerio.load(res.text);
    expect($('h2:contains("What changed since round 2")')).toHaveLength(1);
    expect($('main').text()).toContain('A DPIA is done before go-live');
  });
});
