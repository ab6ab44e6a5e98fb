import { afterEach, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { closedPort, killAll, runScript, startLocal } from './local-processes.ts';

/** `npm run token` as the README shows it: the script itself, signing in at a real `npm start`. */
afterEach(killAll);

describe('npm run token', () => {
  it("prints an access token from the stack's identity provider, which the stack's API accepts", async () => {
    const local = await startLocal({ SECURITY_TEAM_GROUP: 'offshore-security-test' });
    const env = { IDP_PORT: new URL(local.idpUrl).port };
    const [owner, security] = await Promise.all([
      runScript('local/token.ts', env, ['alex.morgan@justice.gov.uk']),
      runScript('local/token.ts', env, ['sam.security@justice.gov.uk', '--security']),
    ]);
    expect([owner.code, owner.stderr, security.code, security.stderr]).toEqual([0, '', 0, '']);
    const token = owner.stdout.trim();
    expect(decodeJwt(token)).toMatchObject({ iss: local.idpUrl, aud: 'offshore-approvals', email: 'alex.morgan@justice.gov.uk', groups: [] });
    expect(decodeJwt(security.stdout.trim())).toMatchObject({ email: 'sam.security@justice.gov.uk', groups: ['offshore-security-test'] });

    const mine = await fetch(`${local.apiUrl}/requests`, { headers: { authorization: `Bearer ${token}` } });
    expect(mine.status).toBe(200);
    // Only the security team reads the register.
    const register = (t: string) => fetch(`${local.apiUrl}/services`, { headers: { authorization: `Bearer ${t}` } });
    expect((await register(security.stdout.trim())).status).toBe(200);
    expect((await register(token)).status).toBe(403);
    await local.stop();
  });

  it('fails with one line, and exit 1, when no stack is running', async () => {
    const port = await closedPort();
    const result = await runScript('local/token.ts', { IDP_PORT: String(port) }, ['alex.morgan@justice.gov.uk']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(`http://localhost:${port}`)]);
    expect(result.stderr).toContain('npm start');
  });
});
