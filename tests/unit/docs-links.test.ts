import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The README and docs link only to what a fresh clone has (not to files beside the repository). */
const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCUMENTS = ['README.md', 'docs/architecture.md', 'docs/policy-traceability.md', 'docs/table-design.md', 'docs/policy/README.md'];

describe('documentation links', () => {
  it.each(DOCUMENTS)('every relative link in %s names a file in the repository', async (document) => {
    const text = await readFile(path.join(ROOT, document), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t) && !t.startsWith('#'));
    const missing = targets.filter((target) => {
      const file = path.resolve(ROOT, path.dirname(document), target.split('#')[0]!);
      return !file.startsWith(`${ROOT}${path.sep}`) || !existsSync(file);
    });
    expect(missing).toEqual([]);
  });

  it('the README links to the policy the service runs', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('[Offshoring Policy](docs/policy/offshoring-policy.md)');
    expect(await readFile(path.join(ROOT, 'docs/policy/offshoring-policy.md'), 'utf8')).toMatch(/^# Offshoring Policy/);
  });
});
