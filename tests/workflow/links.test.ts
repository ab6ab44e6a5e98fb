import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, startHarness, type Harness } from './harness.ts';
import { diffTables, settledSnapshot, tableSnapshot } from './bad-input.ts';
import { approverLinks, decide, OWNER, submit, untilStatus, type Link } from './journeys.ts';
import { mintLinkToken } from '../../functions/domain/links.ts';

/**
 * Approval links under attack: generated tokens (fast-check) on the approver's page (GET, HEAD)
 * and the decision (POST) that are forged, malformed, truncated, tampered, another approver's,
 * another request's, already used, for a round that closed, or past their window. None is
 * accepted: the page is never shown, no decision is recorded, and the table is the same, item
 * for item, before and after. None answers 5xx. And opening a genuine link (GET or HEAD), however
 * often, changes nothing.
 *
 * LINK_ATTACKS (default 1,200) and LINK_SEED (default fixed) change the run.
 */
const ATTEMPTS = Number(process.env.LINK_ATTACKS ?? 1200);
const SEED = Number(process.env.LINK_SEED ?? 20261124);
const DAY = 86_400_000;

let h: Harness;
/** Milliseconds the handlers' clock runs ahead of the real one (the expired-link phase moves it). */
let ahead = 0;

interface Targets {
  /** Waiting requests: five unused links each. */
  open: Link[][];
  /** Links already used: the request approved with them, and one used while its round still waits. */
  used: Link[];
  /** Links of a withdrawn request: their round closed. */
  closed: Link[];
}
let targets: Targets;

beforeAll(async () => {
  h = await startHarness({ runtime: { clock: () => new Date(Date.now() + ahead) } });
  const open = await Promise.all([submit(h), submit(h)].map(async (id) => approverLinks(h, await id)));
  // One approver of the first open request decided: their link is used while the round still waits.
  expect((await decide(h, open[0]![0]!, 'APPROVE')).status).toBe(200);
  const approvedId = await submit(h);
  const approvedLinks = await approverLinks(h, approvedId);
  for (const link of approvedLinks) expect((await decide(h, link, 'APPROVE')).status).toBe(200);
  await untilStatus(h, approvedId, 'APPROVED');
  const withdrawnId = await submit(h);
  const closed = await approverLinks(h, withdrawnId);
  expect((await h.api(`/requests/${withdrawnId}/withdrawal`, { method: 'POST' }, OWNER)).status).toBe(200);
  targets = { open: [open[0]!.slice(1), open[1]!], used: [open[0]![0]!, ...approvedLinks], closed };
}, 120_000);
afterAll(() => h?.close());

type Category = 'forged' | 'malformed' | 'truncated' | 'tampered' | 'other approver' | 'other request' | 'replayed' | 'closed round' | 'expired';
/** What each category must answer: 403 for a token that names no link to this approval, 409 used, 410 closed or expired. */
const EXPECTED: Record<Category, number[]> = {
  forged: [403],
  malformed: [400, 403],
  truncated: [403],
  tampered: [403],
  'other approver': [403],
  'other request': [403],
  replayed: [409],
  'closed round': [410],
  expired: [410],
};

interface Attack {
  category: Category;
  method: 'GET' | 'HEAD' | 'POST';
  approvalId: string;
  /** The query string's token (undefined: none in the URL). */
  query?: string;
  /** POST only: the form's own token field. */
  bodyToken?: string;
}

const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];

/** One token changed in one place: a character swapped, dropped, doubled, or the token cut or extended. */
function tamper(token: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .tuple(fc.nat(token.length - 1), fc.constantFrom(...BASE64URL))
      .map(([at, c]) => token.slice(0, at) + c + token.slice(at + 1))
      .filter((t) => t !== token),
    fc
      .constantFrom(token.toUpperCase(), token.toLowerCase(), [...token].reverse().join(''), `${token}=`, `${token}A`, ` ${token}`, `${token}\u0000`)
      .filter((t) => t !== token),
  );
}

function attacks(t: Targets): fc.Arbitrary<Attack> {
  const open = t.open.flat();
  const method = fc.constantFrom<Attack['method']>('GET', 'GET', 'HEAD', 'POST', 'POST', 'POST');
  const at = (links: Link[]) => fc.constantFrom(...links);
  const inQueryOrBody = (m: Attack['method'], token: string) =>
    m === 'POST' ? fc.constantFrom<Pick<Attack, 'query' | 'bodyToken'>>({ query: token }, { bodyToken: token }) : fc.constant({ query: token });
  const attack = (category: Category, link: fc.Arbitrary<Link>, token: (l: Link) => fc.Arbitrary<string>) =>
    fc
      .tuple(method, link)
      .chain(([m, l]) =>
        token(l).chain((tok) => inQueryOrBody(m, tok).map((where) => ({ category, method: m, approvalId: l.approvalId, ...where }))),
      );
  return fc.oneof(
    attack('forged', at(open), () => fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => mintLinkToken(() => Buffer.from(bytes)))),
    attack('malformed', at(open), () =>
      fc.oneof(
        fc.constantFrom('', ' ', 'null', 'undefined', '[object Object]', '%00', '..%2F..%2Fetc%2Fpasswd', '*', 'a'.repeat(10_000)),
        fc.string({ maxLength: 80 }).filter((s) => !/^[A-Za-z0-9_-]{43}$/.test(s)),
        fc.string({ unit: fc.constantFrom(...BASE64URL, '+', '/', '='), minLength: 43, maxLength: 44 }).filter((s) => !/^[A-Za-z0-9_-]{43}$/.test(s)),
      ),
    ),
    attack('truncated', at(open), (l) => fc.integer({ min: 0, max: 42 }).map((n) => l.token.slice(0, n))),
    attack('tampered', at(open), (l) => tamper(l.token)),
    // A real, unused token, on another approver's approval of the same request.
    fc.tuple(method, fc.nat(t.open.length - 1), fc.nat(4), fc.integer({ min: 1, max: 4 })).chain(([m, r, i, shift]) => {
      const links = t.open[r]!;
      const mine = links[i % links.length]!;
      const theirs = links[(i + 1 + (shift % (links.length - 1))) % links.length]!;
      return inQueryOrBody(m, mine.token).map((where) => ({
        category: 'other approver' as const,
        method: m,
        approvalId: theirs.approvalId,
        ...where,
      }));
    }),
    // A real, unused token, on an approval of another request.
    fc.tuple(method, fc.constantFrom(...t.open[0]!), fc.constantFrom(...t.open[1]!), fc.boolean()).chain(([m, a, b, flip]) =>
      inQueryOrBody(m, (flip ? a : b).token).map((where) => ({
        category: 'other request' as const,
        method: m,
        approvalId: (flip ? b : a).approvalId,
        ...where,
      })),
    ),
    attack('replayed', at(t.used), (l) => fc.constant(l.token)),
    attack('closed round', at(t.closed), (l) => fc.constant(l.token)),
  );
}

interface Answer {
  status: number | 'no answer';
  text: string;
}

async function send(attack: Attack): Promise<Answer> {
  const query = attack.query === undefined ? '' : `?token=${encodeURIComponent(attack.query)}`;
  const url = `${h.stack.apiUrl}/approvals/${encodeURIComponent(attack.approvalId)}${query}`;
  // A genuine decision in the form: were the token accepted, it would be recorded.
  const init: RequestInit =
    attack.method === 'POST'
      ? form({ decision: 'APPROVE', ...(attack.bodyToken !== undefined ? { token: attack.bodyToken } : {}) })
      : { method: attack.method };
  try {
    const res = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    return { status: res.status, text: await res.text() };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { status: 'no answer', text: '' };
    throw error;
  }
}

/** The figures docs/reliability.md reports. */
const figures = { attempts: 0, wronglyAccepted: 0, fiveHundreds: 0, lost: 0, stuck: 0 };
afterAll(() => console.log(`links: ${JSON.stringify(figures)}`));

async function run(arbitrary: fc.Arbitrary<Attack>, n: number, seed: number) {
  const failures: string[] = [];
  const byCategory: Record<string, Record<string, number>> = {};
  for (const attack of fc.sample(arbitrary, { numRuns: n, seed })) {
    const answer = await send(attack);
    figures.attempts++;
    const category = `${attack.category} ${attack.method}`;
    byCategory[category] ??= {};
    const tally = byCategory[category];
    tally[answer.status] = (tally[answer.status] ?? 0) + 1;
    if (answer.status === 'no answer') figures.stuck++;
    else if (answer.status >= 500) figures.fiveHundreds++;
    else if (answer.status < 400) figures.wronglyAccepted++;
    // HEAD is not a route of the service: refused however the token looks (405), and never 5xx.
    const expected = attack.method === 'HEAD' ? [403, 405, 409, 410] : EXPECTED[attack.category];
    if (!expected.includes(answer.status as number) && failures.length < 20) {
      failures.push(
        `${attack.category} ${attack.method} ${attack.approvalId} query=${JSON.stringify(attack.query?.slice(0, 60))} body=${JSON.stringify(attack.bodyToken?.slice(0, 60))}: ${answer.status} ${answer.text.slice(0, 200)}`,
      );
    }
  }
  return { failures, byCategory };
}

describe('approval links under attack', () => {
  it(`refuses ${ATTEMPTS} forged, malformed, truncated, tampered, other approvers', other requests', replayed and closed-round tokens on GET, HEAD and POST: none accepted, none 5xx, the table unchanged`, async () => {
    const before = await settledSnapshot(h);
    const { failures, byCategory } = await run(attacks(targets), ATTEMPTS, SEED);
    console.log(JSON.stringify(byCategory));
    expect(failures).toEqual([]);
    const table = diffTables(before, await tableSnapshot(h));
    figures.lost += table.changed;
    expect(table).toMatchObject({ added: [], removed: [], modified: [] });
    for (const category of Object.keys(EXPECTED).filter((c) => c !== 'expired'))
      expect(Object.keys(byCategory).some((k) => k.startsWith(category))).toBe(true);
  }, 120_000);

  it('refuses every genuine, unused link once its window has passed (410), on GET and POST, and records nothing', async () => {
    const before = await tableSnapshot(h);
    ahead = 60 * DAY;
    try {
      const expired = fc.tuple(fc.constantFrom(...targets.open.flat()), fc.constantFrom<Attack['method']>('GET', 'POST'), fc.boolean()).map(
        ([link, method, inBody]): Attack => ({
          category: 'expired',
          method,
          approvalId: link.approvalId,
          ...(method === 'POST' && inBody ? { bodyToken: link.token } : { query: link.token }),
        }),
      );
      const { failures } = await run(expired, 100, SEED + 1);
      expect(failures).toEqual([]);
    } finally {
      ahead = 0;
    }
    expect(diffTables(before, await tableSnapshot(h)).changed).toBe(0);
  }, 60_000);

  it('changes nothing when genuine links are opened (GET) or probed (HEAD), however often: the page is shown and the table is the same', async () => {
    const before = await tableSnapshot(h);
    const open = targets.open.flat();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => open[i % open.length]!).map((link, i) =>
        fetch(`${h.stack.apiUrl}/approvals/${encodeURIComponent(link.approvalId)}?token=${link.token}`, { method: i % 2 ? 'HEAD' : 'GET' }).then(
          async (res) => ({ method: i % 2 ? 'HEAD' : 'GET', status: res.status, text: await res.text() }),
        ),
      ),
    );
    figures.attempts += answers.length;
    figures.fiveHundreds += answers.filter((a) => a.status >= 500).length;
    for (const answer of answers.filter((a) => a.method === 'GET')) {
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('<form');
    }
    for (const answer of answers.filter((a) => a.method === 'HEAD')) expect(answer.status).toBeLessThan(500);
    const table = diffTables(before, await tableSnapshot(h));
    figures.lost += table.changed;
    expect(table.changed).toBe(0);
    // And each genuine link still decides afterwards.
    for (const link of open) expect((await decide(h, link, 'APPROVE')).status).toBe(200);
  }, 60_000);
});
