import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signInAtLocalProvider } from '../../local/sign-in.ts';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ROOT, closedPort, killAll, startLocal, type RunningStart } from './local-processes.ts';
import type { Email } from './harness.ts';

/**
 * The README's Configuration table, as `npm start` honours it: each setting given to the real entry
 * point reaches what it governs (the emails' sender, reply-to and links, the directory, the timer).
 */
afterEach(killAll);

type StoredEmail = Email & { replyTo: string[] };

async function submitExample(local: RunningStart): Promise<string> {
  const example = await readFile(path.join(ROOT, 'examples/multi-area-request.json'), 'utf8');
  const { accessToken: token } = await signInAtLocalProvider(local.idpUrl, { email: JSON.parse(example).serviceOwner.email });
  const res = await fetch(`${local.apiUrl}/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: example,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { requestId: string }).requestId;
}

async function inboxUntil(local: RunningStart, done: (emails: StoredEmail[]) => boolean): Promise<StoredEmail[]> {
  let emails: StoredEmail[] = [];
  for (let i = 0; i < 800 && !done(emails); i++) {
    emails = ((await (await fetch(`${local.inboxUrl}/store`)).json()) as { emails: StoredEmail[] }).emails;
    if (!done(emails)) await new Promise((r) => setTimeout(r, 25));
  }
  return emails;
}

const hrefs = (html = '') => [...html.matchAll(/<a\b[^>]*\bhref="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
const textLinks = (text = '') => text.match(/https?:\/\/\S+/g) ?? [];
/** The approvers' emails of one request (its owner hears too, with a link to the request's page). */
const asksFor = (emails: StoredEmail[], requestId: string) =>
  emails.filter((e) => e.subject.includes(requestId) && e.subject.includes('Offshoring approval needed'));

describe('npm start honours its documented settings', () => {
  it('EMAIL_FROM, EMAIL_FROM_NAME, EMAIL_REPLY_TO, PUBLIC_BASE_URL, APPROVER_DIRECTORY (a file) and MONITOR_INTERVAL_SECONDS', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'offshore-settings-'));
    try {
      const directory = JSON.parse(await readFile(path.join(ROOT, 'config/approver-directory.json'), 'utf8'));
      directory.roles.DPO.email = 'dpo.settings-test@justice.local';
      directory.securityTeam.email = 'security.settings-test@justice.local';
      const directoryFile = path.join(dir, 'directory.json');
      await writeFile(directoryFile, JSON.stringify(directory));

      const local = await startLocal({
        EMAIL_FROM: 'approvals@offshoring.example.gov.uk',
        EMAIL_FROM_NAME: 'MoJ Offshoring (test)',
        EMAIL_REPLY_TO: 'offshoring-team@example.gov.uk',
        PUBLIC_BASE_URL: 'https://approvals.example.gov.uk/offshore/',
        APPROVER_DIRECTORY: directoryFile,
        MONITOR_INTERVAL_SECONDS: '1',
      });
      const requestId = await submitExample(local);
      const emails = await inboxUntil(
        local,
        (all) =>
          asksFor(all, requestId).length === 6 &&
          all.some((e) => e.subject.startsWith('Request received')) &&
          all.some((e) => e.subject.startsWith('Offshoring monitoring')),
      );
      const asks = asksFor(emails, requestId);
      expect(asks).toHaveLength(6);
      for (const email of emails) {
        expect(email.from).toBe('"MoJ Offshoring (test)" <approvals@offshoring.example.gov.uk>');
        expect(email.replyTo).toEqual(['offshoring-team@example.gov.uk']);
      }
      for (const email of asks) {
        const links = [...textLinks(email.body.text), ...hrefs(email.body.html)];
        expect(links).toHaveLength(2);
        for (const link of links) expect(link).toMatch(/^https:\/\/approvals\.example\.gov\.uk\/offshore\/approvals\/[^/?]+\?token=[\w-]{43}$/);
      }
      expect(asks.map((e) => e.destination.to[0])).toContain('"MoJ Data Protection Officer" <dpo.settings-test@justice.local>');
      const received = emails.find((e) => e.subject.startsWith('Request received'))!;
      expect([...textLinks(received.body.text), ...hrefs(received.body.html)]).toEqual([
        `https://approvals.example.gov.uk/offshore/offshoring-requests/${requestId}`,
        `https://approvals.example.gov.uk/offshore/offshoring-requests/${requestId}`,
      ]);
      const digest = emails.find((e) => e.subject.startsWith('Offshoring monitoring'))!;
      expect(digest.destination.to).toEqual(['"MoJ Security Team" <security.settings-test@justice.local>']);
      await local.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('by default sends as "MoJ Offshore approvals", replies go to the sender, and links start at the API', async () => {
    const local = await startLocal({ EMAIL_FROM: '', EMAIL_FROM_NAME: '', EMAIL_REPLY_TO: '', PUBLIC_BASE_URL: '', APPROVER_DIRECTORY: '' });
    const requestId = await submitExample(local);
    const asks = asksFor(await inboxUntil(local, (all) => asksFor(all, requestId).length === 6), requestId);
    expect(asks).toHaveLength(6);
    for (const email of asks) {
      expect(email.from).toBe('"MoJ Offshore approvals" <offshore-approvals@example.gov.uk>');
      expect(email.replyTo).toEqual(['offshore-approvals@example.gov.uk']);
      for (const link of [...textLinks(email.body.text), ...hrefs(email.body.html)]) expect(link.startsWith(`${local.apiUrl}/approvals/`)).toBe(true);
      // The link opens outside the inbox's frame (the approval page refuses framing).
      const anchors = email.body.html?.match(/<a\b[^>]*>/g) ?? [];
      expect(anchors).toHaveLength(1);
      expect(anchors[0]).toMatch(/ target="_blank" rel="noopener noreferrer"/);
    }
    await local.stop();
  });

  it('prints every port it opens, takes DYNAMODB_PORT and STEPFUNCTIONS_PORT, and says it holds the terminal', async () => {
    const [dynamoDbPort, stepFunctionsPort] = [await closedPort(), await closedPort()];
    const local = await startLocal({ DYNAMODB_PORT: String(dynamoDbPort), STEPFUNCTIONS_PORT: String(stepFunctionsPort) });
    const banner = local.output();
    expect(banner).toMatch(new RegExp(`DynamoDB\\s+http://127\\.0\\.0\\.1:${dynamoDbPort}\\s`));
    expect(banner).toMatch(new RegExp(`Step Functions\\s+http://127\\.0\\.0\\.1:${stepFunctionsPort}\\s`));
    expect(banner).toContain('keeps this terminal');
    expect(banner).toContain('Ctrl+C');
    // The printed endpoints are the real ones: the AWS SDK reaches the table and the state machine there.
    const client = { region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    const dynamoDb = new DynamoDBClient({ ...client, endpoint: `http://127.0.0.1:${dynamoDbPort}` });
    const sfn = new SFNClient({ ...client, endpoint: `http://127.0.0.1:${stepFunctionsPort}` });
    try {
      expect((await dynamoDb.send(new ListTablesCommand({}))).TableNames).toContain('offshore-approvals');
      const stateMachineArn = 'arn:aws:states:eu-west-2:000000000000:stateMachine:offshoring-approval';
      expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions).toEqual([]);
    } finally {
      dynamoDb.destroy();
      sfn.destroy();
    }
    await local.stop();
  });

  it('refuses a setting it cannot use with one line naming it', async () => {
    await expect(startLocal({ PUBLIC_BASE_URL: 'approvals.example.gov.uk' })).rejects.toThrow(/npm start exited 2: npm start: PUBLIC_BASE_URL: /);
    await expect(startLocal({ EMAIL_REPLY_TO: 'not an address' })).rejects.toThrow(/npm start exited 2: npm start: EMAIL_REPLY_TO: /);
  });
});
