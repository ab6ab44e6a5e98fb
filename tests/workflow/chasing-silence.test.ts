import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, linkIn, startHarness, type Email, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Issue 4 on the local stack with the ASL file: the approval timeline shortened to seconds
 * (reminder after 1 s, escalation after 2 s, lapse after 3 s) through the same configuration
 * `npm start` reads from REMINDER_AFTER_SECONDS, ESCALATE_AFTER_SECONDS and LAPSE_AFTER_SECONDS.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ runtime: { approvalWaits: { reminderAfterSeconds: 1, escalateAfterSeconds: 2, lapseAfterSeconds: 3 } } });
});
afterAll(() => h.close());

const OWNER = 'priya.shah@justice.gov.uk';
const post = (path: string, body?: unknown) =>
  h.api(path, { method: 'POST', ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) }, OWNER);

async function submit(body: unknown = singleAreaRequest()) {
  const { status, body: created } = await h.submit(body);
  expect(status).toBe(201);
  const requestId: string = created.requestId;
  const first = await h.eventually(async () => {
    const mine = (await h.emails(requestId)).filter((e) => e.subject.startsWith('Offshoring approval needed') || e.subject.includes('] Offshoring approval needed'));
    return mine.length === 5 && mine;
  }, 'five approver emails');
  return { requestId, created, first };
}

const decide = (email: Email, decision: 'APPROVE' | 'REJECT', reason?: string) => {
  const { approvalId, token } = linkIn(email);
  return h.api(`/approvals/${approvalId}`, form({ token, decision, ...(reason ? { reason } : {}) }));
};

describe('chasing silence', () => {
  it('reminds, escalates and finally lapses a silent approver, rejecting the request with the routes open', async () => {
    const { requestId, first } = await submit();
    const silent = first.find((e) => e.destination.to.join().includes('<legal@justice.local>'))!;
    for (const email of first.filter((e) => e !== silent)) expect((await decide(email, 'APPROVE')).status).toBe(200);

    const view = await h.eventually(async () => {
      const v = await h.status(requestId);
      return v.status === 'REJECTED' && v;
    }, 'the request to be rejected after the lapse', 15_000);
    expect(view.statusReason).toContain('approval not obtained in time');
    const legal = view.approvals.find((a: { role: string }) => a.role === 'LEGAL');
    expect(legal).toMatchObject({ status: 'LAPSED', reason: 'approval not obtained in time' });

    // Every step is an audit event with its time, in order.
    const steps = view.audit.filter((e: { type: string; details: { approvalId?: string } }) => e.details.approvalId === legal.approvalId);
    expect(steps.map((e: { type: string }) => e.type)).toEqual(['APPROVAL_REQUESTED', 'APPROVER_REMINDED', 'APPROVAL_ESCALATED', 'APPROVAL_LAPSED']);
    const times = steps.map((e: { at: string }) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[3] - times[0]).toBeGreaterThanOrEqual(2_900);

    // The emails: the request, a reminder with a fresh link, the escalation to the contact and the owner, the rejection.
    const emails = await h.emails(requestId);
    const reminder = emails.find((e) => e.subject.startsWith('Reminder: '))!;
    expect(reminder.destination.to.join()).toContain('<legal@justice.local>');
    expect(linkIn(reminder).token).not.toBe(linkIn(silent).token);
    const escalation = emails.find((e) => e.subject.startsWith('Escalation: '))!;
    expect(escalation.destination.to.join()).toContain('<head-legal@justice.local>');
    expect(escalation.destination.cc.join()).toContain('priya.shah@justice.gov.uk');
    const rejection = await h.eventually(async () => (await h.emails(requestId)).find((e) => e.subject.startsWith('Rejected: ')), 'rejection email');
    expect(rejection.body.text).toContain('approval not obtained in time');
    expect(rejection.body.text).toContain('/resubmissions');
    expect(emails.filter((e) => e.subject.startsWith('Reminder: '))).toHaveLength(1);

    // Once the window has closed, both links answer 410.
    for (const email of [silent, reminder]) expect((await decide(email, 'APPROVE')).status).toBe(410);
    // And the rejection routes apply.
    expect((await post(`/requests/${requestId}/mitigations`, { mitigations: ['Legal review booked'] })).status).toBe(201);
  });

  it('keeps the first link working after the reminder, until the window closes', async () => {
    const { requestId, first } = await submit();
    await h.eventually(async () => (await h.emails(requestId)).filter((e) => e.subject.startsWith('Reminder: ')).length === 5, 'five reminders');
    for (const email of first) expect((await decide(email, 'APPROVE')).status).toBe(200);
    const view = await h.eventually(async () => {
      const v = await h.status(requestId);
      return v.status === 'APPROVED' && v;
    }, 'approval');
    expect(view.approvals.every((a: { status: string }) => a.status === 'APPROVED')).toBe(true);
  });

  it('records or refuses a decision posted as the window closes, never both, and the request agrees', async () => {
    // Many approvers deciding right at the lapse: each decision is either recorded (200) or refused (410).
    const { requestId, first } = await submit();
    await new Promise((r) => setTimeout(r, 2_950));
    const answers = await Promise.all(first.map(async (email) => ({ email, res: await decide(email, 'APPROVE') })));
    const view = await h.eventually(async () => {
      const v = await h.status(requestId);
      return ['APPROVED', 'REJECTED'].includes(v.status) && v;
    }, 'the round to end', 15_000);
    const events = (type: string, approvalId: string) =>
      view.audit.filter((e: { type: string; details: { approvalId: string } }) => e.type === type && e.details.approvalId === approvalId).length;
    for (const { email, res } of answers) {
      const approval = view.approvals.find((a: { approvalId: string }) => a.approvalId === linkIn(email).approvalId);
      expect([200, 410]).toContain(res.status);
      if (res.status === 200) {
        // Recorded: approved, once, and never also lapsed.
        expect(approval.status).toBe('APPROVED');
        expect([events('APPROVAL_DECIDED', approval.approvalId), events('APPROVAL_LAPSED', approval.approvalId)]).toEqual([1, 0]);
      } else {
        // Refused: no decision recorded. Its own window closed (LAPSED), or another approver lapsed
        // first, rejecting the round and closing the approvals still waiting (CLOSED).
        expect(['LAPSED', 'CLOSED']).toContain(approval.status);
        expect(events('APPROVAL_DECIDED', approval.approvalId)).toBe(0);
        expect(events('APPROVAL_LAPSED', approval.approvalId)).toBe(approval.status === 'LAPSED' ? 1 : 0);
      }
    }
    if (view.approvals.some((a: { status: string }) => a.status === 'CLOSED')) {
      expect(view.approvals.some((a: { status: string }) => a.status === 'LAPSED')).toBe(true);
    }
    const allApproved = answers.every(({ res }) => res.status === 200);
    expect(view.status).toBe(allApproved ? 'APPROVED' : 'REJECTED');
    const execution = await h.stack.stepFunctions.waitForExecution(`${h.stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${requestId}`);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it('marks late-notice requests urgent and ends their window before the planned start', async () => {
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const { created, first } = await submit({ ...singleAreaRequest(), plannedStartDate: soon });
    expect(created.lateNotice).toBe(true);
    expect(first.every((e) => e.subject.startsWith('[URGENT: late notice]'))).toBe(true);
    expect(first[0]!.body.text).toContain('LATE NOTICE');
    expect(Date.parse(created.respondBy)).toBeLessThanOrEqual(Date.parse(`${soon}T00:00:00Z`));
  });
});

describe('withdrawal', () => {
  it('stops the execution, tells the waiting approvers and marks the request WITHDRAWN', async () => {
    const { requestId, first } = await submit();
    expect((await decide(first[0]!, 'APPROVE')).status).toBe(200);
    const res = await post(`/requests/${requestId}/withdrawal`, { reason: 'Supplier changed' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ requestId, status: 'WITHDRAWN' });
    expect(res.body.approversTold).toHaveLength(4);
    const execution = await h.stack.stepFunctions.describeExecution({ executionArn: `${h.stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${requestId}` });
    expect(execution.status).toBe('ABORTED');
    const view = await h.status(requestId);
    expect(view.status).toBe('WITHDRAWN');
    expect(view.audit.map((e: { type: string }) => e.type)).toContain('REQUEST_WITHDRAWN');
    expect((await h.emails(requestId)).filter((e) => e.subject.startsWith('No action needed'))).toHaveLength(4);
    expect((await decide(first[1]!, 'APPROVE')).status).toBe(410);
    expect((await post(`/requests/${requestId}/withdrawal`)).status).toBe(409);
  });

  it('accepts a withdrawal with no body', async () => {
    const { requestId } = await submit();
    expect((await post(`/requests/${requestId}/withdrawal`)).status).toBe(200);
  });
});
