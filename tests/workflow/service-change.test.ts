import * as cheerio from 'cheerio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkIn, startHarness, type Email, type Harness } from './harness.ts';
import { APPROVERS, OTHER_OWNER, OWNER, approvedService, decide, emailsOf, postJson } from './journeys.ts';
import { signedIn } from './pages.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Offshoring Policy, Approval: "Any changes on offshore services" need the approvals. A CHANGE names
 * the register entry it changes, only that service's owner (or the security team) may ask, the
 * approvers see what changes (supplier, data, locations and activities) before and after, and its
 * approval writes the next version of the same entry, keeping the earlier ones as its history.
 */
let h: Harness;
let serviceId: string;
let changeId: string;
let approverEmails: Email[];
const original = singleAreaRequest();
const change = () => ({
  ...singleAreaRequest(),
  changeType: 'CHANGE',
  serviceId,
  supplierName: 'Southwind Transcription Ltd',
  dataCategories: ['PERSONAL'],
  offshoreLocations: [
    { country: 'IN', activities: ['PROCESSING'] },
    { country: 'PH', activities: ['SUPPORT'] },
  ],
});

beforeAll(async () => {
  h = await startHarness();
  ({ serviceId } = await approvedService(h));
  const res = await postJson(h, '/requests', change());
  expect(res.status, res.text).toBe(201);
  changeId = res.body.requestId;
  approverEmails = await emailsOf(h, changeId, 'Offshoring approval needed', APPROVERS);
}, 120_000);
afterAll(() => h?.close());

const myRequests = async (as: string) => (await h.api('/requests', {}, as)).body.requests.length;

describe('a change to an offshored service', () => {
  it('must name its register entry: a CHANGE without serviceId is refused with 400 on the field, and nothing is stored', async () => {
    const before = await myRequests(OWNER);
    const { serviceId: _, ...unnamed } = change();
    const res = await postJson(h, '/requests', unnamed);
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path: 'serviceId', message: expect.stringContaining('required for a change') });
    expect(await myRequests(OWNER)).toBe(before);
    // The same on a resubmission, which is checked as a submission is.
    const resubmission = await postJson(h, `/requests/${changeId}/resubmissions`, unnamed);
    expect(resubmission.status).toBe(400);
  });

  it('refuses, with 403, a CHANGE of a service the caller does not own, and stores nothing', async () => {
    const before = await myRequests(OTHER_OWNER);
    const res = await postJson(h, '/requests', { ...change(), serviceOwner: { name: 'Alex Morgan', email: OTHER_OWNER } }, OTHER_OWNER);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'Forbidden', serviceId });
    expect(await myRequests(OTHER_OWNER)).toBe(before);
  });

  it('shows every approver, in the email, what changes in the service: supplier, data, locations and activities, before and after', () => {
    expect(approverEmails).toHaveLength(APPROVERS);
    for (const email of approverEmails) {
      const text = email.body.text!;
      expect(text).toContain(`Registered service: ${serviceId}: ${original.serviceName} (register version 1)`);
      expect(text).toContain(`What changes in ${serviceId}:`);
      expect(text).toContain(`  - Supplier: ${original.supplierName} → Southwind Transcription Ltd`);
      expect(text).toContain('  - Data: OFFICIAL-SENSITIVE; legal, personal → OFFICIAL-SENSITIVE; personal');
      expect(text).toContain(
        '  - Offshore locations and activities: India (IN): access, processing → India (IN): processing; Philippines (PH): support',
      );
      const $ = cheerio.load(email.body.html!);
      const rows = $(`h2:contains("What changes in ${serviceId}"), h3:contains("What changes in ${serviceId}")`)
        .next('table')
        .find('tr')
        .slice(1)
        .map((_, r) => [
          $(r)
            .children()
            .map((__, c) => $(c).text().trim())
            .get(),
        ])
        .get();
      expect(rows).toContainEqual(['Supplier', original.supplierName, 'Southwind Transcription Ltd']);
      expect(rows.map((r: string[]) => r[0])).toEqual(expect.arrayContaining(['Data', 'Offshore locations and activities']));
    }
  });

  it("shows the approver's page and the owner's request page the same before and after", async () => {
    const link = linkIn(approverEmails[0]!);
    const page = await h.api(`/approvals/${encodeURIComponent(link.approvalId)}?token=${link.token}`);
    expect(page.status).toBe(200);
    const $ = cheerio.load(page.text);
    const rows = $(`h2:contains("What changes in ${serviceId}") + table tbody tr`)
      .map((_, r) => [
        $(r)
          .children()
          .map((__, c) => $(c).text().trim())
          .get(),
      ])
      .get();
    expect(rows).toContainEqual(['Supplier', original.supplierName, 'Southwind Transcription Ltd']);
    expect(rows).toContainEqual(['Data', 'OFFICIAL-SENSITIVE; legal, personal', 'OFFICIAL-SENSITIVE; personal']);
    expect(rows.map((r: string[]) => r[0])).toContain('Offshore locations and activities');

    const owner = await signedIn(h.stack, { email: OWNER });
    const request = await owner.get(`/offshoring-requests/${changeId}`);
    expect(request.status).toBe(200);
    const $r = request.$;
    const altered = $r(`h2:contains("What this change alters in ${serviceId}") + .govuk-summary-list .govuk-summary-list__row`)
      .map((_, r) => [
        [
          $r(r).find('dt').text().trim(),
          ...$r(r)
            .find('dd p')
            .map((__, p) => $r(p).text().trim())
            .get(),
        ],
      ])
      .get();
    expect(altered).toContainEqual(['Supplier', `Before: ${original.supplierName}`, 'After: Southwind Transcription Ltd']);
    expect(altered).toContainEqual([
      'Offshore locations and activities',
      'Before: India (IN): access, processing',
      'After: India (IN): processing; Philippines (PH): support',
    ]);
  });

  it('on approval, writes version 2 of the same register entry, keeping version 1 as its history, and no second entry', async () => {
    for (const email of approverEmails) expect((await decide(h, linkIn(email), 'APPROVE')).status).toBe(200);
    const registered = await h.eventually(
      async () => (await h.status(changeId)).audit.find((e: { type: string }) => e.type === 'SERVICE_REGISTERED'),
      `${changeId} to be registered`,
      30_000,
    );
    expect(registered.details).toMatchObject({ serviceId, version: 2, updated: true });

    const entry = (await h.api(`/services/${serviceId}`)).body;
    expect(entry).toMatchObject({
      serviceId,
      version: 2,
      requestId: changeId,
      changeType: 'CHANGE',
      supplierName: 'Southwind Transcription Ltd',
      dataCategories: ['PERSONAL'],
      offshoreLocations: change().offshoreLocations,
    });
    expect(entry.versions.map((v: any) => [v.version, v.supplierName, v.offshoreLocations.map((l: any) => l.country)])).toEqual([
      [1, original.supplierName, ['IN']],
      [2, 'Southwind Transcription Ltd', ['IN', 'PH']],
    ]);
    expect(entry.versions[1].reason).toContain(changeId);
    const register = (await h.api('/services')).body.services.filter((s: { serviceId: string }) => s.serviceId === serviceId);
    expect(register).toHaveLength(1);
    expect((await h.api('/services')).body.services.filter((s: { requestId: string }) => s.requestId === changeId)).toHaveLength(1);
  });
});
