import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Generated path ids (traversal, escapes, separators, control characters, non-ASCII, overlong) on
 * every route with a path id, as a service owner: always an answer below 500, and never another
 * owner's data.
 */
let h: Harness;
let mine: string;
let theirs: string;
const OWNER = 'priya.shah@justice.gov.uk';
const OTHER = 'alex.morgan@justice.gov.uk';

beforeAll(async () => {
  h = await startHarness();
  mine = (await h.submit(singleAreaRequest())).body.requestId;
  const other = await h.api(
    '/requests',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...singleAreaRequest(), serviceOwner: { name: 'Alex Morgan', email: OTHER } }),
    },
    OTHER,
  );
  theirs = other.body.requestId;
});
afterAll(() => h.close());

const piece = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '%2F', '%5C', '%00', '%E0%A4%A', '%', '%%', '%ZZ', '?', '#', ';', '\\', '~', '*', '%0d%0a', '+', ' '),
  fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent),
  fc.constantFrom('OFF-', 'SVC-', 'APR-'),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
);
const pathId = fc.oneof(
  fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')),
  fc.integer({ min: 129, max: 3000 }).map((n) => `OFF-${'A'.repeat(n)}`),
  fc.constant('').map(() => `${theirs}`),
  fc.constant('').map(() => `${theirs}%00`),
);
const templates: ((id: string) => { path: string; init?: RequestInit })[] = [
  (id: string) => ({ path: `/requests/${id}` }),
  (id: string) => ({ path: `/services/${id}` }),
  (id: string) => ({ path: `/requests/${id}/withdrawal`, init: { method: 'POST' } }),
  (id: string) => ({
    path: `/requests/${id}/mitigations`,
    init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"mitigations":["x"]}' },
  }),
  (id: string) => ({ path: `/approvals/${id}?token=${'A'.repeat(43)}` }),
];

describe('generated path ids', () => {
  it("are answered below 500 on every route with a path id, and never with another owner's request", async () => {
    let attempts = 0;
    await fc.assert(
      fc.asyncProperty(pathId, fc.integer({ min: 0, max: templates.length - 1 }), async (id, which) => {
        const { path, init } = templates[which]!(id);
        const res = await h.api(path, init, path.startsWith('/approvals/') ? null : OWNER);
        attempts++;
        expect(res.status, `${init?.method ?? 'GET'} ${path.slice(0, 120)}`).toBeLessThan(500);
        if (res.status < 300) expect(res.text).not.toContain(theirs);
      }),
      { numRuns: 400, seed: 20261123 },
    );
    expect(attempts).toBe(400);
    expect((await h.status(theirs)).status).toBe('PENDING_APPROVAL');
    expect((await h.status(mine)).status).toBe('PENDING_APPROVAL');
  });
});
