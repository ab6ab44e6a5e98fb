import { afterEach, describe, expect, it, vi } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ENV } from '../../functions/platform/config.ts';
import { decodeApproverDirectory, encodeApproverDirectory, loadApproverDirectory } from '../../functions/platform/directory.ts';

/**
 * APPROVER_DIRECTORY on the function side: the synth sets it gzipped, in base64 (Lambda's 4 KB of
 * environment would not hold a department's directory as JSON); local mode and a value set by hand
 * give it as JSON. One function reads both.
 */
const bundled = loadApproverDirectory();
const withCiso = (email: string) => {
  const next = structuredClone(bundled);
  next.roles.CISO.email = email;
  return next;
};

describe('decodeApproverDirectory', () => {
  it('reads plain JSON, minified or pretty-printed', () => {
    const directory = withCiso('ciso.json@justice.gov.uk');
    expect(decodeApproverDirectory(JSON.stringify(directory))).toEqual(directory);
    expect(decodeApproverDirectory(`\n  ${JSON.stringify(directory, null, 2)}\n`)).toEqual(directory);
  });

  it('reads what the synth writes: the minified JSON gzipped, in base64', () => {
    const directory = withCiso('ciso.encoded@justice.gov.uk');
    const encoded = encodeApproverDirectory(directory);
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(JSON.parse(gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8'))).toEqual(directory);
    expect(decodeApproverDirectory(encoded)).toEqual(directory);
    // Any gzip of the JSON, as another tool would write it.
    expect(decodeApproverDirectory(gzipSync(JSON.stringify(directory)).toString('base64'))).toEqual(directory);
  });

  it('writes the same value for the same directory, whatever the platform zlib was built for', () => {
    const encoded = encodeApproverDirectory(bundled);
    expect(encodeApproverDirectory(structuredClone(bundled))).toBe(encoded);
    const header = Buffer.from(encoded, 'base64').subarray(0, 10);
    expect(header.readUInt32LE(4)).toBe(0); // no modification time
    expect(header[9]).toBe(0xff); // operating system: unknown
  });

  it('fits a department’s directory, over 3,000 bytes as JSON, in under half that', () => {
    const department = structuredClone(bundled);
    for (const [code, area] of Object.entries(department.businessAreas)) {
      const domain = `${code.toLowerCase().replaceAll('_', '-')}.justice.gov.uk`;
      area.accountingOfficer = {
        name: `${area.name} Accounting Officer (Chief Executive)`,
        email: `accounting-officer@${domain}`,
        escalationContact: { name: `${area.name} Finance Director`, email: `finance-director@${domain}` },
      };
    }
    expect(Buffer.byteLength(JSON.stringify(department))).toBeGreaterThan(3_000);
    expect(encodeApproverDirectory(department).length).toBeLessThan(1_500);
    expect(decodeApproverDirectory(encodeApproverDirectory(department))).toEqual(department);
  });

  it.each([
    ['neither JSON nor base64', 'not a directory', /^APPROVER_DIRECTORY is neither JSON nor gzipped JSON in base64$/],
    [
      'base64 that is not gzip',
      Buffer.from('{"businessAreas":{}}').toString('base64'),
      /^APPROVER_DIRECTORY is neither JSON nor gzipped JSON in base64: /,
    ],
    ['gzip of something not JSON', gzipSync('directory').toString('base64'), /^APPROVER_DIRECTORY is not valid JSON: /],
    ['broken JSON', '{"businessAreas":', /^APPROVER_DIRECTORY is not valid JSON: /],
    ['a directory the schema refuses, encoded', gzipSync('{"businessAreas":{}}').toString('base64'), /^Invalid approver directory: /],
    ['a directory the schema refuses, as JSON', '{"businessAreas":{}}', /^Invalid approver directory: /],
  ])('refuses %s, naming the setting or the directory’s problem', (_case, value, message) => {
    expect(() => decodeApproverDirectory(value)).toThrow(message);
  });
});

describe('loadApproverDirectory', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  const seedWith = async (value: string) => {
    vi.stubEnv(ENV.approverDirectory, value);
    vi.resetModules();
    const fresh: typeof import('../../functions/platform/directory.ts') = await import('../../functions/platform/directory.ts');
    return fresh.loadApproverDirectory();
  };

  it('seeds from APPROVER_DIRECTORY as the synth sets it, and as JSON', async () => {
    const encoded = withCiso('ciso.deployed@justice.gov.uk');
    expect(await seedWith(encodeApproverDirectory(encoded))).toEqual(encoded);
    const plain = withCiso('ciso.plain@justice.gov.uk');
    expect(await seedWith(JSON.stringify(plain))).toEqual(plain);
  });

  it('seeds from the bundled directory when APPROVER_DIRECTORY is unset or empty', async () => {
    expect(await seedWith('')).toEqual(bundled);
  });
});
