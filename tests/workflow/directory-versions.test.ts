import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_TEAM, startHarness, type Harness } from './harness.ts';
import { OWNER, approverLinks, decide, postJson, submit, untilStatus } from './journeys.ts';
import { signedIn, type PageVisitor } from './pages.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import type { ApproverDirectory } from '../../functions/platform/directory.ts';

/**
 * Each request records who held each role when it was asked: every round names the approver
 * directory version its approvers were chosen from, and a later version changes neither the stored
 * approvers nor what the request's page and the API show for that round; the round after a
 * resubmission is chosen from (and records) the version in force when it starts.
 */
let h: Harness;
let security: PageVisitor;
let owner: PageVisitor;

beforeAll(async () => {
  h = await startHarness();
  security = await signedIn(h.stack, { email: SECURITY_TEAM.email, name: SECURITY_TEAM.name, securityTeam: true });
  owner = await signedIn(h.stack, { email: OWNER });
}, 60_000);
afterAll(() => h?.close());

const currentVersion = async () => {
  const res = await h.api('/directory/versions');
  expect(res.status, res.text).toBe(200);
  return res.body.current as { version: number; directory: ApproverDirectory; changedAt: string };
};

/** The security team saves a version with a new CISO; its number. */
async function newCiso(name: string, email: string): Promise<number> {
  const now = await currentVersion();
  const directory = structuredClone(now.directory);
  directory.roles.CISO = { ...directory.roles.CISO, name, email };
  const body = JSON.stringify({ basedOnVersion: now.version, note: `${name} is the CISO`, directory });
  const res = await h.api('/directory/versions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status, res.text).toBe(201);
  return now.version + 1;
}

const ciso = (approvals: { role: string; name: string; email: string }[]) => approvals.find((a) => a.role === 'CISO');
/** What the API shows of who was asked, and from which directory version. */
const whoWasAsked = (view: any) => ({
  directoryVersion: view.directoryVersion,
  requiredApprovers: view.requiredApprovers,
  approvals: view.approvals.map(({ approvalId, role, name, email }: any) => ({ approvalId, role, name, email })),
  rounds: view.rounds.map((r: any) => ({ round: r.round, directoryVersion: r.directoryVersion })),
});

describe('each round records the approver directory version its approvers were chosen from', () => {
  let requestId: string;
  let routedBy: number;
  let apiBefore: ReturnType<typeof whoWasAsked>;
  let routedByText: string;

  it('records the version in force at submission on the request, its round and the API, and says so on the page', async () => {
    routedBy = await newCiso('Ada Lovelace', 'ada.lovelace@justice.gov.uk');
    requestId = await submit(h);
    const view = await h.status(requestId);
    expect(view.directoryVersion).toBe(routedBy);
    expect(view.rounds).toHaveLength(1);
    expect(view.rounds[0].directoryVersion).toBe(routedBy);
    expect(ciso(view.approvals)).toMatchObject({ name: 'Ada Lovelace', email: 'ada.lovelace@justice.gov.uk' });
    const stored = (await h.stack.runtime.store.getRequestView(requestId))!;
    expect(stored.request.directoryVersion).toBe(routedBy);
    expect(stored.rounds.map((r) => [r.round, r.directoryVersion])).toEqual([[1, routedBy]]);
    apiBefore = whoWasAsked(view);

    const { changedAt } = (await h.stack.runtime.store.directory.version(routedBy))!;
    const page = await owner.get(`/offshoring-requests/${requestId}`);
    expect(page.status).toBe(200);
    routedByText = page.$('#routed-by').text().replace(/\s+/g, ' ').trim();
    expect(routedByText).toMatch(
      new RegExp(`^Approvers chosen from version ${routedBy} of the approver directory, changed by ${SECURITY_TEAM.name} on `),
    );
    expect(routedByText).toContain(new Date(changedAt).getUTCFullYear().toString());
    // The directory's history is the security team's page: linked for them, never for the owner.
    expect(page.$('#routed-by a[href="/directory"]')).toHaveLength(0);
    const securityPage = await security.get(`/offshoring-requests/${requestId}`);
    expect(securityPage.$('#routed-by a[href="/directory"]')).toHaveLength(1);
  });

  it('a directory change after submission changes neither the stored approvers nor what the page and the API show', async () => {
    const later = await newCiso('Grace Hopper', 'grace.hopper@justice.gov.uk');
    expect(later).toBe(routedBy + 1);

    const stored = (await h.stack.runtime.store.getRequestView(requestId))!;
    expect(ciso(stored.approvals)).toMatchObject({ name: 'Ada Lovelace', email: 'ada.lovelace@justice.gov.uk' });
    expect(ciso(stored.request.requiredApprovers)).toMatchObject({ name: 'Ada Lovelace', email: 'ada.lovelace@justice.gov.uk' });
    expect(whoWasAsked(await h.status(requestId))).toEqual(apiBefore);

    const page = await owner.get(`/offshoring-requests/${requestId}`);
    expect(page.$('#routed-by').text().replace(/\s+/g, ' ').trim()).toBe(routedByText);
    expect(page.html).toContain('Ada Lovelace');
    expect(page.html).not.toContain('Grace Hopper');
  });

  it('the round after a resubmission is chosen from, and records, the newer version; round 1 keeps its own', async () => {
    const [first] = await approverLinks(h, requestId);
    expect((await decide(h, first!, 'REJECT')).status).toBe(200);
    await untilStatus(h, requestId, 'REJECTED');
    const resubmitted = await postJson(h, `/requests/${requestId}/resubmissions`, { ...singleAreaRequest(), supplierName: 'Southwind Ltd' });
    expect(resubmitted.status, resubmitted.text).toBe(201);
    const newer = routedBy + 1;

    const view = await h.status(requestId);
    expect(view.round).toBe(2);
    expect(view.directoryVersion).toBe(newer);
    expect(view.rounds.map((r: any) => [r.round, r.directoryVersion])).toEqual([
      [1, routedBy],
      [2, newer],
    ]);
    expect(ciso(view.approvals)).toMatchObject({ name: 'Grace Hopper', email: 'grace.hopper@justice.gov.uk' });
    expect(ciso(view.rounds[0].approvals)).toMatchObject({ name: 'Ada Lovelace', email: 'ada.lovelace@justice.gov.uk' });
    const stored = (await h.stack.runtime.store.getRequestView(requestId))!;
    expect(stored.rounds.map((r) => [r.round, r.directoryVersion])).toEqual([
      [1, routedBy],
      [2, newer],
    ]);

    const page = await owner.get(`/offshoring-requests/${requestId}`);
    expect(page.$('#routed-by').text()).toContain(
      `Approvers chosen from version ${newer} of the approver directory, changed by ${SECURITY_TEAM.name}`,
    );
    expect(page.$('.app-routed-by').first().text()).toContain(`Approvers chosen from version ${routedBy} of the approver directory`);
  });
});

describe('an exemption records the approver directory version its approvers were chosen from', () => {
  it('stores the version in force when it is asked for', async () => {
    const { version: inForce, directory } = await currentVersion();
    const endDate = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const body = JSON.stringify({
      policyClause: 'Policy: all MoJ data stays in UK data centres',
      justification: 'Until the UK site opens.',
      endDate,
    });
    const asked = await h.api('/exemptions', { method: 'POST', headers: { 'content-type': 'application/json' }, body }, OWNER);
    expect(asked.status, asked.text).toBe(201);
    const view = await h.stack.runtime.store.getCaseView(asked.body.requestId);
    expect(view?.request).toMatchObject({ kind: 'EXEMPTION', directoryVersion: inForce });
    expect(ciso(view!.approvals)).toMatchObject({ name: directory.roles.CISO.name, email: directory.roles.CISO.email });
  });
});
