import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { STATE_MACHINE_FILE } from '../../functions/catalogue.ts';

/**
 * The ASL matches errors by name, and the Lambdas are minified when deployed: the names must
 * survive minification. This builds the signals as a minified bundle (esbuild, no keepNames) and
 * checks every error the ASL catches is one the code can throw, by that exact name.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

function caughtByTheAsl(): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'ErrorEquals') (value as string[]).forEach((n) => names.add(n));
        else visit(value);
      }
    }
  };
  visit(JSON.parse(readFileSync(path.join(ROOT, STATE_MACHINE_FILE), 'utf8')));
  return [...names];
}

describe('the workflow error contract', () => {
  it('throws, after minification, exactly the names the ASL catches', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'signals-'));
    try {
      const outfile = path.join(dir, 'signals.mjs');
      await build({ entryPoints: [path.join(ROOT, 'functions/shared/workflow.ts')], bundle: true, minify: true, format: 'esm', platform: 'node', outfile, logLevel: 'silent', external: ['@aws-sdk/*'] });
      const signals = (await import(pathToFileURL(outfile).href)) as typeof import('../../functions/shared/workflow.ts');
      const thrown = ['APPROVED', 'REJECTED', 'LAPSED', 'CLOSED'].map((status) => signals.signalFor({ status, approvalId: 'APR-1', reason: 'r' }).name);
      expect(thrown).toEqual(['ApprovalAlreadyGiven', 'ApprovalRejected', 'ApprovalLapsed', 'ApprovalClosed']);
      // AWS's own errors (retried throttling) are not ours to throw.
      const ours = caughtByTheAsl().filter((n) => !/^(States|Lambda)\.|Exception$|^RequestLimitExceeded$/.test(n));
      expect(ours.sort()).toEqual(['ApprovalAlreadyGiven', 'ApprovalLapsed', 'ApprovalRejected'].sort());
      for (const name of ours) expect(thrown).toContain(name);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
