import { form, linkIn, type Email, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { executionArn, executionName } from '../../functions/domain/workflow.ts';

/**
 * The steps the stress tests take many times over, as the service's users take them: submit,
 * read the approvers' links from their emails, decide, escalate, withdraw. And the one check they
 * all end with: the table, the audit trail and the workflow execution tell the same story.
 */

export const OWNER = singleAreaRequest().serviceOwner.email;
export const OTHER_OWNER = 'alex.morgan@justice.gov.uk';
/** The single-area fixture's approvers (HMCTS): five. */
export const APPROVERS = 5;

export type Answer = Awaited<ReturnType<Harness['api']>>;

export const postJson = (h: Harness, path: string, body: unknown, as: Parameters<Harness['api']>[2] = OWNER) =>
  h.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, as);

export async function submit(h: Harness, change: Record<string, unknown> = {}): Promise<string> {
  const res = await h.submit({ ...singleAreaRequest(), ...change });
  if (res.status !== 201) throw new Error(`Setting up: submission answered ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.requestId as string;
}

/** Every email of one request whose subject starts with `prefix`, once there are `count` of them. */
export async function emailsOf(h: Harness, requestId: string, prefix: string, count: number, timeoutMs = 30_000): Promise<Email[]> {
  return h.eventually(
    async () => {
      const mine = (await h.emails(`(${requestId})`)).filter((e) => e.subject.startsWith(prefix));
      return mine.length >= count && mine;
    },
    `${count} "${prefix}" emails for ${requestId}`,
    timeoutMs,
  );
}

export interface Link {
  approvalId: string;
  token: string;
  to: string;
}

/** An email's recipients' addresses, To and then Cc, without their display names. */
export const recipients = (e: Email) => [...e.destination.to, ...e.destination.cc].map((to) => /<([^>]+)>/.exec(to)?.[1] ?? to);

/** An exemption's approvers' emails, every round's, once there are `count`. */
export const exemptionApproverEmails = (h: Harness, requestId: string, count = 2) => emailsOf(h, requestId, 'Exemption approval needed', count);

/** An approver's decision through the link in their email (a rejection without a reason is given the default one). */
export const decideByEmail = (h: Harness, email: Email, decision: 'APPROVE' | 'REJECT', reason?: string) =>
  decide(h, linkIn(email), decision, reason);

/** The approvers' links of round one (one email each). */
export async function approverLinks(h: Harness, requestId: string, count = APPROVERS): Promise<Link[]> {
  return (await emailsOf(h, requestId, 'Offshoring approval needed', count)).map((e) => ({ ...linkIn(e), to: e.destination.to.join() }));
}

export const decide = (h: Harness, link: Pick<Link, 'approvalId' | 'token'>, decision: 'APPROVE' | 'REJECT', reason = 'Needs a DPIA first') =>
  h.api(
    `/approvals/${encodeURIComponent(link.approvalId)}`,
    form(decision === 'REJECT' ? { token: link.token, decision, reason } : { token: link.token, decision }),
  );

export async function untilStatus(h: Harness, requestId: string, status: string, timeoutMs = 30_000) {
  return h.eventually(
    async () => {
      const view = await h.status(requestId);
      return view.status === status && view;
    },
    `${requestId} to be ${status}`,
    timeoutMs,
  );
}

/** A request rejected in round one (the first approver rejects). */
export async function rejectedRequest(h: Harness): Promise<string> {
  const requestId = await submit(h);
  const [first] = await approverLinks(h, requestId);
  const res = await decide(h, first!, 'REJECT');
  if (res.status !== 200) throw new Error(`Setting up: the rejection answered ${res.status}`);
  await untilStatus(h, requestId, 'REJECTED');
  return requestId;
}

/** A request approved in round one, and its register entry. */
export async function approvedService(h: Harness): Promise<{ requestId: string; serviceId: string }> {
  const requestId = await submit(h);
  for (const link of await approverLinks(h, requestId)) {
    const res = await decide(h, link, 'APPROVE');
    if (res.status !== 200) throw new Error(`Setting up: a decision answered ${res.status}`);
  }
  const serviceId: string = await h.eventually(
    async () => (await h.status(requestId)).audit.find((e: { type: string }) => e.type === 'SERVICE_REGISTERED')?.details.serviceId,
    `${requestId} to be registered`,
    30_000,
  );
  return { requestId, serviceId };
}

/** Escalates a rejected request; the Departmental Head's link. */
export async function escalated(h: Harness, requestId: string): Promise<Link> {
  const res = await postJson(h, `/requests/${requestId}/escalations`, {
    caseForApproval: 'The courts cannot run without this supplier',
    risksRectified: 'Support access now through MoJ-managed virtual desktops only',
  });
  if (res.status !== 202) throw new Error(`Setting up: the escalation answered ${res.status} ${res.text}`);
  const [email] = await emailsOf(h, requestId, 'Endorsement requested', 1);
  return { ...linkIn(email!), to: email!.destination.to.join() };
}

/** Runs every action at once (each started before any is awaited). */
export const together = <T>(actions: (() => Promise<T>)[]) => Promise.all(actions.map((act) => act()));

export const count = (audit: { type: string }[], type: string) => audit.filter((e) => e.type === type).length;

/** An approver's request email, as the audit trail records it (the owner's and others' emails are keyed otherwise). */
export const isApproverEmail = (e: { type: string; details: object }) =>
  e.type === 'EMAIL_SENT' && String((e.details as { key?: unknown }).key).startsWith('REQUEST:');

/** A 409 or 410 that says what happened: a message, in JSON or on the approver's page. */
export function isExplainedLoss(answer: Answer): boolean {
  if (answer.status !== 409 && answer.status !== 410) return false;
  if (answer.body) return typeof answer.body.message === 'string' && answer.body.message.length > 0;
  return /<h1[^>]*>[^<]+<\/h1>/.test(answer.text) && /<p[^>]*>[^<]{10,}/.test(answer.text);
}

/**
 * The table, the audit trail and the round's execution agree, once the execution has ended:
 * APPROVED ⇔ one REQUEST_APPROVED, every approval approved, the execution SUCCEEDED;
 * WITHDRAWN ⇔ one REQUEST_WITHDRAWN, no approval left waiting, the execution not running;
 * REJECTED ⇔ one REQUEST_REJECTED per round that ended so, no approval of it left waiting.
 * Returns what disagrees (empty when all agree).
 */
export async function disagreements(h: Harness, requestId: string): Promise<string[]> {
  const view = (await h.stack.runtime.store.getRequestView(requestId))!;
  const { request, approvals, audit } = view;
  const problems: string[] = [];
  const round = approvals.filter((a) => a.round === request.round && a.kind === 'APPROVAL');
  const arn = executionArn(h.stack.stateMachineArn, executionName(requestId, request.round));
  const waiting = request.status === 'PENDING_APPROVAL' || request.status === 'ESCALATED';
  // A round that ended in the table ends in the workflow too: wait for that (never for a round still open).
  const describe = () => h.stack.stepFunctions.describeExecution({ executionArn: arn });
  const ended = waiting
    ? describe()
    : Promise.race([h.stack.stepFunctions.waitForExecution(arn), new Promise((r) => setTimeout(r, 20_000)).then(describe)]);
  const execution = await ended.catch(() => undefined);
  const say = (what: string) => problems.push(`${requestId} ${request.status} round ${request.round}: ${what}`);
  const outcomes = {
    APPROVED: count(audit, 'REQUEST_APPROVED'),
    WITHDRAWN: count(audit, 'REQUEST_WITHDRAWN'),
    REJECTED: audit.filter((e) => e.type === 'REQUEST_REJECTED' && e.round === request.round).length,
  };
  for (const a of approvals) {
    const decided = audit.filter(
      (e) => (e.type === 'APPROVAL_DECIDED' || e.type === 'ESCALATION_DECIDED') && e.details.approvalId === a.approvalId,
    ).length;
    const wasDecided = a.status === 'APPROVED' || a.status === 'REJECTED';
    if (decided !== (wasDecided ? 1 : 0)) say(`approval ${a.approvalId} is ${a.status} with ${decided} decision events`);
  }
  switch (request.status) {
    case 'APPROVED':
      if (outcomes.APPROVED !== 1 || outcomes.WITHDRAWN !== 0)
        say(`audit has ${outcomes.APPROVED} REQUEST_APPROVED, ${outcomes.WITHDRAWN} REQUEST_WITHDRAWN`);
      if (!round.every((a) => a.status === 'APPROVED')) say(`approvals ${round.map((a) => a.status).join(',')}`);
      if (execution?.status !== 'SUCCEEDED') say(`execution ${execution?.status}`);
      break;
    case 'WITHDRAWN':
      if (outcomes.WITHDRAWN !== 1 || outcomes.APPROVED !== 0)
        say(`audit has ${outcomes.WITHDRAWN} REQUEST_WITHDRAWN, ${outcomes.APPROVED} REQUEST_APPROVED`);
      if (approvals.some((a) => a.status === 'PENDING')) say('an approval still waits');
      if (execution && execution.status === 'RUNNING') say('execution still running');
      break;
    case 'REJECTED':
      if (outcomes.REJECTED !== 1) say(`audit has ${outcomes.REJECTED} REQUEST_REJECTED for the round`);
      if (round.some((a) => a.status === 'PENDING')) say('an approval still waits');
      if (execution?.status !== 'SUCCEEDED') say(`execution ${execution?.status}`);
      break;
    case 'PENDING_APPROVAL':
      if (execution?.status !== 'RUNNING') say(`execution ${execution?.status} while the request waits`);
      break;
    case 'CLOSED':
      if (count(audit, 'REQUEST_CLOSED') !== 1 || outcomes.WITHDRAWN !== 0)
        say(`audit has ${count(audit, 'REQUEST_CLOSED')} REQUEST_CLOSED, ${outcomes.WITHDRAWN} REQUEST_WITHDRAWN`);
      if (approvals.some((a) => a.status === 'PENDING')) say('an approval still waits');
      break;
    case 'ESCALATED':
      if (approvals.filter((a) => a.kind === 'ENDORSEMENT' && a.status === 'PENDING').length !== 1) say('no endorsement waits');
      break;
    default:
      say('unexpected status');
  }
  return problems;
}
