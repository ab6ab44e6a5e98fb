import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import {
  APPROVERS,
  approvedService,
  approverLinks,
  count,
  decide,
  disagreements,
  escalated,
  isApproverEmail,
  isExplainedLoss,
  OWNER,
  postJson,
  rejectedRequest,
  submit,
  together,
  untilStatus,
  type Answer,
  type Link,
} from './journeys.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Races on one local stack: many people acting at once on the same records. Whatever the
 * interleaving, exactly one of two conflicting actions wins, every loser is told why with a 409 or
 * 410 (never a 5xx), and at the end the table, the audit trail and the round's execution agree.
 *
 * Each conflicting pair is fired RACE_REPEATS times (20 by default), the second action of each
 * pair started a little later each time (0 to 38 ms), so the requests interleave at different
 * points of each other's reads and writes. Nothing here measures time: the delays only vary the
 * interleaving, and every interleaving must end in a consistent state.
 */
const REPEATS = Number(process.env.RACE_REPEATS ?? 20);
const stagger = (i: number) => (i * 2) % 40;
const afterMs = <T>(ms: number, act: () => Promise<T>) => new Promise((r) => setTimeout(r, ms)).then(act);
const withdraw = (h: Harness, requestId: string) => h.api(`/requests/${requestId}/withdrawal`, { method: 'POST' }, OWNER);
const ok = (a: Answer) => a.status >= 200 && a.status < 300;
/** Two actions at once (each started before either is awaited). */
const both = (a: () => Promise<Answer>, b: () => Promise<Answer>) => Promise.all([a(), b()]);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** Runs `prepare` for every index, a few at a time (setting up, not racing). */
async function prepared<T>(n: number, prepare: (i: number) => Promise<T>, parallel = 5): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += parallel) out.push(...(await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, (_, j) => prepare(i + j)))));
  return out;
}

/** The figures docs/reliability.md reports for one race test. */
const tally = { attempts: 0, wronglyAccepted: 0, fiveHundreds: 0, lost: 0, stuck: 0 };
function record(answers: Answer[], winners: number, problems: string[]) {
  tally.attempts += answers.length;
  tally.fiveHundreds += answers.filter((a) => a.status >= 500).length;
  tally.wronglyAccepted += Math.max(0, winners - 1);
  tally.lost += problems.length;
}
afterAll(() => console.log(`races: ${JSON.stringify(tally)}`));

describe('many requests at once', () => {
  it('accepts every one of many concurrent submissions, each stored with its approvals, its running round and one email per approver', async () => {
    const N = 16;
    const answers = await together(
      Array.from({ length: N }, (_, i) => () => h.submit({ ...singleAreaRequest(), serviceName: `Concurrent service ${i}` })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(N).fill(201));
    const ids = answers.map((a) => a.body.requestId as string);
    expect(new Set(ids).size).toBe(N);
    const problems: string[] = [];
    for (const requestId of ids) {
      await approverLinks(h, requestId);
      const view = await h.eventually(async () => {
        const v = (await h.stack.runtime.store.getRequestView(requestId))!;
        return v.audit.filter(isApproverEmail).length >= APPROVERS && v;
      }, `${requestId}'s emails to be recorded`);
      expect(view.approvals).toHaveLength(APPROVERS);
      for (const approval of view.approvals) {
        expect(view.audit.filter((e) => e.type === 'EMAIL_SENT' && e.details.key === `REQUEST:${approval.approvalId}`)).toHaveLength(1);
      }
      problems.push(...(await disagreements(h, requestId)));
    }
    record(answers as Answer[], 0, problems);
    expect(problems).toEqual([]);
  }, 60_000);
});

describe('every approver at once, with duplicate clicks', () => {
  it('records one decision per approver however many times each clicks; the other clicks get 409 or 410 saying so', async () => {
    const requests = await prepared(2, async () => {
      const requestId = await submit(h);
      return { requestId, links: await approverLinks(h, requestId) };
    });
    for (const { requestId, links } of requests) {
      // Three clicks each, all fifteen at once.
      const clicks = links.flatMap((link) => [link, link, link]);
      const answers = await together(clicks.map((link) => () => decide(h, link, 'APPROVE')));
      const problems: string[] = [];
      for (const link of links) {
        const mine = answers.filter((_, i) => clicks[i] === link);
        expect(mine.filter((a) => a.status === 200)).toHaveLength(1);
        for (const lost of mine.filter((a) => a.status !== 200))
          expect(isExplainedLoss(lost), `${lost.status} ${lost.text.slice(0, 300)}`).toBe(true);
      }
      await untilStatus(h, requestId, 'APPROVED');
      problems.push(...(await disagreements(h, requestId)));
      record(answers, 0, problems);
      expect(problems).toEqual([]);
    }
  }, 60_000);

  it('records one decision when an approver approves and rejects in two tabs at once', async () => {
    const requests = await prepared(4, async () => {
      const requestId = await submit(h);
      return { requestId, links: await approverLinks(h, requestId) };
    });
    for (const [i, { requestId, links }] of requests.entries()) {
      const tabs: [Link, 'APPROVE' | 'REJECT'][] = [
        [links[0]!, 'APPROVE'],
        [links[0]!, 'REJECT'],
        ...links.slice(1).map((l): [Link, 'APPROVE'] => [l, 'APPROVE']),
      ];
      const answers = await together(
        tabs.map(
          ([link, decision], j) =>
            () =>
              afterMs(j === 1 ? stagger(i) : 0, () => decide(h, link, decision)),
        ),
      );
      expect(answers.slice(0, 2).filter((a) => a.status === 200)).toHaveLength(1);
      const lost = answers.slice(0, 2).find((a) => a.status !== 200)!;
      expect(isExplainedLoss(lost), `${lost.status} ${lost.text.slice(0, 300)}`).toBe(true);
      const rejected = answers[1]!.status === 200;
      // A rejection ends the round at once: an approver still deciding may find it closed (410).
      for (const a of answers.slice(2)) expect(a.status === 200 || (rejected && isExplainedLoss(a)), `${a.status}`).toBe(true);
      await untilStatus(h, requestId, rejected ? 'REJECTED' : 'APPROVED');
      const problems = await disagreements(h, requestId);
      record(answers, 0, problems);
      expect(problems).toEqual([]);
    }
  }, 60_000);
});

describe('conflicting actions fired together', () => {
  it(`withdraw vs the last approval's decision (${REPEATS} times): one wins, the other gets 409/410, and the outcome is that winner's`, async () => {
    const targets = await prepared(REPEATS, async () => {
      const requestId = await submit(h);
      const links = await approverLinks(h, requestId);
      for (const link of links.slice(0, -1)) if ((await decide(h, link, 'APPROVE')).status !== 200) throw new Error('Setting up: a decision failed');
      return { requestId, last: links.at(-1)! };
    });
    const outcomes: Record<string, number> = {};
    const all: string[] = [];
    for (const [i, { requestId, last }] of targets.entries()) {
      const [decision, withdrawal] = await both(
        () => decide(h, last, 'APPROVE'),
        () => afterMs(stagger(i), () => withdraw(h, requestId)),
      );
      const winners = [decision, withdrawal].filter(ok);
      const problems: string[] = [];
      if (winners.length !== 1) problems.push(`${requestId}: decision ${decision.status}, withdrawal ${withdrawal.status}`);
      for (const lost of [decision, withdrawal].filter((a) => !ok(a))) {
        if (!isExplainedLoss(lost)) problems.push(`${requestId}: the loser answered ${lost.status} ${lost.text.slice(0, 300)}`);
      }
      const expected = ok(withdrawal) ? 'WITHDRAWN' : 'APPROVED';
      await untilStatus(h, requestId, expected).catch((error: Error) => problems.push(error.message));
      problems.push(...(await disagreements(h, requestId)));
      outcomes[expected] = (outcomes[expected] ?? 0) + 1;
      record([decision, withdrawal], winners.length, problems);
      all.push(...problems);
    }
    console.log(`withdraw vs the last approval: ${JSON.stringify(outcomes)}`);
    expect(all).toEqual([]);
  }, 120_000);

  it(`the Departmental Head's decision on an escalation vs withdrawal (${REPEATS} times): one wins, or the withdrawal withdraws the round the endorsement started`, async () => {
    const targets = await prepared(REPEATS, async () => {
      const requestId = await rejectedRequest(h);
      return { requestId, head: await escalated(h, requestId) };
    });
    const outcomes: Record<string, number> = {};
    const all: string[] = [];
    for (const [i, { requestId, head }] of targets.entries()) {
      const endorse = i % 4 !== 3;
      const [decision, withdrawal] = await both(
        () => decide(h, head, endorse ? 'APPROVE' : 'REJECT', 'The residual risk is not acceptable'),
        () => afterMs(stagger(i), () => withdraw(h, requestId)),
      );
      const problems: string[] = [];
      for (const lost of [decision, withdrawal].filter((a) => !ok(a))) {
        if (!isExplainedLoss(lost)) problems.push(`${requestId}: the loser answered ${lost.status} ${lost.text.slice(0, 300)}`);
      }
      let outcome: string;
      if (ok(decision) && ok(withdrawal)) {
        // Not a conflict but one after the other: the endorsement started round 2, then the owner withdrew that round.
        outcome = 'endorsed, then round 2 withdrawn';
        if (!endorse) problems.push(`${requestId}: a declined escalation was also withdrawn`);
        const view = await untilStatus(h, requestId, 'WITHDRAWN').catch(() => h.status(requestId));
        if (view.round !== 2 || view.status !== 'WITHDRAWN') problems.push(`${requestId}: withdrawn in round ${view.round}`);
      } else if (ok(withdrawal)) {
        outcome = 'withdrawn';
        const view = await untilStatus(h, requestId, 'WITHDRAWN').catch(() => h.status(requestId));
        if (view.status !== 'WITHDRAWN' || view.round !== 1 || count(view.audit, 'ESCALATION_DECIDED') !== 0)
          problems.push(`${requestId}: withdrawn in round ${view.round} after the decision was recorded`);
      } else if (ok(decision)) {
        outcome = endorse ? 'endorsed' : 'declined';
        await untilStatus(h, requestId, endorse ? 'PENDING_APPROVAL' : 'CLOSED').catch((error: Error) => problems.push(error.message));
      } else {
        outcome = 'neither';
        problems.push(`${requestId}: neither won (decision ${decision.status}, withdrawal ${withdrawal.status})`);
      }
      problems.push(...(await disagreements(h, requestId)));
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      record([decision, withdrawal], outcome === 'neither' ? 0 : 1, problems);
      all.push(...problems);
    }
    console.log(`endorsement vs withdrawal: ${JSON.stringify(outcomes)}`);
    expect(all).toEqual([]);
  }, 120_000);

  it('the three rejection routes (resubmit, mitigate, escalate) fired together on one rejected request: one wins, the others get 409', async () => {
    const targets = await prepared(8, () => rejectedRequest(h));
    const outcomes: Record<string, number> = {};
    const all: string[] = [];
    for (const [i, requestId] of targets.entries()) {
      const routes = [
        [
          'resubmission',
          () =>
            postJson(h, `/requests/${requestId}/resubmissions`, {
              ...singleAreaRequest(),
              description: 'Adjusted: transcripts never leave the MoJ desktop',
            }),
        ],
        ['mitigations', () => postJson(h, `/requests/${requestId}/mitigations`, { mitigations: ['A DPIA is completed and signed off'] })],
        [
          'escalation',
          () =>
            postJson(h, `/requests/${requestId}/escalations`, {
              caseForApproval: 'The courts cannot run without this supplier',
              risksRectified: 'Support access now through MoJ-managed virtual desktops only',
            }),
        ],
      ] as const;
      // Rotated, so each route is sometimes first and sometimes last.
      const order = routes.map((_, j) => routes[(i + j) % routes.length]!);
      const answers = await together(
        order.map(
          ([, act], j) =>
            () =>
              afterMs(j * (i % 3), act),
        ),
      );
      const winners = answers.map((a, j) => [a, order[j]![0]] as const).filter(([a]) => ok(a));
      const problems: string[] = [];
      if (winners.length !== 1) problems.push(`${requestId}: ${answers.map((a, j) => `${order[j]![0]} ${a.status}`).join(', ')}`);
      for (const lost of answers.filter((a) => !ok(a)))
        if (!isExplainedLoss(lost)) problems.push(`${requestId}: a loser answered ${lost.status} ${lost.text.slice(0, 300)}`);
      const winner = winners[0]?.[1];
      if (winner) {
        const view = await untilStatus(h, requestId, winner === 'escalation' ? 'ESCALATED' : 'PENDING_APPROVAL');
        const started = view.audit.filter((e: { type: string }) =>
          ['REQUEST_RESUBMITTED', 'MITIGATIONS_PROVIDED', 'ESCALATED_TO_DEPARTMENTAL_HEAD'].includes(e.type),
        );
        if (started.length !== 1) problems.push(`${requestId}: ${started.map((e: { type: string }) => e.type).join(', ')} recorded`);
        outcomes[winner] = (outcomes[winner] ?? 0) + 1;
      }
      problems.push(...(await disagreements(h, requestId)));
      record(answers, winners.length, problems);
      all.push(...problems);
    }
    console.log(`rejection routes: ${JSON.stringify(outcomes)}`);
    expect(all).toEqual([]);
  }, 120_000);

  // Five reviews fired within a few milliseconds overlap on a quiet machine (one recorded, four 409s);
  // on a loaded one a later review may start after the first has finished, and is then a review of
  // its own. Either way no review is lost or overwritten: each recorded one is its own version.
  it('concurrent reviews of one service: those that overlap get 409 with the version that won, and no review is lost', async () => {
    const services = await prepared(3, () => approvedService(h), 3);
    for (const { serviceId } of services) {
      const answers = await together(
        Array.from(
          { length: 5 },
          (_, j) => () =>
            afterMs(j, () =>
              h.api(`/services/${serviceId}/reviews`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ outcome: 'SATISFACTORY', notes: `Annual review ${j}` }),
              }),
            ),
        ),
      );
      const winners = answers.filter((a) => a.status === 201);
      expect(winners.length).toBeGreaterThanOrEqual(1);
      // Each recorded review wrote the next version, none the same one.
      const recorded = winners.map((w) => w.body.version as number).sort((a, b) => a - b);
      expect(recorded).toEqual(Array.from({ length: winners.length }, (_, i) => i + 2));
      for (const lost of answers.filter((a) => a.status !== 201)) {
        expect(lost.status).toBe(409);
        expect(lost.body).toMatchObject({ serviceId });
        expect(recorded).toContain(lost.body.version);
        expect(isExplainedLoss(lost)).toBe(true);
      }
      const entry = (await h.api(`/services/${serviceId}`)).body;
      expect(entry.versions).toHaveLength(1 + winners.length);
      record(answers, winners.length, []);
    }
  }, 60_000);
});
