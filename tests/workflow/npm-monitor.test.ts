import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, killAll, runScript, startLocal } from './local-processes.ts';

/** `npm run monitor` as the README shows it: the script itself, against a real `npm start`. */
afterEach(killAll);

describe('npm run monitor', () => {
  it("signs in at the stack's identity provider as the security team, and prints the run", async () => {
    // A non-default security-team group: the provider gives the script's sign-in the group npm start was told.
    const local = await startLocal({ SECURITY_TEAM_GROUP: 'offshore-security-test' });
    const port = new URL(local.apiUrl).port;
    const idpPort = new URL(local.idpUrl).port;

    const first = await runScript('local/monitor.ts', { IDP_PORT: idpPort, PORT: port, API_URL: '' });
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
    const second = await runScript('local/monitor.ts', { IDP_PORT: idpPort, API_URL: `${local.apiUrl}/`, PORT: '1' });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ date: run.date, repeated: true });
    await local.stop();
  });

  it('fails with one line, and a non-zero exit, when no stack is running', async () => {
    const port = await closedPort();
    const result = await runScript('local/monitor.ts', { API_URL: '', PORT: String(port), IDP_PORT: String(await closedPort()) });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`No local stack at http://127.0.0.1:${port}`);
    expect(lines[0]).toContain('npm start');
  });

  it('says in one line why the stack refused it: a token from another identity provider', async () => {
    const [local, another] = await Promise.all([startLocal(), startLocal()]);
    const result = await runScript('local/monitor.ts', { API_URL: local.apiUrl, IDP_PORT: new URL(another.idpUrl).port });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/refused the monitoring run: 401 .*Unauthorized/)]);
    await Promise.all([local.stop(), another.stop()]);
  });
});
