import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LOCAL_SETTING_NAMES, LocalSettingsError, localSettings } from '../../local/settings.ts';
import { approvalWaitsFromEnvironment, createRuntime } from '../../functions/platform/runtime.ts';
import { mailbox } from '../../functions/email/send.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (env: Record<string, string>) => localSettings(env, { root: ROOT, cwd: ROOT });

describe('npm start settings (local/settings.ts)', () => {
  it('the README Configuration table documents exactly the settings npm start reads', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.split(/^## Configuration$/m)[1]!.split(/^## /m)[0]!;
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const documented = rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
    expect(new Set(documented)).toEqual(new Set(LOCAL_SETTING_NAMES));
  });

  it('has the documented defaults', () => {
    const settings = read({});
    expect(settings.ports).toEqual({ api: 3000, ses: 8005, dynamoDb: 0, stepFunctions: 0, identityProvider: 8006 });
    expect(settings.dataDir).toBe(path.join(ROOT, '.local-data', 'dynamodb'));
    expect(settings.monitorIntervalSeconds).toBe(3600);
    expect(settings.oidcClientSecret).toBe('local-development-only-not-a-secret');
    const runtime = createRuntime({ tableName: 'offshore-approvals', ...settings.runtime });
    expect(runtime.email).toEqual({
      from: 'offshore-approvals@example.gov.uk',
      fromName: 'MoJ Offshore approvals',
      replyTo: 'offshore-approvals@example.gov.uk',
    });
    expect(runtime.securityTeamGroup).toBe('offshore-security');
    expect(runtime.approvalWaits).toEqual({ reminderAfterSeconds: 7 * 86_400, chaseAfterSeconds: 14 * 86_400, lapseAfterSeconds: 28 * 86_400 });
    expect(runtime.directory.roles.DPO.email).toBe('dpo@justice.local');
  });

  it('reads every setting', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'offshore-settings-'));
    try {
      const directory = JSON.parse(await readFile(path.join(ROOT, 'config/approver-directory.json'), 'utf8'));
      directory.roles.CISO.email = 'ciso.file@justice.local';
      await writeFile(path.join(dir, 'directory.json'), JSON.stringify(directory));
      const settings = localSettings(
        {
          PORT: '4000',
          SES_PORT: '4005',
          DYNAMODB_PORT: '4010',
          STEPFUNCTIONS_PORT: '4011',
          LOCAL_DATA_DIR: 'data',
          MONITOR_INTERVAL_SECONDS: '0',
          IDP_PORT: '4012',
          OIDC_CLIENT_SECRET: 's3cret',
          EMAIL_FROM: 'a@example.gov.uk',
          EMAIL_FROM_NAME: 'Offshoring',
          EMAIL_REPLY_TO: 'b@example.gov.uk',
          PUBLIC_BASE_URL: 'https://approvals.example.gov.uk/offshore/',
          SECURITY_TEAM_GROUP: 'sec',
          REMINDER_AFTER_SECONDS: '10',
          CHASE_AFTER_SECONDS: '20',
          LAPSE_AFTER_SECONDS: '30',
          APPROVER_DIRECTORY: 'directory.json',
        },
        { root: ROOT, cwd: dir },
      );
      expect(settings.ports).toEqual({ api: 4000, ses: 4005, dynamoDb: 4010, stepFunctions: 4011, identityProvider: 4012 });
      expect(settings.dataDir).toBe(path.join(dir, 'data'));
      expect(settings.monitorIntervalSeconds).toBe(0);
      expect(settings.oidcClientSecret).toBe('s3cret');
      const runtime = createRuntime({ tableName: 'offshore-approvals', ...settings.runtime });
      expect(runtime.email).toEqual({ from: 'a@example.gov.uk', fromName: 'Offshoring', replyTo: 'b@example.gov.uk' });
      expect(runtime.publicBaseUrl).toBe('https://approvals.example.gov.uk/offshore');
      expect(runtime.securityTeamGroup).toBe('sec');
      expect(runtime.approvalWaits).toEqual({ reminderAfterSeconds: 10, chaseAfterSeconds: 20, lapseAfterSeconds: 30 });
      expect(runtime.directory.roles.CISO.email).toBe('ciso.file@justice.local');
      // As on AWS, the directory may also be given inline as JSON.
      expect(read({ APPROVER_DIRECTORY: JSON.stringify(directory) }).runtime.directory?.roles.CISO.email).toBe('ciso.file@justice.local');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads the chase time from CHASE_AFTER_SECONDS, or from its earlier name ESCALATE_AFTER_SECONDS when that is unset', () => {
    const waits = (env: Record<string, string>) => approvalWaitsFromEnvironment(env);
    expect(waits({ ESCALATE_AFTER_SECONDS: '20' })).toEqual({ chaseAfterSeconds: 20 });
    expect(waits({ CHASE_AFTER_SECONDS: '25' })).toEqual({ chaseAfterSeconds: 25 });
    expect(waits({ CHASE_AFTER_SECONDS: '25', ESCALATE_AFTER_SECONDS: '20' })).toEqual({ chaseAfterSeconds: 25 });
    expect(() => waits({ ESCALATE_AFTER_SECONDS: 'soon' })).toThrow(/ESCALATE_AFTER_SECONDS must be a whole number/);
  });

  it.each([
    [{ PORT: '70000' }, /^PORT: /],
    [{ SES_PORT: 'abc' }, /^SES_PORT: /],
    [{ IDP_PORT: '-1' }, /^IDP_PORT: /],
    [{ PUBLIC_BASE_URL: 'ftp://example.gov.uk' }, /^PUBLIC_BASE_URL: /],
    [{ EMAIL_FROM: 'offshore approvals' }, /^EMAIL_FROM: /],
    [{ MONITOR_INTERVAL_SECONDS: '-1' }, /^MONITOR_INTERVAL_SECONDS: /],
    [{ LAPSE_AFTER_SECONDS: '0' }, /^LAPSE_AFTER_SECONDS must be a whole number/],
    [{ APPROVER_DIRECTORY: 'no-such-directory.json' }, /^APPROVER_DIRECTORY \(.*no-such-directory\.json\): ENOENT/],
    [{ APPROVER_DIRECTORY: '{"businessAreas":{}}' }, /^APPROVER_DIRECTORY: Invalid approver directory/],
  ])('refuses %o with a message naming the setting', (env, message) => {
    expect(() => read(env)).toThrow(LocalSettingsError);
    expect(() => read(env)).toThrow(message);
  });
});

describe('mailbox', () => {
  it('quotes a display name, drops characters that could end it, and encodes non-ASCII names (RFC 2047)', () => {
    expect(mailbox('MoJ Offshore approvals', 'a@example.gov.uk')).toBe('"MoJ Offshore approvals" <a@example.gov.uk>');
    expect(mailbox('Sam "the" \\ Security\r\nBcc: x', 's@example.gov.uk')).toBe('"Sam the  Security Bcc: x" <s@example.gov.uk>');
    expect(mailbox('Zoë Brontë', 'z@example.gov.uk')).toBe(`=?UTF-8?B?${Buffer.from('Zoë Brontë').toString('base64')}?= <z@example.gov.uk>`);
    expect(mailbox(undefined, 'a@example.gov.uk')).toBe('a@example.gov.uk');
  });
});
