import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, linkIn, startHarness, type Email, type Harness } from './harness.ts';
import { multiAreaRequest, singleAreaRequest } from '../fixtures/index.ts';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { hashLinkToken } from '../../functions/domain/links.ts';
import { endorsementExecutionName, executionArn } from '../../functions/domain/workflow.ts';

/**
 * The approval story on the local stack, through HTTP and the local inbox only: the ASL file
 * runs on aws-local-stepfunctions, every approver gets one email with one link, and decisions come
 * back through the approval pages.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** Who decided in the request's current round, as their emails are addressed. */
const decidersOf = (view: { round: number; approvals: { round: number; status: string; name: string; email: string }[] }) =>
  view.approvals.filter((a) => a.round === view.round && (a.status === 'APPROVED' || a.status === 'REJECTED')).map((a) => `"${a.name}" <${a.email}>`);

const approverEmails = (emails: Email[], round = 1) =>
  emails.filter((e) => /Offshoring approval needed/.test(e.subject) && e.body.text?.includes(`(round ${round})`));

async function submitAndCollect(body: unknown, expected: number) {
  const { status, body: created } = await h.submit(body);
  expect(status).toBe(201);
  const requestId: string = created.requestId;
  const emails = await h.eventually(async () => {
    const mine = approverEmails(await h.emails(requestId));
    return mine.length >= expected && mine;
  }, `${expected} approver emails for ${requestId}`);
  return { requestId, created, emails };
}

async function decide(email: Email, decision: 'APPROVE' | 'REJECT', reason?: string) {
  const { approvalId, token } = linkIn(email);
  return h.api(`/approvals/${approvalId}`, form({ token, decision, ...(reason ? { reason } : {}) }));
}

/** The endorsement's own execution: its one branch asks the Departmental Head, and the decision ends it. */
const endorsementEnded = (requestId: string) =>
  h.eventually(async () => {
    const { status } = await h.stack.runtime.clients.stepFunctions.send(
      new DescribeExecutionCommand({ executionArn: executionArn(h.stack.stateMachineArn, endorsementExecutionName(requestId, 1)) }),
    );
    return status !== 'RUNNING' && status;
  }, 'the endorsement execution to end');

async function waitForStatus(requestId: string, status: string) {
  return h.eventually(async () => {
    const view = await h.status(requestId);
    return view.status === status && view;
  }, `${requestId} to be ${status}`);
}

describe('parallel approvals by email', () => {
  it('asks all six approvers of a multi-area request at once, with one personal link each', async () => {
    const { requestId, emails } = await submitAndCollect(multiAreaRequest(), 6);
    expect(emails).toHaveLength(6);
    // Each to its approver alone: no one copied.
    for (const e of emails) expect({ to: e.destination.to.length, cc: e.destination.cc, bcc: e.destination.bcc }).toEqual({ to: 1, cc: [], bcc: [] });
    const to = emails.map((e) => e.destination.to.join(','));
    for (const who of ['siro', 'ssa', 'ciso', 'dpo', 'commercial', 'legal']) {
      expect(to.filter((address) => address.includes(`<${who}@justice.local>`))).toHaveLength(1);
    }
    const email = emails[0]!;
    // What is asked, who asked, by when, one link; text and HTML.
    for (const fact of [
      'Northwind Payments Ltd',
      'Ireland: Hosting, Processing',
      'Poland: Support, Access to the data',
      'OFFICIAL; Personal data, Financial data',
      'Alex Morgan',
      'Please decide by',
      '(UK time).',
      'tokenised',
    ]) {
      expect(email.body.text).toContain(fact);
    }
    expect(email.body.text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(email.body.html).toContain('<a href="http');
    expect(new Set(emails.map((e) => linkIn(e).token)).size).toBe(6);
    // The Step Functions task token never travels: only our own 43-character link token.
    for (const e of emails) expect(linkIn(e).token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const view = await h.status(requestId);
    expect(view.audit.filter((a: { type: string }) => a.type === 'APPROVAL_REQUESTED')).toHaveLength(6);
  });

  it("confirms the submission to the owner: the reference, who must approve in words, the deadline in UK time, the request's page", async () => {
    const { requestId, created } = await submitAndCollect(multiAreaRequest(), 6);
    const [received, ...more] = await h.emails(`Request received: Shared payments and refunds platform (${requestId})`);
    expect(more).toEqual([]);
    expect(received!.destination).toEqual({
      to: ['"Alex Morgan" <alex.morgan@justice.gov.uk>'],
      cc: ['"Jordan Reid" <jordan.reid@justice.gov.uk>'],
      bcc: [],
    });
    const page = `${h.stack.runtime.publicBaseUrl}/offshoring-requests/${requestId}`;
    expect(received!.body.text).toContain(`reference is ${requestId}`);
    expect(received!.body.text).toContain(page);
    expect(received!.body.html).toContain(`href="${page}"`);
    for (const role of [
      'MoJ Senior Information Risk Officer (SIRO)',
      'MoJ Chief Information Security Officer (CISO)',
      'MoJ Legal',
      'MoJ Commercial',
    ]) {
      expect(received!.body.text).toContain(`${role}: `);
    }
    expect(received!.body.text).toMatch(/until (?:\d{1,2}(?::\d{2})?[ap]m|midday|midnight) on \d{1,2} [A-Z][a-z]+ \d{4} \(UK time\)/);
    expect(received!.body.text).not.toContain(created.respondBy);
    // Recorded as evidence, once.
    const recorded = (await h.status(requestId)).audit.filter(
      (e: { type: string; details: { key?: string } }) => e.details.key === 'ROUND_STARTED:1',
    );
    expect(recorded).toHaveLength(1);
  });

  it('opening a link (as a mail scanner does) shows the request and changes nothing', async () => {
    const { requestId, emails } = await submitAndCollect(singleAreaRequest(), 5);
    // Each email is recorded in the audit trail just after it is sent: let the trail settle first.
    const before = await h.eventually(async () => {
      const view = await h.status(requestId);
      return view.audit.filter((e: { type: string; details: { key?: string } }) => e.details.key?.startsWith('REQUEST:')).length === 5 && view;
    }, "five approvers' EMAIL_SENT events");
    for (const email of emails) {
      const { url } = linkIn(email);
      const page = await h.api(url.pathname + url.search);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(page.text).toContain('Court hearing transcription');
      expect(page.text).toContain('name="decision" type="radio" value="APPROVE"');
      expect(page.text).toContain('name="decision" type="radio" value="REJECT"');
    }
    const after = await h.status(requestId);
    expect(after.approvals).toEqual(before.approvals);
    expect(after.audit).toEqual(before.audit);
  });

  it('rejects the request when one approver rejects, with the reason, stops the others and emails the service owner the routes', async () => {
    const { requestId, emails } = await submitAndCollect(multiAreaRequest(), 6);
    const [rejecter, ...approvers] = emails;
    for (const email of approvers.slice(0, 4)) expect((await decide(email, 'APPROVE')).status).toBe(200);
    const rejected = await decide(rejecter!, 'REJECT', 'Support access from Poland needs a DPIA first');
    expect(rejected.status).toBe(200);
    expect(rejected.text).toContain('Decision recorded: Rejected');

    const view = await waitForStatus(requestId, 'REJECTED');
    expect(view.statusReason).toContain('Support access from Poland needs a DPIA first');
    const decided = view.approvals.filter((a: { status: string }) => a.status !== 'CLOSED');
    expect(decided).toHaveLength(5);
    const closed = view.approvals.filter((a: { status: string }) => a.status === 'CLOSED');
    expect(closed).toHaveLength(1);

    // The still-pending approver's link now answers 410, and they are told they need do nothing.
    const stillWaiting = approvers[4]!;
    expect((await decide(stillWaiting, 'APPROVE')).status).toBe(410);
    await h.eventually(async () => (await h.emails(`No action needed`)).some((e) => e.subject.includes(requestId)), 'round-closed email');

    const ownerEmail = await h.eventually(async () => (await h.emails(`Rejected: `)).find((e) => e.subject.includes(requestId)), 'rejection email');
    expect(ownerEmail.destination).toEqual({
      to: ['"Alex Morgan" <alex.morgan@justice.gov.uk>'],
      cc: ['"Jordan Reid" <jordan.reid@justice.gov.uk>'],
      bcc: [],
    });
    expect(ownerEmail.body.text).toContain('Support access from Poland needs a DPIA first');
    // The three routes of Process 3 are pages of the service, each a link; never an API call.
    const page = `${h.stack.runtime.publicBaseUrl}/offshoring-requests/${requestId}`;
    for (const route of ['resubmit', 'mitigations', 'escalate']) {
      expect(ownerEmail.body.text).toContain(`${page}/${route}`);
      expect(ownerEmail.body.html).toContain(`href="${page}/${route}"`);
    }
    for (const part of [ownerEmail.body.text, ownerEmail.body.html]) {
      expect(part).not.toContain('POST');
      expect(part).not.toContain(`/requests/${requestId}`);
    }
    // The approvers who decided hear the outcome; the one still waiting was told to do nothing.
    const outcomes = await h.eventually(async () => {
      const told = await h.emails(`Outcome: Shared payments and refunds platform (${requestId}) was rejected`);
      return told.length === 5 && told;
    }, 'five approvers told the round was rejected');
    expect(outcomes.map((e) => e.destination.to.join()).sort()).toEqual(decidersOf(view).sort());

    // Each decision is written evidence in the audit trail.
    const evidence = view.audit.filter((a: { type: string }) => a.type === 'APPROVAL_DECIDED').map((a: { details: unknown }) => a.details);
    expect(evidence).toHaveLength(5);
    expect(evidence).toContainEqual(
      expect.objectContaining({
        decision: 'REJECTED',
        reason: 'Support access from Poland needs a DPIA first',
        requestVersion: 1,
        role: expect.any(String),
        name: expect.any(String),
        email: expect.any(String),
        decidedAt: expect.any(String),
      }),
    );

    // The execution ends just after the conclusion's last email: wait for it rather than race it.
    const execution = await h.stack.stepFunctions.waitForExecution(
      `${h.stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${requestId}`,
    );
    expect(execution.status).toBe('SUCCEEDED');

    // Process 3(a): resubmit the adjusted request → a new round with every approver again; round 1 stays in the history.
    const adjusted = { ...multiAreaRequest(), offshoreLocations: [{ country: 'IE', activities: ['HOSTING', 'PROCESSING'] }] };
    const resubmitted = await h.api(
      `/requests/${requestId}/resubmissions`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(adjusted) },
      'alex.morgan@justice.gov.uk',
    );
    expect(resubmitted.status).toBe(201);
    expect(resubmitted.body).toMatchObject({ requestId, status: 'PENDING_APPROVAL', round: 2 });
    const round2 = await h.eventually(async () => {
      const mine = approverEmails(await h.emails(requestId), 2);
      return mine.length === 6 && mine;
    }, 'round 2 emails');
    // Round 1 links do not work for round 2.
    expect((await decide(approvers[0]!, 'APPROVE')).status).toBe(409);
    for (const email of round2) expect((await decide(email, 'APPROVE')).status).toBe(200);
    await waitForStatus(requestId, 'APPROVED');
    // The register entry and its audit event follow the status change in the same step.
    const approved = await h.eventually(async () => {
      const view = await h.status(requestId);
      return view.audit.some((e: { type: string }) => e.type === 'SERVICE_REGISTERED') && view;
    }, 'SERVICE_REGISTERED');
    expect(approved.round).toBe(2);
    expect(approved.approvals.every((a: { status: string; round: number }) => a.status === 'APPROVED' && a.round === 2)).toBe(true);
    expect(approved.earlierRounds).toHaveLength(6);
    expect(approved.audit.map((a: { type: string }) => a.type)).toEqual(
      expect.arrayContaining(['REQUEST_REJECTED', 'REQUEST_RESUBMITTED', 'REQUEST_APPROVED', 'SERVICE_REGISTERED']),
    );
    // A new round, confirmed to the owner; then approved, with the register id and the next review in words.
    const newRound = await h.emails(`New approval round started: Shared payments and refunds platform (${requestId})`);
    expect(newRound).toHaveLength(1);
    expect(newRound[0]!.body.text).toContain('a new round of approvals has started: round 2');
    const approvedEmail = await h.eventually(async () => (await h.emails(`Approved: `)).find((e) => e.subject.includes(requestId)), 'approval email');
    const registered = approved.audit.find((e: { type: string }) => e.type === 'SERVICE_REGISTERED').details;
    expect(approvedEmail.body.text).toContain(`in the offshore service register as ${registered.serviceId}`);
    expect(approvedEmail.body.text).toMatch(/next review is due by \d{1,2} [A-Z][a-z]+ \d{4}/);
    expect(approvedEmail.body.text).toContain(`${h.stack.runtime.publicBaseUrl}/offshoring-requests/${requestId}`);
    const approvedOutcomes = await h.eventually(async () => {
      const told = await h.emails(`Outcome: Shared payments and refunds platform (${requestId}) was approved`);
      return told.length === 6 && told;
    }, 'six approvers told the round was approved');
    expect(new Set(approvedOutcomes.map((e) => e.destination.to.join())).size).toBe(6);
  });
});

describe('the approval link', () => {
  let emails: Email[];
  let requestId: string;
  beforeAll(async () => {
    ({ emails, requestId } = await submitAndCollect(singleAreaRequest(), 5));
  });

  it('refuses a missing, malformed, unknown or tampered token with 403', async () => {
    const { approvalId, token } = linkIn(emails[0]!);
    const tampered = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    for (const bad of ['', 'short', tampered, 'x'.repeat(43)]) {
      expect((await h.api(`/approvals/${approvalId}?token=${bad}`)).status).toBe(403);
      expect((await h.api(`/approvals/${approvalId}`, form({ token: bad, decision: 'APPROVE' }))).status).toBe(403);
    }
    expect((await h.api(`/approvals/${approvalId}`)).status).toBe(403);
  });

  it('stores no emailed token in clear: each link is kept under its hash, and no item holds the token', async () => {
    const links = emails.map(linkIn);
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await h.stack.runtime.clients.documents.send(new ScanCommand({ TableName: h.stack.tableName, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    // The scan saw the request's items and each emailed link's item, found by the hash of its token.
    expect(items.some((item) => item.pk === `REQUEST#${requestId}`)).toBe(true);
    for (const { approvalId, token } of links) {
      expect(items.filter((item) => item.pk === `LINK#${hashLinkToken(token)}`).map((item) => item.approvalId)).toEqual([approvalId]);
    }
    for (const item of items) {
      const stored = JSON.stringify(item);
      for (const { token } of links) expect(stored.includes(token), `an item (${item.pk} ${item.sk}) holds an emailed token`).toBe(false);
    }
  });

  it("refuses another approver's token with 403", async () => {
    const mine = linkIn(emails[0]!);
    const theirs = linkIn(emails[1]!);
    expect((await h.api(`/approvals/${mine.approvalId}?token=${theirs.token}`)).status).toBe(403);
    expect((await h.api(`/approvals/${mine.approvalId}`, form({ token: theirs.token, decision: 'APPROVE' }))).status).toBe(403);
  });

  it('requires a reason to reject, and shows the form again with the problem', async () => {
    const res = await decide(emails[0]!, 'REJECT');
    expect(res.status).toBe(400);
    expect(res.text).toContain('give a reason when you reject');
    expect((await h.status(requestId)).approvals[0].status).toBe('PENDING');
  });

  it('records one decision from a double POST, and answers 409 showing the recorded decision', async () => {
    const email = emails[1]!;
    const [a, b] = await Promise.all([decide(email, 'APPROVE', 'Fine by Legal'), decide(email, 'APPROVE', 'Fine by Legal')]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const again = await decide(email, 'REJECT', 'changed my mind');
    expect(again.status).toBe(409);
    // The recorded decision, in words.
    expect(again.text).toMatch(/recorded a decision at [^<]*: Approved\./);
    const page = await h.api(linkIn(email).url.pathname + linkIn(email).url.search);
    expect(page.status).toBe(409);
    const view = await h.status(requestId);
    const decisions = view.audit.filter(
      (e: { type: string; details: { approvalId: string } }) => e.type === 'APPROVAL_DECIDED' && e.details.approvalId === linkIn(email).approvalId,
    );
    expect(decisions).toHaveLength(1);
  });

  it('answers 415 to a decision that is not a form', async () => {
    const { approvalId, token } = linkIn(emails[2]!);
    const res = await h.api(`/approvals/${approvalId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, decision: 'APPROVE' }),
    });
    expect(res.status).toBe(415);
  });
});

describe('the rejection routes (Offshoring Policy, Process 3)', () => {
  async function rejectedRequest(body: unknown = singleAreaRequest()) {
    const { requestId, emails } = await submitAndCollect(body, 5);
    expect((await decide(emails[0]!, 'REJECT', 'Not without encryption at rest')).status).toBe(200);
    await waitForStatus(requestId, 'REJECTED');
    return requestId;
  }
  const OWNER = 'priya.shah@justice.gov.uk';
  const post = (path: string, body: unknown) =>
    h.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, OWNER);

  it('answers 409 to a route taken on a request that is not rejected', async () => {
    const { body } = await h.submit(singleAreaRequest());
    const res = await post(`/requests/${body.requestId}/mitigations`, { mitigations: ['More logging'] });
    expect(res.status).toBe(409);
    expect((await post(`/requests/OFF-NOSUCH/mitigations`, { mitigations: ['x'] })).status).toBe(404);
  });

  it('starts a new round with additional mitigations', async () => {
    const requestId = await rejectedRequest();
    const res = await post(`/requests/${requestId}/mitigations`, { mitigations: ['Data encrypted at rest with MoJ-held keys'] });
    expect(res.status).toBe(201);
    expect(res.body.round).toBe(2);
    const view = await h.status(requestId);
    // Process 3(c): additional mitigations are added after the earlier ones, which stay.
    expect(view.request.mitigations).toEqual([...singleAreaRequest().mitigations!, 'Data encrypted at rest with MoJ-held keys']);
    expect(view.status).toBe('PENDING_APPROVAL');
  });

  it('starts a new round with alternative mitigations, which replace the earlier ones', async () => {
    const requestId = await rejectedRequest();
    const alternatives = ['Transcription moves to a UK facility; India keeps read-only access', 'Quarterly audit of the supplier'];
    const res = await post(`/requests/${requestId}/mitigations`, { mitigations: alternatives, replaceExisting: true });
    expect(res.status).toBe(201);
    const view = await h.status(requestId);
    expect(view.request.mitigations).toEqual(alternatives);
    // Round 2's approvers read the alternatives alone.
    const round2 = await h.eventually(async () => {
      const mine = approverEmails(await h.emails(requestId), 2);
      return mine.length === 5 && mine;
    }, 'round 2 emails');
    const listed = round2[0]!.body.text!.split('Mitigations:\n')[1]!.split('\n\n')[0];
    expect(listed).toBe(alternatives.map((m) => `  - ${m}`).join('\n'));
  });

  it("escalates only to the Departmental Head of a business area the request names: another area's Head is refused 400 and never emailed", async () => {
    for (const body of [singleAreaRequest(), multiAreaRequest()]) {
      const requestId = await rejectedRequest(body);
      for (const businessArea of ['HMPPS', 'NARNIA', undefined]) {
        if (businessArea === undefined && body.businessAreas.length === 1) continue;
        const escalation = {
          caseForApproval: 'Essential for the court backlog',
          risksRectified: 'A DPIA is done',
          ...(businessArea ? { businessArea } : {}),
        };
        const res = await h.api(
          `/requests/${requestId}/escalations`,
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(escalation) },
          body.serviceOwner.email,
        );
        expect(res.status, `${businessArea} for ${body.businessAreas.join()}`).toBe(400);
        expect(res.body.errors).toEqual([{ path: 'businessArea', message: expect.stringContaining(body.businessAreas.join(', ')) }]);
      }
      const view = await h.status(requestId);
      expect(view.status).toBe('REJECTED');
      expect(view.approvals.filter((a: { kind: string }) => a.kind === 'ENDORSEMENT')).toEqual([]);
    }
    expect((await h.emails()).filter((e) => e.destination.to.join().includes('head@hmpps.justice.local'))).toEqual([]);
  });

  it('refuses an escalation that does not say what residual or inherent risk was rectified, a bare confirmation included', async () => {
    const requestId = await rejectedRequest();
    for (const body of [
      { caseForApproval: 'Essential for court recovery' },
      { caseForApproval: 'Essential for court recovery', residualRisksRectified: true },
      { caseForApproval: 'Essential for court recovery', risksRectified: '  ' },
    ]) {
      const res = await post(`/requests/${requestId}/escalations`, body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'risksRectified', message: expect.stringMatching(/rectified|empty/) }]);
    }
    expect((await h.status(requestId)).status).toBe('REJECTED');
  });

  it('escalates to the Departmental Head, whose endorsement starts a new round carrying it', async () => {
    const requestId = await rejectedRequest();
    const res = await post(`/requests/${requestId}/escalations`, {
      caseForApproval: 'Essential for the court backlog',
      risksRectified: 'Support access from Poland now needs a DPIA, which is done',
      residualRisksRectified: true,
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'ESCALATED', departmentalHead: { email: 'head@hmcts.justice.local' } });
    const headEmail = await h.eventually(
      async () => (await h.emails('Endorsement requested')).find((e) => e.subject.includes(requestId)),
      'endorsement email',
    );
    expect(headEmail.body.text).toContain('Essential for the court backlog');
    expect(headEmail.destination).toEqual({ to: ['"HMCTS Departmental Head" <head@hmcts.justice.local>'], cc: [], bcc: [] });
    // Offshoring Policy, Process 3(b): the Head reads what was rectified beside why it was rejected.
    const text = headEmail.body.text!;
    const reasons = text.indexOf('Why it was rejected:');
    const rectified = text.indexOf('Residual or inherent risk rectified before escalating:');
    expect(reasons).toBeGreaterThan(-1);
    expect(rectified).toBeGreaterThan(reasons);
    expect(text.slice(reasons, rectified)).toContain('rejected it: Not without encryption at rest');
    expect(text.slice(rectified)).toMatch(
      /^Residual or inherent risk rectified before escalating:\nSupport access from Poland now needs a DPIA, which is done\n/,
    );
    expect(headEmail.body.html).toContain(
      '<h3>Residual or inherent risk rectified before escalating</h3><blockquote>Support access from Poland now needs a DPIA, which is done</blockquote>',
    );
    // And on the page the link opens, beside the reasons.
    const { approvalId, token } = linkIn(headEmail);
    const page = await h.api(`/approvals/${encodeURIComponent(approvalId)}?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    const onPage = page.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(onPage).toMatch(
      /Why the request was rejected .*Not without encryption at rest.* Residual or inherent risk rectified before escalating .*Support access from Poland now needs a DPIA, which is done The service owner’s case for approval Essential for the court backlog/,
    );
    const endorsed = await decide(headEmail, 'APPROVE', 'Endorsed: critical service');
    expect(endorsed.status).toBe(200);
    const view = await waitForStatus(requestId, 'PENDING_APPROVAL');
    expect(view.round).toBe(2);
    const round2 = await h.eventually(async () => {
      const mine = approverEmails(await h.emails(requestId), 2);
      return mine.length === 5 && mine;
    }, 'round 2 emails');
    expect(round2[0]!.body.text).toContain('Endorsed by HMCTS Departmental Head');
    expect(await endorsementEnded(requestId)).toBe('SUCCEEDED');
  });

  it('closes the request when the Departmental Head declines', async () => {
    const requestId = await rejectedRequest();
    await post(`/requests/${requestId}/escalations`, { caseForApproval: 'Please', risksRectified: 'A DPIA is done' });
    const headEmail = await h.eventually(
      async () => (await h.emails('Endorsement requested')).find((e) => e.subject.includes(requestId)),
      'endorsement email',
    );
    expect((await decide(headEmail, 'REJECT', 'Not a priority')).status).toBe(200);
    const view = await waitForStatus(requestId, 'CLOSED');
    expect(view.statusReason).toContain('Not a priority');
    // The approver who rejected the round hears it rejected, then closed; the owner hears the Head declined, with the request's page.
    const rejecter = (await h.stack.runtime.store.getRequestView(requestId))!.approvals.find(
      (a) => a.status === 'REJECTED' && a.kind === 'APPROVAL',
    )!;
    const told = await h.eventually(async () => {
      const outcomes = (await h.emails(requestId)).filter((e) => e.subject.startsWith('Outcome: '));
      return outcomes.length === 2 && outcomes;
    }, 'the rejecting approver told the outcomes');
    expect(told.map((e) => e.subject.replace(/.* was /, ''))).toEqual(['rejected', 'closed']);
    expect(new Set(told.map((e) => e.destination.to.join()))).toEqual(new Set([`"${rejecter.name}" <${rejecter.email}>`]));
    const declined = (await h.emails(`Escalation declined: Court hearing transcription (${requestId})`))[0]!;
    // To the owner, the contract manager copied: the outcome of the escalation.
    expect(declined.destination).toEqual({ to: [`"Priya Shah" <${OWNER}>`], cc: ['"Tom Evans" <tom.evans@justice.gov.uk>'], bcc: [] });
    expect(declined.body.text).toContain(`${h.stack.runtime.publicBaseUrl}/offshoring-requests/${requestId}`);
    // The decline resumed the Head's branch (SendTaskFailure), so the execution ends rather than waiting to lapse.
    expect(await endorsementEnded(requestId)).toBe('SUCCEEDED');
    expect((await h.status(requestId)).status).toBe('CLOSED');
  });
});

describe('the deadline race, step by step', () => {
  it('the lapse step defers to a decision recorded first, and a decision after the lapse is refused with 410', async () => {
    const { approvalStep } = await import('../../functions/notify-approver.ts');
    const step = approvalStep(h.stack.runtime);
    const { requestId, emails } = await submitAndCollect(singleAreaRequest(), 5);
    const [decidedFirst, lapsedFirst] = emails;
    const id = (email: Email) => linkIn(email).approvalId;

    expect((await decide(decidedFirst!, 'APPROVE')).status).toBe(200);
    // Outcomes, returned for the ASL's Choice: never thrown, so they are never counted as function errors.
    await expect(step({ stage: 'LAPSE', requestId, round: 1, approvalId: id(decidedFirst!) })).resolves.toMatchObject({ outcome: 'APPROVED' });

    await expect(step({ stage: 'LAPSE', requestId, round: 1, approvalId: id(lapsedFirst!) })).resolves.toMatchObject({ outcome: 'LAPSED' });
    const late = await decide(lapsedFirst!, 'APPROVE');
    expect(late.status).toBe(410);
    const view = await h.status(requestId);
    expect(view.approvals.find((a: { approvalId: string }) => a.approvalId === id(decidedFirst!)).status).toBe('APPROVED');
    expect(view.approvals.find((a: { approvalId: string }) => a.approvalId === id(lapsedFirst!)).status).toBe('LAPSED');
  });
});

describe("the round's conclusion reads the table (Offshoring Policy, Process 2)", () => {
  it('does not approve a round the workflow calls approved while the table has an approval pending or rejected', async () => {
    const { concludeRound } = await import('../../functions/conclude-round.ts');
    const { hashLinkToken } = await import('../../functions/domain/links.ts');
    const conclude = concludeRound(h.stack.runtime);
    const { requestId, emails } = await submitAndCollect(singleAreaRequest(), 5);
    const [last, ...others] = emails;
    for (const email of others) expect((await decide(email, 'APPROVE')).status).toBe(200);
    const approvedSoFar = (await h.status(requestId)).approvals.filter((a: { status: string }) => a.status === 'APPROVED');
    expect(approvedSoFar).toHaveLength(4);

    // One approval still PENDING in the table.
    await expect(conclude({ outcome: 'APPROVED', requestId, round: 1 })).rejects.toThrow(/approvals say UNDECIDED/);
    // The same approval REJECTED in the table, the workflow not (yet) told.
    const { approvalId, token } = linkIn(last!);
    const at = new Date().toISOString();
    const { role, name, email } = (await h.stack.runtime.store.getApproval({ requestId, round: 1, approvalId }))!;
    const reason = 'Not without encryption at rest';
    await h.stack.runtime.store.recordDecision(
      { requestId, round: 1, approvalId },
      { tokenHash: hashLinkToken(token), status: 'REJECTED', reason, at },
      {
        eventId: `EVT-${approvalId}`,
        at,
        type: 'APPROVAL_DECIDED',
        actor: { kind: 'APPROVER', name, email, role },
        round: 1,
        details: { approvalId, role, name, email, decision: 'REJECTED', reason, decidedAt: at, requestVersion: 1 },
      },
    );
    await expect(conclude({ outcome: 'APPROVED', requestId, round: 1 })).rejects.toThrow(/approvals say REJECTED/);

    const view = await h.status(requestId);
    expect(view.status).toBe('PENDING_APPROVAL');
    expect(view.audit.map((e: { type: string }) => e.type)).not.toContain('REQUEST_APPROVED');
    expect(view.audit.map((e: { type: string }) => e.type)).not.toContain('SERVICE_REGISTERED');
    expect(await h.emails(`Approved: Court hearing transcription (${requestId})`)).toEqual([]);
  });
});

describe('the decision form', () => {
  it('posts back to the link itself, token in the query string, and that is accepted', async () => {
    const { emails } = await submitAndCollect(singleAreaRequest(), 5);
    const { url } = linkIn(emails[0]!);
    const page = await h.api(url.pathname + url.search);
    const action = /<form method="post" action="([^"]+)"/.exec(page.text)![1]!.replace(/&amp;/g, '&');
    expect(action).toBe(url.href);
    const res = await h.api(url.pathname + url.search, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=APPROVE',
    });
    expect(res.status).toBe(200);
  });
});
