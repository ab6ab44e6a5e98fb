import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { closedPort, killAll, startLocal, type RunningStart } from './local-processes.ts';
import { linkIn, SECURITY_TEAM, type Email } from './harness.ts';
import { APPROVERS, OWNER } from './journeys.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import type { LocalIdentity } from '../../local/identity-provider.ts';
import { signInAtLocalProvider } from '../../local/sign-in.ts';
import { hashLinkToken, mintLinkToken } from '../../functions/domain/links.ts';
import { keys } from '../../functions/store/keys.ts';
import { executionArn, executionName } from '../../functions/domain/workflow.ts';

/**
 * `npm start` killed (SIGKILL: no shutdown, no flush) in the middle of a burst of submissions and
 * decisions, then started again on the same data. Every submission answered 201 and every decision
 * answered 200 before the kill is there after the restart, nothing half written is (each
 * transaction all or nothing), and every round still waiting can finish: its remaining approvers
 * decide and the request is approved.
 *
 * The local inbox lives in the killed process, so an approval email sent just before the kill may
 * never have been read; such an approver is given a new link in the table (what the service's own
 * reminder does), standing in for the mailbox a real approver keeps.
 */
const BURST_SUBMISSIONS = Number(process.env.CRASH_SUBMISSIONS ?? 10);
const KILL_AFTER_ANSWERS = Number(process.env.CRASH_KILL_AFTER ?? 8);
/**
 * Tokens from the stack's own identity provider, one sign-in per person: the provider keeps its
 * signing key and port across the restart, so tokens handed out before the kill still verify after it.
 */
const tokens = new Map<string, Promise<string>>();
const bearer = async (start: RunningStart, identity: LocalIdentity) => {
  const securityTeam = identity.groups?.includes(SECURITY_TEAM.groups![0]!) ?? false;
  const key = `${identity.email} ${securityTeam}`;
  if (!tokens.has(key))
    tokens.set(
      key,
      signInAtLocalProvider(start.idpUrl, { email: identity.email, securityTeam }).then((s) => s.accessToken),
    );
  return { authorization: `Bearer ${await tokens.get(key)!}` };
};

afterEach(() => killAll());

type Outcome = { what: string; status: number | 'cut off'; body?: any };

async function call(
  start: RunningStart,
  pathAndQuery: string,
  init: RequestInit & { as?: LocalIdentity | null } = {},
): Promise<{ status: number; body: any; text: string }> {
  const { as = SECURITY_TEAM, ...rest } = init;
  const res = await fetch(`${start.apiUrl}${pathAndQuery}`, {
    ...rest,
    headers: { ...(as ? await bearer(start, as) : {}), ...(rest.headers as Record<string, string>) },
  });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

const endpoint = (start: RunningStart, label: string) => new RegExp(`${label}\\s+(http://\\S+)`).exec(start.output())![1]!;

async function inbox(start: RunningStart): Promise<Email[]> {
  return ((await (await fetch(`${start.inboxUrl}/store`)).json()) as { emails: Email[] }).emails;
}

async function until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    // A call refused while the process comes up is tried again, remembered in case it never stops.
    const value = await check().catch((error: Error) => {
      last = error.message;
      return undefined;
    });
    if (value !== undefined && value !== false) return value as T;
    if (value === false) last = value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}; last saw ${JSON.stringify(last)?.slice(0, 300)}`);
}

const submission = (i: number) => ({ ...singleAreaRequest(), serviceName: `Crash-tested service ${i}` });
const decide = (start: RunningStart, approvalId: string, token: string) =>
  call(start, `/approvals/${approvalId}?token=${token}`, {
    as: null,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'decision=APPROVE',
  });

/** The figures docs/reliability.md reports. */
const figures = { attempts: 0, wronglyAccepted: 0, fiveHundreds: 0, lost: 0, stuck: 0 };

describe('kill -9 mid-burst, then a restart on the same data', () => {
  it('keeps every acknowledged submission and decision, nothing half written, and every waiting round can still finish', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'offshore-crash-'));
    try {
      const idpPort = String(await closedPort());
      const first = await startLocal({ LOCAL_DATA_DIR: dataDir, IDP_PORT: idpPort });
      // Before the burst: requests whose approvers' links we hold.
      const waiting: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await call(first, '/requests', {
          as: { email: OWNER },
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(submission(100 + i)),
        });
        expect(res.status).toBe(201);
        waiting.push(res.body.requestId);
      }
      const links = new Map<string, { requestId: string; token: string }>();
      const read = async (start: RunningStart) => {
        for (const email of await inbox(start)) {
          if (!/^(Reminder: )?Offshoring approval needed/.test(email.subject)) continue;
          const { approvalId, token } = linkIn(email);
          links.set(approvalId, { requestId: /\((OFF-[0-9A-Z]+)\)/.exec(email.subject)![1]!, token });
        }
      };
      await until(async () => {
        await read(first);
        return waiting.every((id) => [...links.values()].filter((l) => l.requestId === id).length === APPROVERS);
      }, 'the first approvers’ emails');

      // The burst: new submissions and every waiting approver deciding, all at once; the inbox read all along.
      let reading = true;
      const reader = (async () => {
        while (reading) await read(first).catch(() => undefined);
      })();
      const outcomes: Outcome[] = [];
      let answered = 0;
      let killed = false;
      const killed$ = new Promise<void>((resolve) => first.child.once('exit', () => resolve()));
      const submitted = () => outcomes.filter((o) => o.what.startsWith('submit') && o.status === 201).length;
      const track = (what: string, send: () => Promise<{ status: number; body: any }>) =>
        send().then(
          ({ status, body }) => {
            outcomes.push({ what, status: killed ? 'cut off' : status, body });
            // Killed once a few of each kind were answered, with the rest still in flight.
            if (!killed && ++answered >= KILL_AFTER_ANSWERS) {
              killed = true;
              first.child.kill('SIGKILL');
            }
          },
          () => outcomes.push({ what, status: 'cut off' }),
        );
      // A stream rather than one volley: submissions every 10 ms; decisions, once the first submission
      // is answered, every 10 ms too, so both are in flight when the process dies.
      const decisions = [...links];
      const burst: Promise<unknown>[] = [];
      const firstAnswer = new Promise<void>((resolve) => {
        const done = () => {
          clearInterval(check);
          resolve();
        };
        const check = setInterval(() => submitted() > 0 && done(), 5);
        first.child.once('exit', done);
      });
      const submitting = (async () => {
        for (let i = 0; i < BURST_SUBMISSIONS && !killed; i++) {
          burst.push(
            track(`submit ${i}`, () =>
              call(first, '/requests', {
                as: { email: OWNER },
                method: 'POST',
                headers: { 'content-type': 'application/json', 'idempotency-key': `crash-${i}` },
                body: JSON.stringify(submission(i)),
              }),
            ),
          );
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      await firstAnswer;
      for (const [approvalId, { token }] of decisions) {
        if (killed) break;
        burst.push(track(`decide ${approvalId}`, () => decide(first, approvalId, token)));
        await new Promise((r) => setTimeout(r, 10));
      }
      await submitting;
      await Promise.all(burst);
      if (!killed) first.child.kill('SIGKILL');
      await killed$;
      reading = false;
      await reader;
      figures.attempts += outcomes.length;
      figures.fiveHundreds += outcomes.filter((o) => typeof o.status === 'number' && o.status >= 500).length;
      const acknowledged = {
        submissions: outcomes.filter((o) => o.what.startsWith('submit') && o.status === 201).map((o) => o.body.requestId as string),
        decisions: outcomes.filter((o) => o.what.startsWith('decide') && o.status === 200).map((o) => o.what.split(' ')[1]!),
      };
      const counts: Record<string, number> = {};
      for (const o of outcomes) {
        const key = `${o.what.split(' ')[0]} ${o.status}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      console.log(`before the kill: ${JSON.stringify(counts)}`);

      // Back up on the same data.
      const second = await startLocal({ LOCAL_DATA_DIR: dataDir, IDP_PORT: idpPort });
      const problems: string[] = [];
      for (const requestId of acknowledged.submissions) {
        const res = await call(second, `/requests/${requestId}`);
        if (res.status !== 200 || res.body.approvals.length !== APPROVERS) {
          problems.push(`acknowledged ${requestId}: ${res.status} with ${res.body?.approvals?.length} approvals`);
          figures.lost++;
        }
      }
      for (const approvalId of acknowledged.decisions) {
        const requestId = links.get(approvalId)!.requestId;
        const view = (await call(second, `/requests/${requestId}`)).body;
        const approval = view.approvals.find((a: { approvalId: string }) => a.approvalId === approvalId);
        const events = view.audit.filter(
          (e: { type: string; details: { approvalId?: string } }) => e.type === 'APPROVAL_DECIDED' && e.details.approvalId === approvalId,
        );
        if (approval?.status !== 'APPROVED' || events.length !== 1) {
          problems.push(`acknowledged decision ${approvalId}: ${approval?.status} with ${events.length} events`);
          figures.lost++;
        }
      }

      // Every request stored (answered or not) is whole, and every round still waiting finishes.
      // As they were found after the restart.
      const listing = (await call(second, '/requests', { as: { email: OWNER } })).body.requests as { requestId: string; status: string }[];
      const documents = DynamoDBDocumentClient.from(
        new DynamoDBClient({
          endpoint: endpoint(second, 'DynamoDB'),
          region: 'eu-west-2',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }),
      );
      const sfn = new SFNClient({
        endpoint: endpoint(second, 'Step Functions'),
        region: 'eu-west-2',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      let newLinks = 0;
      try {
        for (const { requestId } of listing) {
          const view = (await call(second, `/requests/${requestId}`)).body;
          if (view.approvals.length !== APPROVERS || view.audit.filter((e: { type: string }) => e.type === 'REQUEST_SUBMITTED').length !== 1) {
            problems.push(
              `${requestId} is half written: ${view.approvals.length} approvals, ${view.audit.map((e: { type: string }) => e.type).join(',')}`,
            );
          }
          for (const approval of view.approvals.filter((a: { status: string }) => a.status === 'PENDING')) {
            // A link from either inbox: the restarted round emails whoever was never emailed. An email
            // recorded as sent but lost with the killed process's inbox: a new link stands in for it.
            const emailed = view.audit.some(
              (e: { type: string; details: { key?: string } }) => e.type === 'EMAIL_SENT' && e.details.key === `REQUEST:${approval.approvalId}`,
            );
            let token = emailed
              ? links.get(approval.approvalId)?.token
              : await until(async () => {
                  await read(second);
                  return links.get(approval.approvalId)?.token;
                }, `the restarted round to email ${approval.approvalId}`);
            if (!token) {
              token = mintLinkToken();
              newLinks++;
              await documents.send(
                new PutCommand({
                  TableName: 'offshore-approvals',
                  Item: {
                    ...keys.link(hashLinkToken(token)),
                    entity: 'LINK',
                    approvalId: approval.approvalId,
                    requestId,
                    round: view.round,
                    validUntil: new Date(Date.now() + 86_400_000).toISOString(),
                    issuedAt: new Date().toISOString(),
                  },
                }),
              );
            }
            const res = await until(async () => {
              const answer = await decide(second, approval.approvalId, token!);
              return answer.status !== 503 && answer;
            }, `the decision on ${approval.approvalId}`);
            if (res.status !== 200)
              problems.push(`deciding ${approval.approvalId} of ${requestId} after the restart: ${res.status} ${res.text.slice(0, 200)}`);
          }
        }
        for (const { requestId } of listing) {
          const done = await until(async () => {
            const view = (await call(second, `/requests/${requestId}`)).body;
            return view.status === 'APPROVED' && view;
          }, `${requestId} to be approved`).catch((error: Error) => {
            problems.push(error.message);
            figures.stuck++;
            return undefined;
          });
          // A round that ended before the kill ran in the killed process: its execution went with it.
          if (!done || listing.find((r) => r.requestId === requestId)?.status !== 'PENDING_APPROVAL') continue;
          const arn = executionArn(`arn:aws:states:eu-west-2:000000000000:stateMachine:offshoring-approval`, executionName(requestId, done.round));
          const execution = await until(async () => {
            const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
            return described.status !== 'RUNNING' && described;
          }, `${requestId}'s execution to end`);
          if (execution.status !== 'SUCCEEDED') problems.push(`${requestId} is APPROVED but its execution is ${execution.status}`);
        }
      } finally {
        documents.destroy();
        sfn.destroy();
      }
      console.log(
        `crash-restart: ${JSON.stringify({ figures, acknowledged: { submissions: acknowledged.submissions.length, decisions: acknowledged.decisions.length }, requests: listing.length, newLinks })}`,
      );
      expect(problems).toEqual([]);
      expect(acknowledged.submissions.length + acknowledged.decisions.length).toBeGreaterThan(0);
      await second.stop();
    } finally {
      killAll();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
