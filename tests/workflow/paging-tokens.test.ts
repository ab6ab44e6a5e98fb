import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startHarness, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * GET /requests?next=…: the paging token comes back from the caller, who can change it or take
 * another owner's. Any token that is not from the caller's own listing is a 400 naming `next`,
 * never a 500, and never a page of another owner's requests.
 */
const PAGE_SIZE = 50;
const OWNER = { name: 'Olu Owner', email: 'olu.owner@justice.gov.uk' };
const OTHER = { name: 'Tam Other', email: 'tam.other@justice.gov.uk' };

let h: Harness;
let otherToken: string;
let otherIds: Set<string>;
beforeAll(async () => {
  let tick = 0;
  // Each submission a second apart, so the listing's order (by submission time) is total.
  h = await startHarness({ runtime: { clock: () => new Date(Date.UTC(2026, 10, 23, 10, 0, tick++)) } });
  for (let i = 0; i < 2; i++) expect((await h.submit({ ...singleAreaRequest(), serviceName: `Olu ${i}`, serviceOwner: OWNER })).status).toBe(201);
  for (let i = 0; i <= PAGE_SIZE; i++)
    expect((await h.submit({ ...singleAreaRequest(), serviceName: `Tam ${i}`, serviceOwner: OTHER })).status).toBe(201);
  const first = await h.api('/requests', undefined, OTHER.email);
  expect(first.status).toBe(200);
  expect(first.body.requests).toHaveLength(PAGE_SIZE);
  otherToken = first.body.next;
  expect(otherToken).toEqual(expect.any(String));
  const all = [...first.body.requests, ...(await h.api(`/requests?next=${otherToken}`, undefined, OTHER.email)).body.requests];
  otherIds = new Set(all.map((r: { requestId: string }) => r.requestId));
  expect(otherIds.size).toBe(PAGE_SIZE + 1);
}, 120_000);
afterAll(() => h.close());

const encode = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const decoded = (token: string) => JSON.parse(Buffer.from(token, 'base64url').toString()) as Record<string, unknown>;

async function listWith(token: string, as = OWNER.email) {
  return h.api(`/requests?next=${encodeURIComponent(token)}`, undefined, as);
}

function expectRefused(res: Awaited<ReturnType<typeof listWith>>) {
  expect(res.status).toBe(400);
  expect(res.body.errors).toEqual([{ path: 'next', message: expect.any(String) }]);
  for (const id of otherIds) expect(res.text).not.toContain(id);
}

describe('GET /requests paging tokens', () => {
  it('a real token pages on for its own owner', async () => {
    const res = await listWith(otherToken, OTHER.email);
    expect(res.status).toBe(200);
    expect(res.body.requests).toHaveLength(1);
    expect(res.body.next).toBeUndefined();
  });

  it("another owner's real token is a 400 naming next, and shows none of their requests", async () => {
    expectRefused(await listWith(otherToken));
  });

  it("another owner's token moved into the caller's partition pages only the caller's own requests", async () => {
    const moved = encode({ ...decoded(otherToken), gsi2pk: `OWNER#${OWNER.email}` });
    const res = await listWith(moved);
    expect(res.status).toBe(200);
    for (const id of otherIds) expect(res.text).not.toContain(id);
  });

  it.each([
    ['a tampered token', () => `${otherToken.slice(0, 10)}${otherToken[10] === 'A' ? 'B' : 'A'}${otherToken.slice(11)}`],
    ['base64 of text that is not JSON', () => encode('not json')],
    ['characters outside base64url', () => 'eyJwayI6 IngifQ=='],
    ['a JSON scalar', () => encode(42)],
    ['a JSON array', () => encode([decoded(otherToken)])],
    ['JSON with the wrong keys', () => encode({ pk: 'x', sk: 'y' })],
    ['a key of another index', () => encode({ pk: 'REQUEST#OFF-1', sk: 'REQUEST', gsi1pk: 'APPROVAL#APR-1', gsi1sk: 'APPROVAL' })],
    ['the right keys and one more', () => encode({ ...decoded(otherToken), gsi2pk: `OWNER#${OWNER.email}`, extra: 1 })],
    ['the right keys with a number for a string', () => encode({ ...decoded(otherToken), gsi2pk: `OWNER#${OWNER.email}`, gsi2sk: 1 })],
    ['a sort key that is no time', () => encode({ ...decoded(otherToken), gsi2pk: `OWNER#${OWNER.email}`, gsi2sk: 'zzz' })],
    ['a key that is not a request', () => encode({ ...decoded(otherToken), gsi2pk: `OWNER#${OWNER.email}`, pk: 'LINK#abc', sk: 'LINK' })],
    [
      'a DynamoDB-typed key',
      () =>
        encode({
          pk: { S: 'REQUEST#OFF-1' },
          sk: { S: 'REQUEST' },
          gsi2pk: { S: `OWNER#${OWNER.email}` },
          gsi2sk: { S: '2026-11-23T10:00:00.000Z' },
        }),
    ],
  ])('%s is a 400 naming next', async (_, token) => {
    expectRefused(await listWith(token()));
  });

  it('any JSON at all as a token is a 4xx, never a 5xx and never another owner’s requests', async () => {
    const keyish = fc.record(
      {
        pk: fc.oneof(fc.string(), fc.constant(decoded(otherToken).pk)),
        sk: fc.oneof(fc.string(), fc.constant('REQUEST')),
        gsi2pk: fc.oneof(fc.string(), fc.constant(`OWNER#${OTHER.email}`)),
        gsi2sk: fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), keyish), async (value) => {
        const res = await listWith(encode(value));
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        for (const id of otherIds) expect(res.text).not.toContain(id);
      }),
      { numRuns: 150 },
    );
  });
});
