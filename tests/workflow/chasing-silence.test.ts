import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { form, linkIn, startHarness, type Email, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { endorsementExecutionName, executionArn } from '../../functions/domain/workflow.ts';
import { concludeRound } from '../../functions/conclude-round.ts';
import { approvalBranch } from '../../functions/domain/approval-branch.ts';

/**
 * The approval timeline on the local stack with the ASL file, shortened to seconds through the same
 * configuration `npm start` reads from REMINDER_AFTER_SECONDS, CHASE_AFTER_SECONDS and
 * LAPSE_AFTER_SECONDS. Timing is asserted against the workflow's own records (the stored deadlines
 * and the audit trail), never against elapsed time on a busy machine.
 */
let h: Harness;
/** Reminds after a second, then nothing for minutes: time to act between stages, and at a stage boundary. */
let patient: Harness;
beforeAll(async () => {
  [h, patient] = await Promise.all([
    startHarness({ runtime: { approvalWaits: { reminderAfterSeconds: 1, chaseAfterSeconds: 2, lapseAfterSeconds: 3 } } }),
    startHarness({ runtime: { approvalWaits: { reminderAfterSeconds: 1, chaseAfterSeconds: 600, lapseAfterSeconds: 1200 } } }),
  ]);
});
afterAll(() => Promise.all([h?.close(), patient?.close()]));

const OWNER = 'priya.shah@justice.gov.uk';
const post = (on: Harness, path: string, body?: unknown) =>
  on.api(
    path,
    { method: 'POST', ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) },
    OWNER,
  );

const TIME_OF_DAY = /\b(?:\d{1,2}(?::\d{2})?[ap]m|midday|midnight) on \d{1,2} [A-Z][a-z]+ \d{4}/g;

const isApprovalNeeded = (e: Email) => e.subject.startsWith('Offshoring approval needed') || e.subject.includes('] Offshoring approval needed');

async function firstEmails(on: Harness, requestId: string) {
  return on.eventually(async () => {
    const mine = (await on.emails(requestId)).filter(isApprovalNeeded);
    return mine.length === 5 && mine;
  }, 'five approver emails');
}

async function submit(on: Harness = h, body: unknown = singleAreaRequest()) {
  const { status, body: created } = await on.submit(body);
  expect(status).toBe(201);
  const requestId: string = created.requestId;
  return { requestId, created, first: await firstEmails(on, requestId) };
}

const decide = (on: Harness, email: Email, decision: 'APPROVE' | 'REJECT', reason?: string) => {
  const { approvalId, token } = linkIn(email);
  return on.api(`/approvals/${approvalId}`, form({ token, decision, ...(reason ? { reason } : {}) }));
};

const arnOf = (on: Harness, requestId: string) => executionArn(on.stack.stateMachineArn, requestId);

/**
 * The request's view once it has reached one of `statuses` and none of its approvals still waits.
 * A request, its approvals and its audit events change in one transaction, but a query is
 * read-committed per item (on DynamoDB too), and it reads the approvals and the audit trail before
 * the request: a view can show the request's move without the approvals' and events that came with it.
 */
async function finalStatus(on: Harness, requestId: string, statuses: string[], timeoutMs?: number) {
  return on.eventually(
    async () => {
      const v = await on.status(requestId);
      return statuses.includes(v.status) && !v.approvals.some((a: { status: string }) => a.status === 'PENDING') && v;
    },
    `the request to be ${statuses.join(' or ')}`,
    timeoutMs,
  );
}

/**
 * Freezes a round at its reminder boundary: the REMINDER steps of the first request to reach one
 * have read the table, and their writes wait until `meanwhile` (given that request's id) is done.
 */
function atReminderBoundary(on: Harness, meanwhile: (requestId: string) => Promise<void>) {
  const store = on.stack.runtime.store;
  const storeTaskToken = store.storeTaskToken.bind(store);
  let held: { requestId: string; done: Promise<void> } | undefined;
  const reached = Promise.withResolvers<{ requestId: string; done: Promise<void> }>();
  const spy = vi.spyOn(store, 'storeTaskToken').mockImplementation(async (approval, step) => {
    const requestId = step.audit?.type === 'APPROVER_REMINDED' ? approval.requestId : undefined;
    if (requestId && (!held || held.requestId === requestId)) {
      if (!held) {
        held = { requestId, done: meanwhile(requestId) };
        reached.resolve(held);
      }
      await held.done;
    }
    return storeTaskToken(approval, step);
  });
  return { reached: reached.promise, restore: () => spy.mockRestore() };
}

describe('chasing silence', () => {
  it("asks a silent Departmental Head, reminds them, and lapses the escalation on the endorsement's own timer: REJECTED again, the owner told, the routes open", async () => {
    const { requestId, first } = await submit();
    expect((await decide(h, first[0]!, 'REJECT', 'Not without a DPIA')).status).toBe(200);
    await finalStatus(h, requestId, ['REJECTED']);
    const escalation = await post(h, `/requests/${requestId}/escalations`, {
      caseForApproval: 'Essential for the court backlog',
      risksRectified: 'A DPIA is done and approved by the DPO',
    });
    expect(escalation.status).toBe(202);

    const view = await finalStatus(h, requestId, ['REJECTED'], 15_000);
    expect(view.statusReason).toMatch(/Departmental Head did not respond/);
    // The request and its approval change in one transaction, but a query is read-committed across
    // items (on DynamoDB too): it may show the request's move before the approval's.
    const head = await h.eventually(async () => {
      const stored = (await h.stack.runtime.store.getRequestView(requestId))!;
      const endorsement = stored.approvals.find((a) => a.kind === 'ENDORSEMENT')!;
      return endorsement.status === 'LAPSED' && endorsement;
    }, 'the endorsement to be recorded as lapsed');
    expect(head).toMatchObject({ status: 'LAPSED', round: 1 });
    const steps = view.audit.filter(
      (e: { type: string; details: { approvalId?: string } }) => e.details.approvalId === head.approvalId && e.type !== 'EMAIL_SENT',
    );
    expect(steps.map((e: { type: string }) => e.type)).toEqual(['APPROVAL_REQUESTED', 'APPROVER_REMINDED', 'ESCALATION_LAPSED']);
    const [asked, reminded, lapsed] = steps.map((e: { at: string }) => Date.parse(e.at)) as number[];
    expect(reminded).toBeGreaterThanOrEqual(Date.parse(head.reminderAt!));
    expect(lapsed).toBeGreaterThanOrEqual(Date.parse(head.respondBy));
    expect(asked).toBeLessThan(reminded!);

    const mine = await h.eventually(async () => {
      const all = await h.emails(requestId);
      return all.some((e) => e.subject.startsWith('Escalation not answered')) && all;
    }, 'the owner told the escalation lapsed');
    const toHead = mine.filter((e) => e.destination.to.join().includes('head@hmcts.justice.local'));
    expect(toHead.map((e) => e.subject.replace(/:.*/, ''))).toEqual(['Endorsement requested', 'Reminder']);
    expect(mine.find((e) => e.subject.startsWith('Escalation not answered'))!.destination).toEqual({
      to: [`"Priya Shah" <${OWNER}>`],
      cc: [],
      bcc: [],
    });
    // The branch ended the way the table says, and the routes are open again.
    // The lapse ends the branch; the round's conclusion then runs, so the execution ends a moment later.
    const ended = await h.eventually(async () => {
      const { status } = await h.stack.runtime.clients.stepFunctions.send(
        new DescribeExecutionCommand({ executionArn: executionArn(h.stack.stateMachineArn, endorsementExecutionName(requestId, 1)) }),
      );
      return status !== 'RUNNING' && status;
    }, 'the endorsement execution to end');
    expect(ended).toBe('SUCCEEDED');
    expect((await post(h, `/requests/${requestId}/mitigations`, { mitigations: ['Extra controls'] })).status).toBe(201);
  });

  it('reminds, chases and finally lapses a silent approver, each when due, rejecting the request with the routes open', async () => {
    const { requestId, first } = await submit();
    const silent = first.find((e) => e.destination.to.join().includes('<legal@justice.local>'))!;
    for (const email of first.filter((e) => e !== silent)) expect((await decide(h, email, 'APPROVE')).status).toBe(200);

    const view = await finalStatus(h, requestId, ['REJECTED'], 15_000);
    expect(view.statusReason).toContain('approval not obtained in time');
    const legal = view.approvals.find((a: { role: string }) => a.role === 'LEGAL');
    expect(legal).toMatchObject({ status: 'LAPSED', reason: 'approval not obtained in time' });

    // Every step is an audit event with its time, in order, and none before its deadline.
    const steps = view.audit.filter(
      (e: { type: string; details: { approvalId?: string } }) => e.details.approvalId === legal.approvalId && e.type !== 'EMAIL_SENT',
    );
    expect(steps.map((e: { type: string }) => e.type)).toEqual(['APPROVAL_REQUESTED', 'APPROVER_REMINDED', 'APPROVER_CHASED', 'APPROVAL_LAPSED']);
    const [requested, reminded, chased, lapsed] = steps.map((e: { at: string }) => Date.parse(e.at)) as number[];
    expect(requested).toBeLessThan(reminded!);
    expect(reminded).toBeLessThan(chased!);
    expect(chased).toBeLessThan(lapsed!);
    // The deadlines the round planned from the configured waits (1 s, 2 s, 3 s after it started)...
    const stored = (await h.stack.runtime.store.getRequestView(requestId))!.approvals.find((a) => a.approvalId === legal.approvalId)!;
    const startedAt = Date.parse(stored.createdAt);
    expect([stored.reminderAt, stored.chaseAt, stored.respondBy].map((at) => Date.parse(at!) - startedAt)).toEqual([1000, 2000, 3000]);
    // ...and each step happened once its deadline had passed.
    expect(reminded).toBeGreaterThanOrEqual(Date.parse(stored.reminderAt!));
    expect(chased).toBeGreaterThanOrEqual(Date.parse(stored.chaseAt!));
    expect(lapsed).toBeGreaterThanOrEqual(Date.parse(stored.respondBy));
    // The approval records when it was reminded and chased, at the times of those steps.
    expect([stored.remindedAt, stored.chasedAt]).toEqual(steps.slice(1, 3).map((e: { at: string }) => e.at));

    // The emails: the request, a reminder with a fresh link, the chase to the contact, the owner's chase, the rejection.
    const emails = await h.emails(requestId);
    // The silent approver's: under load another approver may be reminded before their decision lands.
    const remindersToLegal = emails.filter((e) => e.subject.startsWith('Reminder: ') && e.destination.to.join().includes('<legal@justice.local>'));
    const reminder = remindersToLegal[0]!;
    expect(reminder).toBeDefined();
    expect(linkIn(reminder).token).not.toBe(linkIn(silent).token);
    const chase = emails.find((e) => e.subject.startsWith('Chase: no decision from MoJ Legal'))!;
    expect(chase.destination).toEqual({ to: ['"Head of Legal" <head-legal@justice.local>'], cc: [], bcc: [] });
    // The reminder goes to the approver alone.
    expect(reminder.destination).toEqual({ to: ['"MoJ Legal" <legal@justice.local>'], cc: [], bcc: [] });
    const ownerChases = emails.filter((e) => e.subject.startsWith('Chase: ') && e.destination.to.join().includes(OWNER));
    expect(ownerChases.map((e) => e.subject)).toEqual([`Chase: 1 approver has not decided on Court hearing transcription (${requestId})`]);
    expect(ownerChases[0]!.body.text).toContain(`MoJ Legal: ${legal.name} (${legal.email})`);
    const rejection = await h.eventually(async () => (await h.emails(requestId)).find((e) => e.subject.startsWith('Rejected: ')), 'rejection email');
    expect(rejection.body.text).toContain('did not decide in time: approval not obtained in time');
    expect(rejection.body.text).toContain(`${h.stack.runtime.publicBaseUrl}/offshoring-requests/${requestId}/resubmit`);
    expect(remindersToLegal).toHaveLength(1);
    // Every time in every email of the request is in UK time, and says so; no ISO timestamp.
    for (const email of await h.emails(requestId)) {
      const text = email.body.text ?? '';
      expect(text, email.subject).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
      for (const found of text.matchAll(TIME_OF_DAY)) expect(text.slice(found.index + found[0].length), email.subject).toMatch(/^ \(UK time\)/);
    }
    expect(emails.filter((e) => TIME_OF_DAY.test(e.body.text ?? '')).length).toBeGreaterThanOrEqual(5);

    // A lapse is an expected outcome: the round is rejected without a single failed Lambda invocation.
    expect(await h.stack.stepFunctions.waitForExecution(arnOf(h, requestId))).toMatchObject({ status: 'SUCCEEDED' });
    expect(h.stack.stepFunctions.lambdaFailures(arnOf(h, requestId))).toEqual([]);

    // Once the window has closed, both links answer 410.
    for (const email of [silent, reminder]) expect((await decide(h, email, 'APPROVE')).status).toBe(410);
    // And the rejection routes apply.
    expect((await post(h, `/requests/${requestId}/mitigations`, { mitigations: ['Legal review booked'] })).status).toBe(201);
  });

  it('keeps the first link working after the reminder, until the window closes', async () => {
    const { requestId, first } = await submit(patient);
    await patient.eventually(
      async () => (await patient.emails(requestId)).filter((e) => e.subject.startsWith('Reminder: ')).length === 5,
      'five reminders',
    );
    for (const email of first) expect((await decide(patient, email, 'APPROVE')).status).toBe(200);
    const view = await finalStatus(patient, requestId, ['APPROVED']);
    expect(view.approvals.every((a: { status: string }) => a.status === 'APPROVED')).toBe(true);
  });

  it('records or refuses a decision posted as the window closes, never both, and the request agrees', async () => {
    // Many approvers deciding right at the lapse: each decision is either recorded (200) or refused (410).
    const { requestId, created, first } = await submit();
    // Aimed at the round's own deadline; whichever side of it each decision lands, the assertions hold.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(created.respondBy) - Date.now() - 30)));
    const answers = await Promise.all(first.map(async (email) => ({ email, res: await decide(h, email, 'APPROVE') })));
    const view = await finalStatus(h, requestId, ['APPROVED', 'REJECTED'], 15_000);
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
    const execution = await h.stack.stepFunctions.waitForExecution(arnOf(h, requestId));
    expect(execution.status).toBe('SUCCEEDED');
    expect(h.stack.stepFunctions.lambdaFailures(arnOf(h, requestId))).toEqual([]);
  });

  it('marks late-notice requests urgent and ends their window before the planned start', async () => {
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const { created, first } = await submit(h, { ...singleAreaRequest(), plannedStartDate: soon });
    expect(created.lateNotice).toBe(true);
    expect(first.every((e) => e.subject.startsWith('[URGENT: late notice]'))).toBe(true);
    expect(first[0]!.body.text).toContain('LATE NOTICE');
    expect(Date.parse(created.respondBy)).toBeLessThanOrEqual(Date.parse(`${soon}T00:00:00Z`));
  });
});

describe('at a stage boundary', () => {
  it('a decision recorded as the branch moves to its reminder ends that wait: no reminder, no failed Lambda, the round approved', async () => {
    let decided: Email | undefined;
    // The decision lands between the REMINDER step's read and its write; its own hand-over finds
    // only the REQUEST stage's closed task, so the step must end its new wait itself.
    const boundary = atReminderBoundary(patient, async (requestId) => {
      decided = (await firstEmails(patient, requestId))[0]!;
      expect((await decide(patient, decided, 'APPROVE')).status).toBe(200);
    });
    try {
      const { requestId, first } = await submit(patient);
      await (await boundary.reached).done;
      const others = first.filter((e) => linkIn(e).approvalId !== linkIn(decided!).approvalId);
      await patient.eventually(
        async () => (await patient.emails(requestId)).filter((e) => e.subject.startsWith('Reminder: ')).length === 4,
        'four reminders',
      );
      for (const email of others) expect((await decide(patient, email, 'APPROVE')).status).toBe(200);

      const view = await finalStatus(patient, requestId, ['APPROVED']);
      const reminders = (await patient.emails(requestId)).filter((e) => e.subject.startsWith('Reminder: '));
      expect(reminders.map((e) => e.destination.to.join())).not.toContainEqual(decided!.destination.to.join());
      const remindedIds = view.audit
        .filter((e: { type: string }) => e.type === 'APPROVER_REMINDED')
        .map((e: { details: { approvalId: string } }) => e.details.approvalId);
      expect(remindedIds).toHaveLength(4);
      expect(remindedIds).not.toContain(linkIn(decided!).approvalId);
      expect(await patient.stack.stepFunctions.waitForExecution(arnOf(patient, requestId))).toMatchObject({ status: 'SUCCEEDED' });
      expect(patient.stack.stepFunctions.lambdaFailures(arnOf(patient, requestId))).toEqual([]);
    } finally {
      boundary.restore();
    }
  });

  it('a withdrawal racing a branch at its reminder ends the round quietly: WITHDRAWN stays, nothing fails, concluding changes nothing', async () => {
    const sfn = patient.stack.runtime.clients.stepFunctions;
    const send = sfn.send.bind(sfn) as (command: unknown) => Promise<unknown>;
    // StopExecution lands only after the branches have met the withdrawal themselves.
    const stopLate = (vi.spyOn(sfn, 'send') as unknown as MockInstance<(command: unknown) => Promise<unknown>>).mockImplementation(
      async (command) => {
        if (command instanceof StopExecutionCommand) await patient.stack.stepFunctions.waitForExecution(command.input.executionArn!);
        return send(command);
      },
    );
    let withdrawal: Promise<{ status: number; body: any }> | undefined;
    const boundary = atReminderBoundary(patient, async (requestId) => {
      withdrawal = post(patient, `/requests/${requestId}/withdrawal`, { reason: 'Supplier changed' });
      await patient.eventually(
        async () => (await patient.stack.runtime.store.getRequest(requestId))?.status === 'WITHDRAWN',
        'the withdrawal in the table',
      );
    });
    try {
      const { requestId } = await submit(patient);
      await (await boundary.reached).done;
      expect((await withdrawal!).status).toBe(200);

      const execution = await patient.stack.stepFunctions.waitForExecution(arnOf(patient, requestId));
      expect(execution.status).toBe('SUCCEEDED');
      expect(patient.stack.stepFunctions.lambdaFailures(arnOf(patient, requestId))).toEqual([]);
      const view = await patient.status(requestId);
      expect(view.status).toBe('WITHDRAWN');
      expect(view.approvals.every((a: { status: string }) => a.status === 'CLOSED')).toBe(true);
      const types = view.audit.map((e: { type: string }) => e.type);
      for (const never of ['WORKFLOW_FAILED', 'REQUEST_REJECTED', 'REQUEST_APPROVED', 'APPROVER_REMINDED']) expect(types).not.toContain(never);
      const emails = await patient.emails(requestId);
      expect(emails.filter((e) => e.subject.startsWith('Reminder: '))).toEqual([]);
      expect(emails.filter((e) => e.subject.startsWith('No action needed'))).toHaveLength(5);

      // Had the round reached its conclusion anyway, the withdrawal stands whatever the outcome.
      const conclude = concludeRound(patient.stack.runtime);
      for (const outcome of ['APPROVED', 'REJECTED', 'FAILED'] as const) {
        await expect(conclude({ outcome, requestId, round: 1, error: 'ApprovalLapsed' })).resolves.toEqual({ status: 'WITHDRAWN' });
      }
      const after = await patient.status(requestId);
      expect(after.audit).toEqual(view.audit);
      expect(await patient.emails(requestId)).toHaveLength(emails.length);
    } finally {
      boundary.restore();
      stopLate.mockRestore();
    }
  });
});

describe("the owner's chase", () => {
  it('is one email per round naming every approver still silent, even when every branch chases at the same moment', async () => {
    const { requestId, first } = await submit(patient);
    expect((await decide(patient, first[0]!, 'APPROVE')).status).toBe(200);
    const silent = (await patient.stack.runtime.store.getRequestView(requestId))!.approvals.filter((a) => a.status === 'PENDING');
    expect(silent).toHaveLength(4);
    // Each silent branch's CHASE step reads the round, then waits at its first write until all four have read it.
    const store = patient.stack.runtime.store;
    const storeTaskToken = store.storeTaskToken.bind(store);
    const allRead = Promise.withResolvers<void>();
    let read = 0;
    const barrier = vi.spyOn(store, 'storeTaskToken').mockImplementation(async (approval, step) => {
      if (approval.requestId === requestId && step.audit?.type === 'APPROVER_CHASED') {
        if (++read === silent.length) allRead.resolve();
        await allRead.promise;
      }
      return storeTaskToken(approval, step);
    });
    const chase = approvalBranch(patient.stack.runtime);
    const chaseAll = () =>
      Promise.all(silent.map((a, i) => chase({ stage: 'CHASE', taskToken: `chase-${i}`, requestId, round: 1, approvalId: a.approvalId })));
    try {
      await chaseAll();
    } finally {
      barrier.mockRestore();
    }
    // A retried step (as the state machine's Retry runs it) sends nothing more.
    await chaseAll();

    const emails = await patient.emails(requestId);
    const toOwner = emails.filter((e) => e.subject.includes('Chase') && [...e.destination.to, ...e.destination.cc].join().includes(OWNER));
    expect(toOwner.map((e) => e.subject)).toEqual([`Chase: 4 approvers have not decided on Court hearing transcription (${requestId})`]);
    expect(toOwner[0]!.destination).toEqual({ to: [`"Priya Shah" <${OWNER}>`], cc: [], bcc: [] });
    for (const a of silent) expect(toOwner[0]!.body.text).toContain(`${a.name} (${a.email})`);
    expect(toOwner[0]!.body.text).not.toContain(first[0]!.destination.to[0]!.replace(/.*<|>/g, ''));
    expect(toOwner[0]!.body.text).toMatch(/lapse at \S+ on \d{1,2} [A-Z][a-z]+ \d{4} \(UK time\)/);
    expect(toOwner[0]!.body.text).toContain(`${patient.stack.runtime.publicBaseUrl}/offshoring-requests/${requestId}`);
    // Each silent approver's escalation contact is still asked about their own approver.
    expect(emails.filter((e) => e.subject.startsWith('Chase: no decision from'))).toHaveLength(4);
    const { audit } = (await store.getRequestView(requestId))!;
    expect(audit.filter((e) => e.type === 'OWNER_CHASED')).toHaveLength(1);
    expect(audit.filter((e) => e.type === 'EMAIL_SENT' && e.details.key === 'OWNER_CHASE:1')).toHaveLength(1);
    expect(audit.filter((e) => e.type === 'APPROVER_CHASED')).toHaveLength(4);
  });
});

describe('withdrawal', () => {
  it('stops the execution, tells the waiting approvers and marks the request WITHDRAWN', async () => {
    const { requestId, first } = await submit(patient);
    // Past the reminder, so no stage boundary falls near the withdrawal.
    await patient.eventually(
      async () => (await patient.emails(requestId)).filter((e) => e.subject.startsWith('Reminder: ')).length === 5,
      'five reminders',
    );
    expect((await decide(patient, first[0]!, 'APPROVE')).status).toBe(200);
    const res = await post(patient, `/requests/${requestId}/withdrawal`, { reason: 'Supplier changed' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ requestId, status: 'WITHDRAWN' });
    expect(res.body.approversTold).toHaveLength(4);
    const execution = await patient.stack.stepFunctions.describeExecution({ executionArn: arnOf(patient, requestId) });
    expect(execution.status).toBe('ABORTED');
    const view = await patient.status(requestId);
    expect(view.status).toBe('WITHDRAWN');
    expect(view.audit.map((e: { type: string }) => e.type)).toContain('REQUEST_WITHDRAWN');
    expect((await patient.emails(requestId)).filter((e) => e.subject.startsWith('No action needed'))).toHaveLength(4);
    // The approver who had decided hears the round was withdrawn.
    const outcomes = (await patient.emails(requestId)).filter((e) => e.subject.startsWith('Outcome: '));
    expect(outcomes.map((e) => [e.subject, e.destination.to.join()])).toEqual([
      [`Outcome: Court hearing transcription (${requestId}) was withdrawn`, first[0]!.destination.to.join()],
    ]);
    expect((await decide(patient, first[1]!, 'APPROVE')).status).toBe(410);
    expect((await post(patient, `/requests/${requestId}/withdrawal`)).status).toBe(409);
  });

  it('accepts a withdrawal with no body', async () => {
    const { requestId } = await submit(patient);
    expect((await post(patient, `/requests/${requestId}/withdrawal`)).status).toBe(200);
  });
});
