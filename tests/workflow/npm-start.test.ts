import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signInAtLocalProvider } from '../../local/sign-in.ts';
import { closedPort } from './local-processes.ts';

/**
 * `npm start` as a person runs it: the real entry point on Node's own ESM loader (not vitest's),
 * on free ports. What was accepted must survive a restart.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function start(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; apiUrl: string; inboxUrl: string; idpUrl: string }> {
  const child = spawn(process.execPath, ['local/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', SES_PORT: '0', IDP_PORT: '0', LOCAL_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up: ${output}`)), 20_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const api = /API\s+(http:\/\/\S+)/.exec(output);
      const inbox = /Email inbox\s+(http:\/\/\S+?)\/?\s/.exec(output);
      const idp = /Sign-in\s+(http:\/\/\S+)/.exec(output);
      if (api && inbox && idp) {
        clearTimeout(timer);
        resolve({ child, apiUrl: api[1]!, inboxUrl: inbox[1]!, idpUrl: idp[1]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`npm start exited ${code}: ${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('npm start', () => {
  it('serves the API and the inbox, keeps accepted requests across a restart and resumes their approval rounds', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'offshore-start-'));
    try {
      // The identity provider keeps its port and, with the data, its signing key: a token from before the restart still verifies.
      const idpPort = String(await closedPort());
      const first = await start(dataDir, { IDP_PORT: idpPort });
      const example = await readFile(path.join(ROOT, 'examples/single-area-request.json'), 'utf8');
      const { accessToken } = await signInAtLocalProvider(first.idpUrl, { email: JSON.parse(example).serviceOwner.email });
      const auth = { authorization: `Bearer ${accessToken}` };
      const res = await fetch(`${first.apiUrl}/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: example,
      });
      expect(res.status).toBe(201);
      const { requestId } = (await res.json()) as { requestId: string };
      const inbox = await fetch(`${first.inboxUrl}/`);
      expect(inbox.status).toBe(200);

      // Collect the five approvers' links before the restart.
      let links: string[] = [];
      for (let i = 0; i < 200 && links.length < 5; i++) {
        const { emails } = (await (await fetch(`${first.inboxUrl}/store`)).json()) as { emails: { subject: string; body: { text: string } }[] };
        links = emails
          .filter((e) => e.subject.includes(requestId) && /approval needed/i.test(e.subject))
          .map((e) => /https?:\/\/\S+\/approvals\/\S+/.exec(e.body.text)![0]);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(links).toHaveLength(5);
      await stop(first.child);

      const second = await start(dataDir, { IDP_PORT: idpPort });
      const again = await fetch(`${second.apiUrl}/requests/${requestId}`, { headers: auth });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ requestId, request: { serviceName: 'Court hearing transcription' } });
      // The round resumed: the links sent before the restart still decide, and the request is approved.
      for (const link of links) {
        const url = new URL(link);
        const res = await fetch(`${second.apiUrl}${url.pathname}${url.search}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'decision=APPROVE',
        });
        expect(res.status).toBe(200);
      }
      let status = '';
      for (let i = 0; i < 200 && status !== 'APPROVED'; i++) {
        status = ((await (await fetch(`${second.apiUrl}/requests/${requestId}`, { headers: auth })).json()) as { status: string }).status;
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(status).toBe('APPROVED');
      await stop(second.child);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reads the approval timeline from REMINDER_AFTER_SECONDS, ESCALATE_AFTER_SECONDS (the earlier name of CHASE_AFTER_SECONDS) and LAPSE_AFTER_SECONDS', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'offshore-start-'));
    try {
      const { child, apiUrl, inboxUrl, idpUrl } = await start(dataDir, {
        REMINDER_AFTER_SECONDS: '1',
        ESCALATE_AFTER_SECONDS: '2',
        LAPSE_AFTER_SECONDS: '3',
      });
      const example = await readFile(path.join(ROOT, 'examples/single-area-request.json'), 'utf8');
      const { accessToken } = await signInAtLocalProvider(idpUrl, { email: JSON.parse(example).serviceOwner.email });
      const auth = { authorization: `Bearer ${accessToken}` };
      const res = await fetch(`${apiUrl}/requests`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: example });
      const { requestId, respondBy } = (await res.json()) as { requestId: string; respondBy: string };
      expect(Date.parse(respondBy) - Date.now()).toBeLessThan(5_000);
      let subjects: string[] = [];
      for (let i = 0; i < 300 && !subjects.some((s) => s.startsWith('Rejected: ')); i++) {
        const { emails } = (await (await fetch(`${inboxUrl}/store`)).json()) as { emails: { subject: string }[] };
        subjects = emails.filter((e) => e.subject.includes(requestId)).map((e) => e.subject);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(subjects.filter((s) => s.startsWith('Reminder: '))).toHaveLength(5);
      // Each approver's escalation contact is chased about them; the owner once, about all five.
      expect(subjects.filter((s) => s.startsWith('Chase: no decision from'))).toHaveLength(5);
      expect(subjects.filter((s) => s.startsWith('Chase: 5 approvers have not decided'))).toHaveLength(1);
      expect(subjects).toContainEqual(expect.stringMatching(/^Rejected: /));
      await stop(child);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
