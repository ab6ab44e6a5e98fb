import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { form, startHarness, type Harness } from './harness.ts';
import { injectFaults, type Faults } from './faults.ts';
import { APPROVERS, approverLinks, count, decide, disagreements, isApproverEmail, OWNER, submit, untilStatus, type Link } from './journeys.ts';
import { approvalBranch } from '../../functions/domain/approval-branch.ts';
import { keys } from '../../functions/store/keys.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { linkIn } from './harness.ts';
import { runMonitoring } from '../../functions/domain/monitoring.ts';
import { executionArn, executionName } from '../../functions/domain/workflow.ts';

/**
 * SES and DynamoDB failing under the whole service: a share of every SDK call of the local stack
 * is throttled, times out, loses its answer after it took effect, or crashes the function straight
 * after it took effect (tests/workflow/faults.ts). Service owners and approvers behave as people
 * do: they try again after a 5xx. Then the faults stop and the service settles:
 *
 * - nothing acknowledged is lost: every 201 request is in the table with its approvals, every
 *   acknowledged decision is recorded;
 * - every approver is notified exactly once as the recorded state shows (one EMAIL_SENT per
 *   approval and stage) and every request's outcome email is recorded once;
 * - no request is stuck: each reaches its outcome, and monitoring's reconciliation finds nothing
 *   stuck, or only requests that truly are (pending with no running execution);
 * - the table, the audit trail and the executions agree.
 *
 * FAULT_RATE (default 0.2) and FAULT_SEED change the run; FAULT_REQUESTS how many requests.
 */
const RATE = Number(process.env.FAULT_RATE ?? 0.2);
const SEED = Number(process.env.FAULT_SEED ?? 20261126);
const REQUESTS = Number(process.env.FAULT_REQUESTS ?? 8);
const MAX_TRIES = 8;

let h: Harness;
let faults: Faults;
/** The handlers' clock runs this far ahead of the real one (reconciliation looks only at requests settled 5 minutes). */
let ahead = 0;

beforeAll(async () => {
  h = await startHarness({ runtime: { clock: () => new Date(Date.now() + ahead) } });
  faults = injectFaults(
    { dynamoDb: h.stack.runtime.clients.dynamoDb, ses: h.stack.runtime.clients.ses },
    { rate: RATE, seed: SEED, mix: { throttled: 4, 'timed out': 2, 'response lost': 3, crashed: 1 } },
  );
});
afterAll(async () => {
  faults?.remove();
  await h?.close();
});

/** The figures docs/reliability.md reports. */
const figures = { attempts: 0, wronglyAccepted: 0, fiveHundreds: 0, lost: 0, stuck: 0 };
/** 5xx answers a retry then got past (a function that crashed answers 5xx, as on AWS). */
let transientFiveHundreds = 0;
afterAll(() => console.log(`faults: ${JSON.stringify({ figures, transientFiveHundreds, injected: faults?.counts })}`));

type Sent = { status: number; text: string; body: any };
/** Sends until an answer that is not a 5xx (as a person retries), at most MAX_TRIES times. */
async function persist(send: () => Promise<Sent>): Promise<Sent & { tries: number; fiveHundreds: number }> {
  let last: Sent = { status: 0, text: '', body: undefined };
  let fiveHundreds = 0;
  for (let tries = 1; tries <= MAX_TRIES; tries++) {
    figures.attempts++;
    last = await send();
    // "Still being processed; retry shortly": a person tries again a little later.
    const inProgress = last.status === 409 && last.body?.error === 'IdempotencyKeyInProgress';
    if (last.status < 500 && !inProgress) return { ...last, tries, fiveHundreds };
    if (inProgress) {
      await new Promise((r) => setTimeout(r, 5_000));
      continue;
    }
    fiveHundreds++;
    transientFiveHundreds++;
    await new Promise((r) => setTimeout(r, 50 * tries));
  }
  // Still a 5xx after every try: the person gave up.
  figures.fiveHundreds++;
  return { ...last, tries: MAX_TRIES, fiveHundreds };
}

describe('SES and DynamoDB faults', () => {
  it('resumes the round when an approver tries again after the function died between recording their decision and resuming the workflow', async () => {
    faults.on = false;
    const requestId = await submit(h);
    const links = await approverLinks(h, requestId);
    for (const link of links.slice(0, -1)) expect((await decide(h, link, 'APPROVE')).status).toBe(200);
    // The last decision's transaction is written, then the function dies before it resumes the workflow.
    let armed = true;
    const crash = 'crashAfterTheDecision';
    h.stack.runtime.clients.dynamoDb.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (armed && context.commandName === 'TransactWriteItemsCommand') {
          armed = false;
          throw Object.assign(new Error('Injected: the function crashed straight after recording the decision'), { name: 'Sandbox.Timedout' });
        }
        return result;
      },
      { step: 'finalizeRequest', priority: 'low', name: crash },
    );
    try {
      expect((await decide(h, links.at(-1)!, 'APPROVE')).status).toBe(500);
    } finally {
      h.stack.runtime.clients.dynamoDb.middlewareStack.remove(crash);
    }
    expect((await h.status(requestId)).status).toBe('PENDING_APPROVAL');
    // The approver tries again: told it is recorded (409), and the round goes on now, not at its next chase.
    const again = await decide(h, links.at(-1)!, 'APPROVE');
    expect(again.status).toBe(409);
    await untilStatus(h, requestId, 'APPROVED', 15_000);
    expect(await disagreements(h, requestId)).toEqual([]);
    faults.on = true;
  }, 60_000);

  it('creates one request per Idempotency-Key when the function dies after storing it, before or after starting its round', async () => {
    faults.on = false;
    for (const [i, dieAfter] of (['TransactWriteItemsCommand', 'UpdateItemCommand'] as const).entries()) {
      // Dies straight after the request's transaction, or after the round started (as it records its answer for the key).
      let armed = true;
      const crash = 'crashAfterStoring';
      h.stack.runtime.clients.dynamoDb.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          if (armed && context.commandName === dieAfter) {
            armed = false;
            throw Object.assign(new Error(`Injected: the function crashed straight after ${dieAfter}`), { name: 'Sandbox.Timedout' });
          }
          return result;
        },
        { step: 'finalizeRequest', priority: 'low', name: crash },
      );
      const serviceName = `Submitted once ${i}`;
      const send = () =>
        h.api(
          '/requests',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': `die-after-${i}` },
            body: JSON.stringify({ ...singleAreaRequest(), serviceName }),
          },
          OWNER,
        );
      try {
        expect((await send()).status).toBe(500);
      } finally {
        h.stack.runtime.clients.dynamoDb.middlewareStack.remove(crash);
      }
      const retried = await send();
      expect(retried.status).toBe(201);
      const { Items = [] } = await h.stack.runtime.clients.documents.send(
        new ScanCommand({
          TableName: h.stack.tableName,
          FilterExpression: 'entity = :request',
          ExpressionAttributeValues: { ':request': 'REQUEST' },
        }),
      );
      expect(Items.filter((item) => (item.request as { serviceName: string }).serviceName === serviceName).map((item) => item.requestId)).toEqual([
        retried.body.requestId,
      ]);
      // Its round runs: each approver asked once.
      await approverLinks(h, retried.body.requestId);
      await h.eventually(
        async () =>
          count((await h.stack.runtime.store.getRequestView(retried.body.requestId))!.audit.filter(isApproverEmail), 'EMAIL_SENT') === APPROVERS,
        'each approver asked',
      );
      expect(await disagreements(h, retried.body.requestId)).toEqual([]);
    }
    faults.on = true;
  }, 60_000);

  it('records the request email of an approver who decided through its link when the step that sent it died before recording it', async () => {
    faults.on = false;
    const requestId = await submit(h);
    const links = await approverLinks(h, requestId);
    const emailsRecorded = async () =>
      (await h.stack.runtime.store.getRequestView(requestId))!.audit.filter((e) => e.type === 'EMAIL_SENT').filter(isApproverEmail);
    await h.eventually(async () => (await emailsRecorded()).length === APPROVERS, 'every request email recorded');
    // SES took the email, the step died before the trail recorded it: the record is not there.
    const [{ approvalId, token }] = links as [Link];
    const key = `REQUEST:${approvalId}`;
    const lost = (await emailsRecorded()).find((e) => e.details.key === key)!;
    await h.stack.runtime.clients.documents.send(
      new DeleteCommand({ TableName: h.stack.tableName, Key: keys.audit(requestId, lost.at, lost.eventId) }),
    );
    // The approver decides from that email before the step is tried again.
    expect((await decide(h, { approvalId, token }, 'APPROVE')).status).toBe(200);
    // The retried step (as the state machine's Retry runs it) finds the decision recorded.
    const taskToken = (await h.stack.runtime.store.getApproval({ requestId, round: 1, approvalId }))!.taskToken!;
    const retry = approvalBranch(h.stack.runtime);
    for (let i = 0; i < 2; i++) await retry({ stage: 'REQUEST', taskToken, requestId, round: 1, approvalId });
    const recorded = (await emailsRecorded()).filter((e) => e.details.key === key);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.details).toMatchObject({ to: [lost.details.to[0]], subject: lost.details.subject, messageId: null });
    faults.on = true;
  }, 60_000);

  it(`loses nothing acknowledged, notifies every approver once and leaves nothing stuck with ${RATE * 100}% of SDK calls failing`, async () => {
    // Submissions, each with its own Idempotency-Key, retried with the same key after a 5xx.
    const submissions = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => {
        const body = { ...singleAreaRequest(), serviceName: `Fault-tolerant service ${i}` };
        const key = `fault-test-${SEED}-${i}`;
        return persist(() =>
          h.api(
            '/requests',
            { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) },
            OWNER,
          ),
        );
      }),
    );
    const accepted = submissions.filter((s) => s.status === 201).map((s) => s.body.requestId as string);
    for (const s of submissions.filter((x) => x.status !== 201)) console.log(`submission not acknowledged: ${s.status} ${s.text.slice(0, 200)}`);

    // Every approver decides from their email (approve; the last request's first approver rejects), retrying after a 5xx.
    const decided: { requestId: string; approvalId: string; decision: 'APPROVE' | 'REJECT' }[] = [];
    await Promise.all(
      accepted.map(async (requestId, r) => {
        const emails = await h
          .eventually(
            async () => {
              const mine = (await h.emails(`(${requestId})`)).filter((e) => e.subject.startsWith('Offshoring approval needed'));
              // An email whose sending lost its answer may have gone twice: one link per approval is enough.
              const byApproval = new Map(mine.map((e) => [linkIn(e).approvalId, e]));
              return byApproval.size === APPROVERS && [...byApproval.values()];
            },
            `the approver emails of ${requestId}`,
            60_000,
          )
          .catch(() => undefined);
        if (!emails) {
          const view = await h.stack.runtime.store.getRequestView(requestId);
          console.log(
            `no approver emails for ${requestId}: ${view?.request.status} ${view?.request.statusReason} ${view?.audit.map((e) => e.type).join(',')}`,
          );
          console.log(JSON.stringify(h.stack.stepFunctions.lambdaFailures().slice(-5)).slice(0, 3000));
          return;
        }
        await Promise.all(
          emails.map(async (email, i) => {
            const { approvalId, token } = linkIn(email);
            const decision = r === accepted.length - 1 && i === 0 ? 'REJECT' : 'APPROVE';
            const answer = await persist(() =>
              h.api(
                `/approvals/${approvalId}`,
                form(decision === 'REJECT' ? { token, decision, reason: 'Needs a DPIA first' } : { token, decision }),
              ),
            );
            // A retry after a 5xx may find its own decision recorded (409); a rejection may close the others' round (410).
            if (answer.status === 200 || (answer.status === 409 && answer.fiveHundreds > 0)) decided.push({ requestId, approvalId, decision });
            else if (answer.status !== 410)
              console.log(`decision on ${approvalId}: ${answer.status} after ${answer.tries} tries ${answer.text.slice(0, 200)}`);
          }),
        );
      }),
    );

    // The faults stop; the service settles.
    faults.on = false;
    const finals = ['APPROVED', 'REJECTED', 'ERROR'];
    // Each concluded, and its execution ended (a concluding step that crashed is tried again, and sends the outcome email then).
    await Promise.all(
      accepted.map(async (requestId) => {
        const request = await h
          .eventually(
            async () => {
              const now = await h.stack.runtime.store.getRequest(requestId);
              return now && finals.includes(now.status) && now;
            },
            `${requestId} to conclude`,
            60_000,
          )
          .catch(() => undefined);
        if (!request) return;
        const execution = h.stack.stepFunctions.waitForExecution(executionArn(h.stack.stateMachineArn, executionName(requestId, request.round)));
        await Promise.race([execution, new Promise((r) => setTimeout(r, 60_000))]);
      }),
    );

    const problems: string[] = [];
    // Nothing acknowledged is lost.
    for (const requestId of accepted) {
      const view = await h.stack.runtime.store.getRequestView(requestId);
      if (!view) {
        problems.push(`${requestId} was acknowledged but is not in the table`);
        figures.lost++;
        continue;
      }
      if (view.approvals.length !== APPROVERS) problems.push(`${requestId} has ${view.approvals.length} approvals`);
      // Every approver notified once, as the trail records it; the outcome emailed once.
      for (const approval of view.approvals) {
        const sent = view.audit.filter((e) => e.type === 'EMAIL_SENT' && e.details.key === `REQUEST:${approval.approvalId}`).length;
        if (sent !== 1) problems.push(`${requestId}: ${sent} request emails recorded for ${approval.approvalId}`);
      }
      const outcome = view.request.status;
      if (outcome === 'APPROVED' || outcome === 'REJECTED') {
        const sent = view.audit.filter((e) => e.type === 'EMAIL_SENT' && e.details.key === `${outcome}:${view.request.round}`).length;
        if (sent !== 1) problems.push(`${requestId}: ${sent} ${outcome} emails recorded`);
      } else {
        const failures = h.stack.stepFunctions.lambdaFailures(executionArn(h.stack.stateMachineArn, executionName(requestId, view.request.round)));
        problems.push(
          `${requestId} ended ${outcome}: ${view.request.statusReason}; failed steps: ${failures.map((f) => `${f.state} ${f.error}: ${f.cause.slice(0, 300)}`).join(' | ')}`,
        );
        figures.stuck++;
      }
      problems.push(...(await disagreements(h, requestId)));
    }
    for (const d of decided) {
      const view = (await h.stack.runtime.store.getRequestView(d.requestId))!;
      const approval = view.approvals.find((a) => a.approvalId === d.approvalId);
      const recorded = count(
        view.audit.filter((e) => (e.details as { approvalId?: string }).approvalId === d.approvalId),
        'APPROVAL_DECIDED',
      );
      if (approval?.status !== (d.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED') || recorded !== 1) {
        problems.push(`the acknowledged ${d.decision} on ${d.approvalId} is ${approval?.status} with ${recorded} decision events`);
        figures.lost++;
      }
    }

    // Requests nobody was told about (a submission that crashed before its answer): none may be stuck unnoticed.
    const { Items = [] } = await h.stack.runtime.clients.documents.send(
      new ScanCommand({ TableName: h.stack.tableName, FilterExpression: 'entity = :request', ExpressionAttributeValues: { ':request': 'REQUEST' } }),
    );
    const ours = Items.filter((item) => (item.request as { serviceName: string }).serviceName.startsWith('Fault-tolerant service '));
    const unacknowledged = ours.filter((item) => !accepted.includes(item.requestId as string));
    // One Idempotency-Key, one request, whatever the faults did to the tries.
    for (let i = 0; i < REQUESTS; i++) {
      const made = ours.filter((item) => (item.request as { serviceName: string }).serviceName === `Fault-tolerant service ${i}`).length;
      if (made > 1) {
        problems.push(`one Idempotency-Key made ${made} requests`);
        figures.wronglyAccepted += made - 1;
      }
    }
    ahead = 10 * 60_000;
    const run = await runMonitoring(h.stack.runtime);
    ahead = 0;
    const reconciliation = run.checks!.find((c) => c.check === 'reconciliation')!;
    if (reconciliation.status !== 'OK') problems.push(`reconciliation ${reconciliation.status}`);
    for (const finding of reconciliation.items) {
      // Marked stuck: only a request nobody was answered for, whose round truly never ran.
      if (finding.kind !== 'STUCK_REQUEST' || accepted.includes(finding.id)) problems.push(`reconciliation: ${finding.kind} ${finding.summary}`);
    }
    const stuckUnacknowledged = reconciliation.items.filter((f) => f.kind === 'STUCK_REQUEST').length;
    console.log(
      `unacknowledged requests created: ${unacknowledged.length}, marked stuck by reconciliation: ${stuckUnacknowledged}; injected: ${JSON.stringify(faults.counts)}`,
    );
    expect(accepted.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  }, 240_000);
});
