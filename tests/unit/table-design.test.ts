import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { keys } from '../../functions/store/keys.ts';
import { tableDesign } from '../../functions/store/table-design.ts';

/**
 * docs/table-design.md against the code: every key prefix the store builds (functions/store/keys.ts)
 * and every index the table has (functions/store/table-design.ts) is documented, and the page
 * documents nothing else.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const doc = readFileSync(path.join(ROOT, 'docs/table-design.md'), 'utf8');

/** The fixed part of a key value: all of it, or what comes before its first variable part, up to its last '#'. */
function fixedPart(a: string, b: string): string {
  if (a === b) return a;
  let common = 0;
  while (common < a.length && a[common] === b[common]) common++;
  return a.slice(0, a.lastIndexOf('#', common - 1) + 1);
}

/** Each key attribute the store writes, with its fixed part: `pk=REQUEST#`, `sk=REQUEST`, `gsi3pk=CHASE_DUE`... */
function keyPrefixesInCode(): string[] {
  const prefixes = new Set<string>();
  for (const [name, build] of Object.entries(keys) as [string, (...args: string[]) => string | Record<string, string>][]) {
    // Two calls with different arguments: what stays the same is the prefix.
    const [a, b] = [build(...Array(build.length).fill('p')), build(...Array(build.length).fill('q'))];
    const [one, other] = typeof a === 'string' ? [{ pk: a }, { pk: b as string }] : [a, b as Record<string, string>];
    for (const [attribute, value] of Object.entries(one)) {
      const fixed = fixedPart(value, other[attribute]!);
      expect(fixed, `keys.${name}().${attribute}`).toBeTypeOf('string');
      if (fixed) prefixes.add(`${attribute}=${fixed}`);
    }
  }
  return [...prefixes].sort();
}

/** The rows of the markdown table under `heading`, as cells. */
function tableUnder(heading: string): string[][] {
  const start = doc.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const lines = doc.slice(start + heading.length + 2).split('\n');
  const table = lines.slice(lines.findIndex((l) => l.startsWith('|')));
  const rows = table.slice(
    0,
    table.findIndex((l) => !l.startsWith('|')),
  );
  return rows.slice(2).map((row) =>
    row
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
/** A documented key value's fixed part: up to its first `<placeholder>`. */
const documentedFixedPart = (value: string) => value.split('<')[0]!;

function keyPrefixesInDoc(): string[] {
  const prefixes = new Set<string>();
  for (const [entity, pk, sk, others] of tableUnder('## Items')) {
    const values: [string, string][] = [
      ...codeSpans(pk!).map((v) => ['pk', v] as [string, string]),
      ...codeSpans(sk!).map((v) => ['sk', v] as [string, string]),
      ...codeSpans(others!)
        .filter((span) => /^\w+ = /.test(span))
        .map((span) => span.split(' = ') as [string, string]),
    ];
    expect(values.length, `${entity}: its keys`).toBeGreaterThan(0);
    for (const [attribute, value] of values) {
      if (attribute === 'expiresAt') continue;
      const fixed = documentedFixedPart(value);
      if (fixed) prefixes.add(`${attribute}=${fixed}`);
    }
  }
  return [...prefixes].sort();
}

describe('docs/table-design.md', () => {
  it('documents every key prefix the store builds, and no other', () => {
    const inCode = keyPrefixesInCode();
    // The builder's own view, as a check on the collection: a request's keys, an approval's, a link's...
    expect(inCode).toEqual(
      expect.arrayContaining([
        'pk=REQUEST#',
        'sk=REQUEST',
        'sk=APPROVAL#',
        'sk=AUDIT#',
        'pk=LINK#',
        'sk=VERSION#',
        'gsi3pk=OPEN_REQUEST',
        'pk=IDEMPOTENCY#',
      ]),
    );
    expect(keyPrefixesInDoc()).toEqual(inCode);
  });

  it("documents the table's indexes, with their key attributes, and no other", () => {
    const documented = tableUnder('## Keys and indexes')
      .map(([key, , notes]) => [codeSpans(key!).join(' / '), /GSI `(\w+)`/.exec(notes!)?.[1]] as const)
      .filter(([, index]) => index)
      .map(([attributes, index]) => `${index}: ${attributes}`);
    expect(documented).toEqual(tableDesign.globalSecondaryIndexes.map((i) => `${i.indexName}: ${i.partitionKey} / ${i.sortKey}`));
  });

  it('names only those indexes in the store, and every one of them is used', () => {
    const storeDir = path.join(ROOT, 'functions/store');
    const source = readdirSync(storeDir)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => readFileSync(path.join(storeDir, file), 'utf8'))
      .join('\n');
    const used = new Set([...source.matchAll(/\bindex: '(\w+)'/g)].map((m) => m[1]!));
    // gsi1's approval keys are written for operations to look approvals up; the register is what the service reads through it.
    expect([...used].sort()).toEqual(tableDesign.globalSecondaryIndexes.map((i) => i.indexName).sort());
  });

  it('documents the TTL attribute the table sets', () => {
    expect(tableUnder('## Keys and indexes').map(([key]) => codeSpans(key!)[0])).toContain(tableDesign.timeToLiveAttribute);
  });
});
