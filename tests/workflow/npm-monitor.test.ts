import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, killAll, runScript, startLocal } from './local-processes.ts';

/** `npm run monitor` as the README shows it: the script itself, against a real `npm start`. */
afterEach(killAll);

describe('npm run monitor', () => {
  it('signs in as the security team with the settings npm start uses, and prints the run', async () => {
    // Non-default identity settings on both sides: the script must read the same ones npm start reads.
    const identity = { LOCAL_IDENTITY_SECRET: 'monitor-test-secret', SECURITY_TEAM_GROUP: 'offshore-security-test' };
    const local = await startLocal(identity);
    const port = new URL(local.apiUrl).port;

    const first = await runScript('local/monitor.ts', { ...identity, PORT: port, API_URL: '' });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const run = JSON.parse(first.stdout);
    expect(run).toMatchObject({
      date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      status: 'COMPLETED',
      repeated: false,
      digest: { to: expect.any(String) },
    });
    expect(run.checks.map((c: { status: string }) => c.status)).not.toContain('FAILED');

    // API_URL wins over PORT; a second run the same day repeats nothing and says so.
    const second = await runScript('local/monitor.ts', { ...identity, API_URL: `${local.apiUrl}/`, PORT: '1' });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ date: run.date, repeated: true });
    await local.stop();
  });

  it('fails with one line, and a non-zero exit, when no stack is running', async () => {
    const port = await closedPort();
    const result = await runScript('local/monitor.ts', { API_URL: '', PORT: String(port) });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`No local stack at http://127.0.0.1:${port}`);
    expect(lines[0]).toContain('npm start');
  });

  it('says in one line why the stack refused it', async () => {
    const local = await startLocal({ LOCAL_IDENTITY_SECRET: 'the-stack-secret' });
    const result = await runScript('local/monitor.ts', { API_URL: local.apiUrl, LOCAL_IDENTITY_SECRET: 'another-secret' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/refused the monitoring run: 401 .*Unauthorized/)]);
    await local.stop();
  });
});
