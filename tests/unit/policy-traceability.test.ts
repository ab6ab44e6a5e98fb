import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * docs/policy-traceability.md maps each clause of the Offshoring Policy and the Corporate Security
 * Policy to the code that enforces it and the test that fails if it breaks. This keeps the document
 * true: every file it names exists, every function or constant it names is defined in a file named
 * beside it (or, where none is, in functions/domain/offshoring-policy.ts), every test it
 * names is in the test file named before it, and every row names at least one test by its name.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCUMENT = 'docs/policy-traceability.md';
/** Where the rules live: a row naming no file means this one (the document says so). */
const RULES = 'functions/domain/offshoring-policy.ts';

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Row {
  clause: string;
  code: string;
  tests: string;
}

/** The mapping table's rows: every table row whose header has Clause, Code and Tests columns. */
function mappingRows(markdown: string): Row[] {
  const rows: Row[] = [];
  let columns: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      columns = undefined;
      continue;
    }
    // Cells split on pipes that are not inside backticks.
    const cells = splitCells(line);
    if (!columns) {
      columns = cells.map((c) => c.toLowerCase());
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    const at = (name: string) => cells[columns!.indexOf(name)] ?? '';
    if (columns.includes('code') && columns.includes('tests')) rows.push({ clause: at('clause'), code: at('code'), tests: at('tests') });
  }
  return rows;
}

function splitCells(line: string): string[] {
  const row = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return splitOutsideCode(row, '|').map((cell) => cell.trim());
}

/** Splits on a separator outside backticks (a pipe or semicolon inside `code` is part of it). */
function splitOutsideCode(text: string, separator: string): string[] {
  const parts: string[] = [];
  let part = '';
  let inCode = false;
  for (const ch of text) {
    if (ch === '`') inCode = !inCode;
    if (ch === separator && !inCode) {
      parts.push(part);
      part = '';
    } else part += ch;
  }
  parts.push(part);
  return parts;
}

const backticked = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
/** A path in the repository: has a slash and no spaces (an API route such as `POST /requests` has a space). */
const isPath = (token: string) => /^[\w.-]+(\/[\w.-]+)+\/?$/.test(token);
/** A name in code: an identifier, or Type.member; `name()` counts as `name`. Values with other characters are prose. */
const asName = (token: string) => /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)?(\(\))?$/.exec(token)?.[0].replace(/\(\)$/, '');

/** Defined in the file: declared (function, const, class, type…), a method, a property or key, or a string literal value (an enum member, an ASL state). */
function definedIn(source: string, name: string): boolean {
  return name.split('.').every((part) => {
    const n = escapeRegExp(part);
    return new RegExp(
      [
        `\\b(function\\*?|const|let|var|class|interface|type|enum)\\s+${n}\\b`,
        `^\\s*(export\\s+)?(async\\s+)?(static\\s+)?(readonly\\s+)?(get\\s+)?#?${n}\\s*[(<:?=]`,
        `[{,]\\s*${n}\\s*[:,}(]`,
        `['"]${n}['"]`,
        `\\b(export|import)\\s*\\{[^}]*\\b${n}\\b`,
      ].join('|'),
      'm',
    ).test(source);
  });
}

interface Problem {
  row: string;
  problem: string;
}

/** Every reference in the document that does not hold. */
function problemsIn(markdown: string, exists = (file: string) => existsSync(path.join(ROOT, file))): Problem[] {
  const problems: Problem[] = [];
  for (const { clause, code, tests } of mappingRows(markdown)) {
    const row = clause.slice(0, 80);
    const say = (problem: string) => problems.push({ row, problem });

    // Code: the files exist; each name is defined in a file named in its part of the cell (parts split
    // on semicolons: "`a`, `b` in `file`; `c` in `other`"), or in the rules module if that part names none.
    const codeTokens = backticked(code);
    if (codeTokens.length === 0) say('names no code');
    for (const part of splitOutsideCode(code, ';')) {
      const tokens = backticked(part);
      const files = tokens.filter(isPath).map((p) => p.replace(/\/$/, ''));
      for (const file of files) if (!exists(file)) say(`no file ${file}`);
      const sources = (files.length ? files : [RULES])
        .filter((f) => exists(f) && statSync(path.join(ROOT, f)).isFile())
        .map((f) => ({ file: f, text: read(f) }));
      for (const name of tokens.filter((t) => !isPath(t)).flatMap((t) => asName(t) ?? [])) {
        if (!sources.some((s) => definedIn(s.text, name))) say(`${name} is not defined in ${sources.map((s) => s.file).join(', ')}`);
      }
    }

    // Tests: each quoted name is in the test file named before it; at least one name per row.
    let file: string | undefined;
    let named = 0;
    for (const m of tests.matchAll(/`([^`]+)`|"([^"]+)"/g)) {
      if (m[1] !== undefined) {
        if (!isPath(m[1])) continue;
        file = m[1].replace(/\/$/, '');
        if (!exists(file)) say(`no test file ${file}`);
        continue;
      }
      // A title may be shortened with an ellipsis at either end.
      const title = m[2]!.replace(/^…|…$/g, '');
      if (!file) {
        say(`test "${title}" names no file before it`);
        continue;
      }
      if (!exists(file)) continue;
      named += 1;
      const source = read(file);
      if (!source.includes(title) && !source.includes(title.replace(/'/g, "\\'"))) say(`test "${title}" is not in ${file}`);
    }
    if (named === 0) say('names no test');
  }
  return problems;
}

describe('docs/policy-traceability.md', () => {
  const markdown = read(DOCUMENT);

  it('has a mapping table', () => {
    expect(mappingRows(markdown).length).toBeGreaterThan(20);
  });

  it('names only files that exist, code defined where it says, and tests that are in their files', () => {
    expect(problemsIn(markdown)).toEqual([]);
  });

  it('would notice a renamed function, a missing file or a renamed test', () => {
    const row = (code: string, tests: string) =>
      `| Clause | Requirement | Code | Tests |\n| --- | --- | --- | --- |\n| X | Y | ${code} | ${tests} |\n`;
    const good = row('`roundOutcome`', '`tests/unit/offshoring-policy.test.ts` "roundOutcome (Offshoring Policy, Process 2 and 3)"');
    expect(problemsIn(good)).toEqual([]);
    expect(problemsIn(row('`roundOutcomes`', '`tests/unit/offshoring-policy.test.ts` "roundOutcome…"'))).toEqual([
      { row: 'X', problem: `roundOutcomes is not defined in ${RULES}` },
    ]);
    expect(problemsIn(row('`escalate` in `functions/domain/escalations.ts`', '`tests/unit/offshoring-policy.test.ts` "roundOutcome…"'))).toEqual(
      expect.arrayContaining([{ row: 'X', problem: 'no file functions/domain/escalations.ts' }]),
    );
    expect(problemsIn(row('`roundOutcome`', '`tests/unit/offshoring-policy.test.ts` "approves unless anyone objects"'))).toEqual([
      { row: 'X', problem: 'test "approves unless anyone objects" is not in tests/unit/offshoring-policy.test.ts' },
    ]);
    expect(problemsIn(row('`roundOutcome`', '`tests/unit/offshoring-policy.test.ts`'))).toEqual([{ row: 'X', problem: 'names no test' }]);
  });
});
