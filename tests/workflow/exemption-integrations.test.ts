import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form as formBody, linkIn, SECURITY_TEAM, startHarness, type Harness } from './harness.ts';
import { OTHER_OWNER, OWNER, exemptionApproverEmails } from './journeys.ts';
import { errorSummary, signedIn, type PageResponse } from './pages.ts';
import { executionArn, executionName } from '../../functions/domain/workflow.ts';

/**
 * Exemptions (Offshoring Policy, Compliance) for integrations and their requester: asked for once
 * per Idempotency-Key (and once per page form), read as JSON, and withdrawn while their approvals
 * wait, through the request's own withdrawal. On the local stack; the clock is injected.
 */
let now = Date.parse('2026-11-23T09:00:00Z');
let h: Harness;

const exemption = (extra: Record<string, unknown> = {}) => ({
  policyClause: 'Policy: all MoJ data stays in UK data centres',
  justification: 'The supplier’s only disaster-recovery site is in Ireland until the UK site opens.',
  endDate: '2027-06-30',
  ...extra,
});
const ask = (body: unknown, as: string = OWNER, headers: Record<string, string> = {}) =>
  h.api('/exemptions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }, as);
const hidden = (page: PageResponse, name: string) => page.$(`input[type=hidden][name="${name}"]`).attr('value') ?? '';
const address = (to: string) => /<([^>]+)>/.exec(to)?.[1] ?? to;

/** The exemptions the table holds for one policy clause (every one the caller asked for, whatever the answers said). */
const storedWithClause = async (clause: string) =>
  (await h.stack.runtime.store.listExemptions()).filter((e) => e.exemption.policyClause === clause).map((e) => e.requestId);

const approverEmails = (requestId: string, count = 2) => exemptionApproverEmails(h, requestId, count);

beforeAll(async () => {
  h = await startHarness({ runtime: { clock: () => new Date(now) } });
});
afterAll(() => h?.close());

describe('POST /exemptions with an Idempotency-Key', () => {
  it('answers a retry with the first response and asks for one exemption, with one approval round', async () => {
    const body = exemption({ policyClause: 'Retried once' });
    const key = { 'Idempotency-Key': 'exemption-retry-0001' };
    const first = await ask(body, OWNER, key);
    const second = await ask(body, OWNER, key);
    expect(first.status, first.text).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(await storedWithClause('Retried once')).toEqual([first.body.requestId]);
    const { executions } = await h.stack.stepFunctions.listExecutions({ stateMachineArn: h.stack.stateMachineArn });
    expect(executions.filter((e) => e.name.startsWith(first.body.requestId))).toHaveLength(1);
  });

  it('refuses the same key with another body 422, as intake does, and still replays the first', async () => {
    const key = { 'Idempotency-Key': 'exemption-retry-0002' };
    const first = await ask(exemption({ policyClause: 'Key reused' }), OWNER, key);
    expect(first.status).toBe(201);
    const other = await ask(exemption({ policyClause: 'Key reused', justification: 'Another reason altogether' }), OWNER, key);
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('IdempotencyKeyReused');
    const again = await ask(exemption({ policyClause: 'Key reused' }), OWNER, key);
    expect(again.body.requestId).toBe(first.body.requestId);
    expect(await storedWithClause('Key reused')).toEqual([first.body.requestId]);
  });

  it('scopes a key to its caller: another person with the same key asks for their own', async () => {
    const key = { 'Idempotency-Key': 'exemption-retry-0003' };
    const mine = await ask(exemption({ policyClause: 'Shared key' }), OWNER, key);
    const theirs = await ask(exemption({ policyClause: 'Shared key' }), OTHER_OWNER, key);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body.requestId).not.toBe(mine.body.requestId);
  });

  it('asks once from overlapping retries of one key: the others replay it or get 409', async () => {
    const key = { 'Idempotency-Key': 'exemption-retry-0004' };
    const body = exemption({ policyClause: 'Overlapping retries' });
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => new Promise((r) => setTimeout(r, i * 5)).then(() => ask(body, OWNER, key))),
    );
    for (const answer of answers) expect([201, 409]).toContain(answer.status);
    const created = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.requestId));
    expect(created.size).toBe(1);
    expect(await storedWithClause('Overlapping retries')).toEqual([...created]);
  });

  it('finishes what a try that died straight after storing it began: one exemption, its round started, each approver and the requester told once', async () => {
    const key = { 'Idempotency-Key': 'exemption-retry-0005' };
    const body = exemption({ policyClause: 'Died after storing' });
    // The function dies straight after the exemption's transaction, before its round starts or it answers.
    let armed = true;
    const crash = 'crashAfterStoringExemption';
    h.stack.runtime.clients.dynamoDb.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (armed && context.commandName === 'TransactWriteItemsCommand') {
          armed = false;
          throw Object.assign(new Error('Injected: the function crashed straight after storing the exemption'), { name: 'Sandbox.Timedout' });
        }
        return result;
      },
      { step: 'finalizeRequest', priority: 'low', name: crash },
    );
    try {
      expect((await ask(body, OWNER, key)).status).toBe(500);
    } finally {
      h.stack.runtime.clients.dynamoDb.middlewareStack.remove(crash);
    }
    const [stored] = await storedWithClause('Died after storing');
    const { executions: before } = await h.stack.stepFunctions.listExecutions({ stateMachineArn: h.stack.stateMachineArn });
    expect(before.filter((e) => e.name.startsWith(stored!))).toHaveLength(0);

    const retried = await ask(body, OWNER, key);
    expect(retried.status, retried.text).toBe(201);
    expect(retried.body.requestId).toBe(stored);
    expect(await storedWithClause('Died after storing')).toEqual([stored]);
    const { executions } = await h.stack.stepFunctions.listExecutions({ stateMachineArn: h.stack.stateMachineArn });
    expect(executions.filter((e) => e.name.startsWith(stored!))).toHaveLength(1);
    expect(await approverEmails(stored!)).toHaveLength(2);
    const received = await h.eventually(async () => {
      const mine = (await h.emails(`(${stored})`)).filter((e) => !e.subject.startsWith('Exemption approval needed'));
      return mine.length > 0 && mine;
    }, 'the requester’s receipt');
    expect(received.map((e) => e.destination.to.map(address))).toEqual([[OWNER]]);
    // A third try changes nothing: no second round, no second receipt.
    expect((await ask(body, OWNER, key)).body.requestId).toBe(stored);
    const { executions: after } = await h.stack.stepFunctions.listExecutions({ stateMachineArn: h.stack.stateMachineArn });
    expect(after.filter((e) => e.name.startsWith(stored!))).toHaveLength(1);
    expect((await h.emails(`(${stored})`)).filter((e) => !e.subject.startsWith('Exemption approval needed'))).toHaveLength(1);
  });

  it('asks once for a double click on the page form, which carries its form id through a correction', async () => {
    const owner = await signedIn(h.stack, { email: OWNER, name: 'Priya Shah' });
    const form = await owner.get('/exemptions/new');
    const formId = hidden(form, 'formId');
    expect(formId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    const fields = {
      formId,
      policyClause: 'Double click',
      justification: 'Clicked twice',
      serviceId: '',
      endDate: { day: '31', month: '3', year: '2027' },
      variation: { businessArea: '' },
    };
    const corrected = await owner.post('/exemptions/new', { ...fields, justification: '' });
    expect(corrected.status).toBe(400);
    expect(hidden(corrected, 'formId')).toBe(formId);
    const [first, second] = await Promise.all([owner.post('/exemptions/new', fields), owner.post('/exemptions/new', fields)]);
    expect([first.status, second.status]).toEqual([303, 303]);
    expect(second.location).toBe(first.location);
    const requestId = /^\/exemptions\/(EXM-[0-9A-Z]+)\?asked=yes$/.exec(first.location!)![1];
    expect(await storedWithClause('Double click')).toEqual([requestId]);
    // A fresh form is a new ask.
    expect(hidden(await owner.get('/exemptions/new'), 'formId')).not.toBe(formId);
  });
});

describe('GET /policy-exemptions and GET /policy-exemptions/{requestId}', () => {
  let waiting: string;
  let inForce: string;
  let ended: string;
  let others: string;

  beforeAll(async () => {
    const soon = await ask(exemption({ policyClause: 'Ends soon', endDate: '2026-12-31' }));
    const long = await ask(exemption({ policyClause: 'In force a while' }));
    const left = await ask(exemption({ policyClause: 'Left waiting' }));
    const theirs = await ask(exemption({ policyClause: 'Someone else’s' }), OTHER_OWNER);
    for (const r of [soon, long, left, theirs]) expect(r.status, r.text).toBe(201);
    [ended, inForce, waiting, others] = [soon.body.requestId, long.body.requestId, left.body.requestId, theirs.body.requestId];
    for (const id of [ended, inForce]) {
      for (const email of await approverEmails(id)) {
        const { approvalId, token } = linkIn(email);
        const res = await h.api(`/approvals/${approvalId}`, formBody({ token, decision: 'APPROVE' }));
        expect(res.status).toBe(200);
      }
      await h.eventually(async () => (await h.stack.runtime.store.getCase(id))?.status === 'APPROVED', `${id} approved`);
    }
    // 2027 begins: the first one has ended, the second is still in force.
    now = Date.parse('2027-01-05T09:00:00Z');
  });
  afterAll(() => {
    now = Date.parse('2026-11-23T09:00:00Z');
  });

  const ids = (res: { body: { exemptions: { requestId: string }[] } }) => res.body.exemptions.map((e) => e.requestId);

  it('lists the caller’s own exemptions, never another person’s, nor those of a later holder of their address', async () => {
    const mine = await h.api('/policy-exemptions', {}, OWNER);
    expect(mine.status).toBe(200);
    expect(ids(mine)).toEqual(expect.arrayContaining([waiting, inForce, ended]));
    expect(ids(mine)).not.toContain(others);
    const laterHolder = await h.api('/policy-exemptions', {}, { email: OWNER, name: 'Priya Shah', sub: 'entra-oid-of-someone-else' });
    expect(ids(laterHolder)).toEqual([]);
  });

  it('lists every exemption to the security team, by ?status= in force, waiting or ended; 400 for another status', async () => {
    const all = await h.api('/policy-exemptions', {}, SECURITY_TEAM);
    expect(ids(all)).toEqual(expect.arrayContaining([waiting, inForce, ended, others]));
    const by = async (status: string) => ids(await h.api(`/policy-exemptions?status=${status}`, {}, SECURITY_TEAM));
    const active = await by('ACTIVE');
    expect(active).toContain(inForce);
    expect(active).not.toContain(ended);
    expect(active).not.toContain(waiting);
    const pending = await by('PENDING_APPROVAL');
    expect(pending).toEqual(expect.arrayContaining([waiting, others]));
    expect(pending).not.toContain(inForce);
    const expired = await by('EXPIRED');
    expect(expired).toContain(ended);
    expect(expired).not.toContain(inForce);
    const bad = await h.api('/policy-exemptions?status=in-force-ish', {}, SECURITY_TEAM);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'status' })]);
  });

  it('reads one exemption to who asked for it and the security team, 403 to anyone else, 404 for an unknown one', async () => {
    const mine = await h.api(`/policy-exemptions/${inForce}`, {}, OWNER);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      requestId: inForce,
      kind: 'EXEMPTION',
      status: 'APPROVED',
      standing: 'ACTIVE',
      policyClause: 'In force a while',
    });
    expect(mine.body.approvals.map((a: { role: string; status: string }) => [a.role, a.status]).sort()).toEqual([
      ['CISO', 'APPROVED'],
      ['SSA', 'APPROVED'],
    ]);
    expect((await h.api(`/policy-exemptions/${ended}`, {}, SECURITY_TEAM)).body.standing).toBe('EXPIRED');
    expect((await h.api(`/policy-exemptions/${inForce}`, {}, OTHER_OWNER)).status).toBe(403);
    expect((await h.api(`/policy-exemptions/${inForce}`, {}, { email: OWNER, sub: 'entra-oid-of-someone-else' })).status).toBe(403);
    expect((await h.api('/policy-exemptions/EXM-NOSUCH0000', {}, OWNER)).status).toBe(404);
    // An offshoring request is not an exemption.
    expect((await h.api('/policy-exemptions/OFF-NOSUCH0000', {}, SECURITY_TEAM)).status).toBe(404);
  });
});

describe('withdrawing an exemption still waiting for its approvals', () => {
  const execution = (id: string) =>
    h.stack.stepFunctions.describeExecution({ executionArn: executionArn(h.stack.stateMachineArn, executionName(id, 1)) });

  it('through the API: WITHDRAWN, its execution stopped, each waiting approver told, the reason kept', async () => {
    const asked = await ask(exemption({ policyClause: 'Withdrawn by API' }));
    const id = asked.body.requestId as string;
    const approvers = await approverEmails(id);
    const res = await h.api(
      `/exemptions/${id}/withdrawal`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'The UK site opened early' }) },
      OWNER,
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ requestId: id, status: 'WITHDRAWN' });
    expect(res.body.approversTold.map((a: { role: string }) => a.role).sort()).toEqual(['CISO', 'SSA']);
    expect((await h.stack.runtime.store.getCase(id))?.status).toBe('WITHDRAWN');
    await h.eventually(async () => (await execution(id)).status !== 'RUNNING', 'the execution stopped');
    expect((await execution(id)).status).toBe('ABORTED');
    const told = await h.eventually(async () => {
      const mine = (await h.emails(`(${id})`)).filter((e) => e.subject.startsWith('No action needed'));
      return mine.length === 2 && mine;
    }, 'both approvers told');
    expect(told.map((e) => e.destination.to.map(address).join()).sort()).toEqual(approvers.map((e) => e.destination.to.map(address).join()).sort());
    expect(told[0]!.body.text).toContain('withdrew it');
    const view = await h.stack.runtime.store.getCaseView(id);
    expect(view!.audit.find((e) => e.type === 'REQUEST_WITHDRAWN')?.details.reason).toBe('The UK site opened early');
    expect(view!.approvals.every((a) => a.status !== 'PENDING')).toBe(true);
    expect((await h.stack.runtime.store.openExemptions()).exemptions.map((e) => e.requestId)).not.toContain(id);
    // Withdrawn once: again is 409.
    expect((await h.api(`/exemptions/${id}/withdrawal`, { method: 'POST' }, OWNER)).status).toBe(409);
  });

  it('refuses anyone but who asked for it (403), an unknown or offshoring id (404), and a decided one (409)', async () => {
    const id = (await ask(exemption({ policyClause: 'Not theirs to withdraw' }))).body.requestId as string;
    await approverEmails(id);
    expect((await h.api(`/exemptions/${id}/withdrawal`, { method: 'POST' }, OTHER_OWNER)).status).toBe(403);
    expect((await h.api(`/exemptions/${id}/withdrawal`, { method: 'POST' }, { email: OWNER, sub: 'entra-oid-of-someone-else' })).status).toBe(403);
    expect((await h.stack.runtime.store.getCase(id))?.status).toBe('PENDING_APPROVAL');
    expect((await h.api('/exemptions/EXM-NOSUCH0000/withdrawal', { method: 'POST' }, OWNER)).status).toBe(404);
    const rejected = (await ask(exemption({ policyClause: 'Rejected first' }))).body.requestId as string;
    const [first] = await approverEmails(rejected);
    const { approvalId, token } = linkIn(first!);
    expect((await h.api(`/approvals/${approvalId}`, formBody({ token, decision: 'REJECT', reason: 'No' }))).status).toBe(200);
    await h.eventually(async () => (await h.stack.runtime.store.getCase(rejected))?.status === 'REJECTED', 'rejected');
    expect((await h.api(`/exemptions/${rejected}/withdrawal`, { method: 'POST' }, OWNER)).status).toBe(409);
  });

  it('through its page, with a required reason, offered only while it waits', async () => {
    const id = (await ask(exemption({ policyClause: 'Withdrawn by page' }))).body.requestId as string;
    await approverEmails(id);
    const owner = await signedIn(h.stack, { email: OWNER, name: 'Priya Shah' });
    const page = await owner.get(`/exemptions/${id}`);
    expect(page.$(`a[href="/exemptions/${id}/withdraw"]`).length).toBe(1);
    const form = await owner.get(`/exemptions/${id}/withdraw`);
    expect(form.status).toBe(200);
    const blank = await owner.post(`/exemptions/${id}/withdraw`, { reason: ' ' });
    expect(blank.status).toBe(400);
    expect(errorSummary(blank.$).map((e) => e.href)).toEqual(['#reason']);
    expect((await h.stack.runtime.store.getCase(id))?.status).toBe('PENDING_APPROVAL');
    const other = await signedIn(h.stack, { email: OTHER_OWNER });
    expect((await other.post(`/exemptions/${id}/withdraw`, { reason: 'Mine now' })).status).toBe(404);
    const done = await owner.post(`/exemptions/${id}/withdraw`, { reason: 'No longer needed' });
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/exemptions/${id}`);
    const after = await owner.get(done.location!);
    expect(after.$('.govuk-tag').text()).toContain('Withdrawn');
    expect(after.$(`a[href="/exemptions/${id}/withdraw"]`).length).toBe(0);
    await h.eventually(async () => (await execution(id)).status === 'ABORTED', 'the execution stopped');
    expect((await h.stack.runtime.store.getCaseView(id))!.audit.find((e) => e.type === 'REQUEST_WITHDRAWN')?.details.reason).toBe('No longer needed');
    expect((await owner.get(`/exemptions/${id}/withdraw`)).status).toBe(409);
  });
});
