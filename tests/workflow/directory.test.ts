import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_TEAM, startHarness, type Harness } from './harness.ts';
import { errorSummary, signedIn, type PageVisitor } from './pages.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';

/**
 * Who approves comes from the approver directory, data the security team maintains in the service:
 * MoJ HQ's own services go to the MoJ SIRO (Offshoring Policy, Process 1(a)), a service spanning HQ
 * and an agency is wider MoJ (1(b)); a new version routes new requests and never earlier ones.
 */
let h: Harness;
let security: PageVisitor;
let owner: PageVisitor;
const OWNER = 'priya.shah@justice.gov.uk';
beforeAll(async () => {
  h = await startHarness();
  security = await signedIn(h.stack, { email: SECURITY_TEAM.email, name: SECURITY_TEAM.name, securityTeam: true });
  owner = await signedIn(h.stack, { email: OWNER });
});
afterAll(() => h.close());

const seed = loadApproverDirectory();

async function submitted(businessAreas: string[], serviceName: string) {
  const body = { ...singleAreaRequest(), businessAreas, serviceName };
  const { status, body: created } = await h.submit(body);
  expect(status, JSON.stringify(created)).toBe(201);
  return created as { requestId: string; requiredApprovers: { role: string; name: string; email: string }[] };
}

const approvalEmailsTo = async (requestId: string) =>
  (await h.emails(requestId)).filter((e) => /Offshoring approval needed/.test(e.subject)).flatMap((e) => e.destination.to);

describe('MoJ HQ (Offshoring Policy, Process 1)', () => {
  it("asks the MoJ SIRO as a service of MoJ HQ alone's Departmental SIRO, and no separate HQ SIRO", async () => {
    const created = await submitted(['MOJ_HQ'], 'HQ payroll analytics');
    expect(created.requiredApprovers.map((a) => a.role)).toEqual(['BUSINESS_AREA_SIRO', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL']);
    expect(created.requiredApprovers[0]).toMatchObject({ name: seed.roles.MOJ_SIRO.name, email: seed.roles.MOJ_SIRO.email });
    const to = await h.eventually(async () => {
      const sent = await approvalEmailsTo(created.requestId);
      return sent.length >= 5 && sent;
    }, 'five approver emails');
    expect(to.some((address) => address.includes(seed.roles.MOJ_SIRO.email))).toBe(true);
    expect(to.some((address) => address.includes('moj-hq'))).toBe(false);
    const view = await h.status(created.requestId);
    expect(view.approvals.find((a: { role: string }) => a.role === 'BUSINESS_AREA_SIRO')).toMatchObject({
      businessArea: 'MOJ_HQ',
      email: seed.roles.MOJ_SIRO.email,
    });
  });

  it('treats a service spanning MoJ HQ and an agency as wider MoJ: the MoJ SIRO and the SSA, not the agency SIRO', async () => {
    const created = await submitted(['MOJ_HQ', 'LAA'], 'HQ and legal aid casework');
    expect(created.requiredApprovers.map((a) => a.role)).toEqual(['MOJ_SIRO', 'SSA', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL']);
    expect(created.requiredApprovers.map((a) => a.email)).not.toContain(seed.businessAreas.LAA!.siro.email);
  });
});

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const current = async () => {
  const res = await h.api('/directory/versions');
  expect(res.status, res.text).toBe(200);
  return res.body as { current: { version: number; directory: typeof seed }; versions: { version: number; note: string; changes: unknown[] }[] };
};

describe('the approver directory as data', () => {
  it('is seeded from the configured directory on first use, as version 1', async () => {
    const { current: first, versions } = await current();
    expect(first.directory).toEqual(seed);
    expect(versions.at(-1)).toMatchObject({ version: 1, changedBy: { kind: 'SYSTEM' }, changes: [] });
  });

  it('the security team changes a role holder through the pages; new requests go to them, earlier ones keep who they asked', async () => {
    const earlier = await submitted(['HMCTS'], 'Transcripts before the change');
    const { current: before } = await current();

    const form = await security.get('/directory/edit?entry=role.CISO');
    expect(form.status).toBe(200);
    expect(form.$('h1').text()).toContain('MoJ Chief Information Security Officer (CISO)');
    expect(form.$('#email').val()).toBe(seed.roles.CISO.email);

    const saved = await security.post('/directory/edit', {
      entry: 'role.CISO',
      basedOnVersion: String(before.version),
      name: 'Ada Lovelace',
      email: 'ada.lovelace@justice.gov.uk',
      escalationContact: { name: 'Grace Hopper', email: 'grace.hopper@justice.gov.uk' },
      note: 'Ada Lovelace is the CISO from today',
    });
    expect(saved.status, saved.html).toBe(303);
    expect(saved.location).toBe(`/directory?saved=${before.version + 1}`);

    const page = await security.get(saved.location!);
    expect(page.status).toBe(200);
    expect(page.$('.govuk-notification-banner').text()).toContain(`Version ${before.version + 1} of the approver directory saved`);
    expect(page.$('#version').text()).toContain(`Version ${before.version + 1}, saved by Sam Security`);
    expect(page.$('#roles').text()).toContain('Ada Lovelace (ada.lovelace@justice.gov.uk)');
    const history = page.$('#history').text();
    expect(history).toContain('Ada Lovelace is the CISO from today');
    expect(history).toContain(
      `MoJ Chief Information Security Officer (CISO), email address: ${seed.roles.CISO.email} to ada.lovelace@justice.gov.uk`,
    );

    // Audited in the API too: who, when, why and what changed.
    const { current: after, versions } = await current();
    expect(after.version).toBe(before.version + 1);
    expect(versions[0]).toMatchObject({
      version: after.version,
      basedOn: before.version,
      note: 'Ada Lovelace is the CISO from today',
      changedBy: { kind: 'SECURITY_TEAM', email: SECURITY_TEAM.email },
      changes: expect.arrayContaining([{ path: 'roles.CISO.email', from: seed.roles.CISO.email, to: 'ada.lovelace@justice.gov.uk' }]),
    });

    const later = await submitted(['HMCTS'], 'Transcripts after the change');
    expect(later.requiredApprovers.find((a) => a.role === 'CISO')).toMatchObject({ name: 'Ada Lovelace', email: 'ada.lovelace@justice.gov.uk' });
    await h.eventually(
      async () => (await approvalEmailsTo(later.requestId)).some((to) => to.includes('ada.lovelace@justice.gov.uk')),
      'the new CISO to be asked',
    );

    const earlierView = await h.status(earlier.requestId);
    expect(earlierView.approvals.find((a: { role: string }) => a.role === 'CISO')).toMatchObject({
      name: seed.roles.CISO.name,
      email: seed.roles.CISO.email,
    });
    const earlierPage = await owner.get(`/offshoring-requests/${earlier.requestId}`);
    expect(earlierPage.status).toBe(200);
    expect(earlierPage.html).toContain(seed.roles.CISO.name);
    expect(earlierPage.html).not.toContain('Ada Lovelace');
  });

  it('refuses a service owner: 403 on the pages and the API', async () => {
    expect((await owner.get('/directory')).status).toBe(403);
    expect((await owner.get('/directory/edit?entry=role.CISO')).status).toBe(403);
    const post = await owner.post('/directory/edit', {
      entry: 'role.CISO',
      basedOnVersion: '1',
      name: 'Me',
      email: 'me@justice.gov.uk',
      note: 'mine',
    });
    expect(post.status).toBe(403);
    expect((await h.api('/directory/versions', undefined, OWNER)).status).toBe(403);
    const { current: now } = await current();
    const res = await h.api('/directory/versions', json({ basedOnVersion: now.version, note: 'mine', directory: now.directory }), OWNER);
    expect(res.status).toBe(403);
    expect((await current()).current.version).toBe(now.version);
  });

  it('refuses an edit of a version that is no longer current with 409 naming the current version', async () => {
    const { current: now } = await current();
    const stale = structuredClone(now.directory);
    stale.roles.LEGAL.email = 'legal.team@justice.gov.uk';
    const res = await h.api('/directory/versions', json({ basedOnVersion: now.version - 1, note: 'Legal moved', directory: stale }));
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(new RegExp(`Version ${now.version} of the approver directory is current .*made to version ${now.version - 1}`));
    expect(res.body.currentVersion).toBe(now.version);

    const page = await security.post('/directory/edit', {
      entry: 'role.LEGAL',
      basedOnVersion: String(now.version - 1),
      name: 'MoJ Legal',
      email: 'legal.team@justice.gov.uk',
      escalationContact: seed.roles.LEGAL.escalationContact,
      note: 'Legal moved',
    });
    expect(page.status).toBe(409);
    expect(page.$('main').text()).toContain(`Version ${now.version} of the approver directory is current`);
    expect((await current()).current.version).toBe(now.version);
  });

  it('lets one of two edits of the same version through, and tells the other which version won', async () => {
    const { current: now } = await current();
    const edit = (email: string) => {
      const next = structuredClone(now.directory);
      next.roles.COMMERCIAL.email = email;
      return h.api('/directory/versions', json({ basedOnVersion: now.version, note: `Commercial is ${email}`, directory: next }));
    };
    const results = await Promise.all([edit('commercial.a@justice.gov.uk'), edit('commercial.b@justice.gov.uk')]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const loser = results.find((r) => r.status === 409)!;
    expect(loser.body.message).toContain(`Version ${now.version + 1} of the approver directory is current`);
    expect((await current()).current.version).toBe(now.version + 1);
  });

  it('refuses a version that breaks the rules with 400 and each field path', async () => {
    const { current: now } = await current();
    const broken = structuredClone(now.directory) as Record<string, any>;
    delete broken.businessAreas.LAA.siro.escalationContact;
    delete broken.roles.DPO;
    broken.businessAreas.MOJ_HQ.siro = { name: 'Someone', email: 'someone@justice.gov.uk', escalationContact: seed.roles.SSA };
    const res = await h.api('/directory/versions', json({ basedOnVersion: now.version, note: '', directory: broken }));
    expect(res.status).toBe(400);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['note', 'directory.businessAreas.LAA.siro.escalationContact', 'directory.roles.DPO']));
    const page = await security.post('/directory/edit', {
      entry: 'siro.LAA',
      basedOnVersion: String(now.version),
      name: '',
      email: 'not an address',
      escalationContact: { name: 'x', email: 'deputy@justice.gov.uk' },
      note: 'typo',
    });
    expect(page.status).toBe(400);
    expect(errorSummary(page.$).map((e) => e.href)).toEqual(['#name', '#email']);
  });

  it("names MoJ HQ's SIRO as the MoJ SIRO on the page, changed with it", async () => {
    const page = await security.get('/directory');
    expect(page.$('#area-MOJ_HQ + dl').text()).toContain('the MoJ SIRO, because MoJ HQ is the department');
    const choose = await security.get('/directory/edit?entry=siro.MOJ_HQ');
    expect(choose.status).toBe(200);
    const entries = choose
      .$('input[name="entry"]')
      .map((_, input) => choose.$(input).val())
      .get();
    expect(entries).toEqual(expect.arrayContaining(['role.MOJ_SIRO', 'siro.LAA', 'departmentalHead.MOJ_HQ']));
    expect(entries).not.toContain('siro.MOJ_HQ');
  });
});
