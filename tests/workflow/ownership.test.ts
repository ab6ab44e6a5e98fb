import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_TEAM, startHarness, type Harness } from './harness.ts';
import { diffTables, settledSnapshot, tableSnapshot } from './bad-input.ts';
import { approvedService, approverLinks, OTHER_OWNER, OWNER, rejectedRequest, submit } from './journeys.ts';
import { apiRoutes, type ApiRoute } from '../../functions/catalogue.ts';
import type { LocalIdentity } from '../../local/identity-provider.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Every route that needs a signed-in caller (every route of the function catalogue with the default
 * `jwt` auth), called by someone who is not the record's owner: another service owner, a later
 * holder of the owner's email address (another subject), the address in other letter case, people
 * in groups that only look like the security team's. Each gets 403 and nothing changes, item for
 * item. Ownership cannot be taken through the body either: a resubmission or a CHANGE naming
 * another owner's service is refused too.
 *
 * No route answers 404 for a record that exists but is someone else's: 404 means no such record.
 * Request and service ids are 50 bits of randomness, shown only to their owner, the approvers and
 * the security team, so a 403 tells an outsider nothing they could use.
 */
const GENERATED = Number(process.env.OWNERSHIP_IDENTITIES ?? 12);
const SEED = Number(process.env.OWNERSHIP_SEED ?? 20261125);

let h: Harness;
interface Targets {
  pending: string;
  rejected: string;
  /** Submitted by the security team for the owner, who has not signed in to it yet. */
  onBehalf: string;
  serviceId: string;
  approvedRequestId: string;
  /** A breach the owner reported. */
  incidentId: string;
  /** An exemption the owner asked for, waiting for its approvals. */
  exemptionId: string;
}
let targets: Targets;
let before: Map<string, string>;

beforeAll(async () => {
  h = await startHarness();
  const [pending, rejected, approved] = await Promise.all([submit(h), rejectedRequest(h), approvedService(h)]);
  const onBehalf = await h.api(
    '/requests',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(singleAreaRequest()) },
    SECURITY_TEAM,
  );
  expect(onBehalf.status).toBe(201);
  await Promise.all([approverLinks(h, pending), approverLinks(h, onBehalf.body.requestId)]);
  const incident = await h.api(
    '/incidents',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'PERSONAL_DATA_BREACH',
        serviceId: approved.serviceId,
        description: 'Sent to the wrong firm',
        discoveredAt: '2026-11-20',
      }),
    },
    OWNER,
  );
  expect(incident.status).toBe(201);
  const exemption = await h.api(
    '/exemptions',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ policyClause: 'Process 1(c)', justification: 'A framework contract', endDate: '2027-06-30' }),
    },
    OWNER,
  );
  expect(exemption.status).toBe(201);
  // Its round settled (both approvers asked) before the table is snapshotted.
  await h.eventually(
    async () => (await h.emails(`(${exemption.body.requestId})`)).filter((e) => e.subject.startsWith('Exemption approval needed')).length === 2,
    'the exemption approvers asked',
  );
  targets = {
    exemptionId: exemption.body.requestId,
    pending,
    rejected,
    onBehalf: onBehalf.body.requestId,
    serviceId: approved.serviceId,
    approvedRequestId: approved.requestId,
    incidentId: incident.body.incidentId,
  };
  before = await settledSnapshot(h);
}, 120_000);
afterAll(() => h?.close());

const routeKey = (route: ApiRoute) => `${route.method} ${route.path}`;
const jwtRoutes = apiRoutes.filter((route) => (route.auth ?? 'jwt') === 'jwt');

interface Call {
  what: string;
  path: string;
  method: 'GET' | 'POST';
  body?: unknown;
}

const change = (serviceId: string, owner: { name: string; email: string }) => ({
  ...singleAreaRequest(),
  changeType: 'CHANGE',
  serviceId,
  serviceName: 'Taken over',
  serviceOwner: owner,
});

/**
 * What an outsider tries on each route, at the owner's records, with bodies the owner could send.
 * A route missing here fails the test: a new route must say how it is protected.
 */
const CALLS: Record<string, (t: Targets, outsider: LocalIdentity) => Call[]> = {
  'POST /requests': (t, o) => [
    {
      what: "a CHANGE of the owner's service, naming the outsider as owner",
      path: '/requests',
      method: 'POST',
      body: change(t.serviceId, { name: 'Outsider', email: o.email }),
    },
    { what: 'a request naming the owner as service owner', path: '/requests', method: 'POST', body: singleAreaRequest() },
  ],
  'GET /requests': () => [],
  'GET /requests/{requestId}': (t) =>
    [t.pending, t.rejected, t.onBehalf, t.approvedRequestId].map((id) => ({
      what: `reading ${id}`,
      path: `/requests/${id}`,
      method: 'GET' as const,
    })),
  'POST /requests/{requestId}/resubmissions': (t, o) => [
    { what: 'a resubmission naming the owner', path: `/requests/${t.rejected}/resubmissions`, method: 'POST', body: singleAreaRequest() },
    {
      what: 'a resubmission naming the outsider',
      path: `/requests/${t.rejected}/resubmissions`,
      method: 'POST',
      body: { ...singleAreaRequest(), serviceOwner: { name: 'Outsider', email: o.email } },
    },
  ],
  'POST /requests/{requestId}/mitigations': (t) => [
    { what: 'mitigations', path: `/requests/${t.rejected}/mitigations`, method: 'POST', body: { mitigations: ['A DPIA is completed'] } },
  ],
  'POST /requests/{requestId}/escalations': (t) => [
    {
      what: 'an escalation',
      path: `/requests/${t.rejected}/escalations`,
      method: 'POST',
      body: { caseForApproval: 'Needed for the courts', risksRectified: 'A DPIA is done' },
    },
  ],
  'POST /requests/{requestId}/withdrawal': (t) =>
    [t.pending, t.rejected, t.onBehalf].map((id) => ({
      what: `withdrawing ${id}`,
      path: `/requests/${id}/withdrawal`,
      method: 'POST' as const,
      body: { reason: 'Not mine to keep' },
    })),
  'GET /services': () => [{ what: 'the register', path: '/services', method: 'GET' }],
  'GET /services/{serviceId}': (t) => [{ what: "the owner's service", path: `/services/${t.serviceId}`, method: 'GET' }],
  'POST /services/{serviceId}/reviews': (t) => [
    { what: 'a review', path: `/services/${t.serviceId}/reviews`, method: 'POST', body: { outcome: 'SATISFACTORY', notes: 'Reviewed, all fine' } },
  ],
  'GET /monitoring/runs': () => [{ what: 'monitoring runs', path: '/monitoring/runs', method: 'GET' }],
  'POST /monitoring/runs': () => [{ what: 'a monitoring run', path: '/monitoring/runs', method: 'POST' }],
  'GET /directory/versions': () => [{ what: 'the approver directory', path: '/directory/versions', method: 'GET' }],
  'POST /directory/versions': () => [
    {
      what: 'a new approver directory',
      path: '/directory/versions',
      method: 'POST',
      body: { basedOnVersion: 1, note: 'Take over the approvals', directory: {} },
    },
  ],
  // Anyone signed in reports a breach or incident, and lists only the ones they reported.
  'POST /incidents': () => [],
  'GET /incidents': () => [],
  'GET /incidents/{incidentId}': (t) => [{ what: "the owner's breach report", path: `/incidents/${t.incidentId}`, method: 'GET' }],
  // Anyone signed in asks for an exemption; one for a service only its owner (or the security team).
  'POST /exemptions': (t) => [
    {
      what: "an exemption for the owner's service",
      path: '/exemptions',
      method: 'POST',
      body: { policyClause: 'Process 1(c)', justification: 'Not mine to ask', serviceId: t.serviceId, endDate: '2027-06-30' },
    },
  ],
  // Anyone signed in lists the exemptions they asked for (the security team: all); one is read or withdrawn by who asked for it.
  'GET /policy-exemptions': () => [],
  'GET /policy-exemptions/{requestId}': (t) => [{ what: "the owner's exemption", path: `/policy-exemptions/${t.exemptionId}`, method: 'GET' }],
  'POST /exemptions/{requestId}/withdrawal': (t) => [
    {
      what: "withdrawing the owner's exemption",
      path: `/exemptions/${t.exemptionId}/withdrawal`,
      method: 'POST',
      body: { reason: 'Not mine to keep' },
    },
  ],
  // A rejected exemption is asked for again only by who asked for it (a waiting one too: 403 before its status).
  'POST /exemptions/{requestId}/resubmissions': (t) => [
    {
      what: "asking again for the owner's exemption",
      path: `/exemptions/${t.exemptionId}/resubmissions`,
      method: 'POST',
      body: { policyClause: 'Process 1(c)', justification: 'Not mine to ask', endDate: '2027-06-30' },
    },
  ],
  'POST /incidents/{incidentId}/updates': (t) => [
    {
      what: 'closing the breach',
      path: `/incidents/${t.incidentId}/updates`,
      method: 'POST',
      body: { status: 'CLOSED', note: 'Nothing to see' },
    },
  ],
};

/** People who are not the owner and not the security team. */
const NAMED_OUTSIDERS: LocalIdentity[] = [
  { email: OTHER_OWNER, name: 'Alex Morgan' },
  // A later holder of the owner's address: the same email, another subject.
  { email: OWNER, name: 'Priya Shah', sub: 'entra-oid-of-someone-else' },
  { email: OWNER.toUpperCase(), name: 'Priya Shah', sub: 'entra-oid-of-a-third-person' },
  // Groups that look like the security team's, but are not it.
  { email: OTHER_OWNER, groups: ['Offshore-Security', 'offshore-security-readers', 'offshore_security', 'offshore-security,readers'] },
];

const outsiders: fc.Arbitrary<LocalIdentity> = fc.record({
  email: fc.oneof(
    fc.constantFrom(OTHER_OWNER, 'tom.evans@justice.gov.uk', 'sam.security@justice.gov.uk'),
    fc.stringMatching(/^[a-z]{1,12}\.[a-z]{1,12}@(justice\.gov\.uk|example\.com)$/),
    // The owner's address in any case, held by another subject.
    fc
      .array(fc.boolean(), { minLength: OWNER.length, maxLength: OWNER.length })
      .map((upper) => [...OWNER].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('')),
  ),
  name: fc.constantFrom('Priya Shah', 'Sam Security', 'Alex Morgan'),
  sub: fc.uuid().map((id) => `entra-${id}`),
  // Never with white space: the gateway passes a groups claim as one string, "[a b]", so a group
  // named "x offshore-security" cannot be told from two groups (the security team's group is an
  // identity provider's id, which has none).
  groups: fc.subarray([
    'Offshore-Security',
    'offshore-security-admins',
    'security',
    'approvers',
    'OFFSHORE-SECURITY',
    'offshore-security,admins',
    'admins,offshore-security',
    '[offshore-security]',
  ]),
});

/** The figures docs/reliability.md reports. */
const figures = { attempts: 0, wronglyAccepted: 0, fiveHundreds: 0, lost: 0, stuck: 0 };
afterAll(() => console.log(`ownership: ${JSON.stringify(figures)}`));

describe('ownership', () => {
  it('describes how every signed-in route is protected', () => {
    expect(jwtRoutes.map(routeKey).filter((key) => !CALLS[key])).toEqual([]);
  });

  it(`refuses another owner's identity on every signed-in route with 403, including through the body, and nothing changes (${NAMED_OUTSIDERS.length} named and ${GENERATED} generated outsiders)`, async () => {
    const identities = [...NAMED_OUTSIDERS, ...fc.sample(outsiders, { numRuns: GENERATED, seed: SEED })];
    const failures: string[] = [];
    for (const outsider of identities) {
      for (const route of jwtRoutes) {
        for (const call of CALLS[routeKey(route)]!(targets, outsider)) {
          // A request naming the owner is refused only to callers who are not that address.
          // A request submitted for an owner belongs to the first person who signs in with the address it names.
          const holdsOwnersAddress = outsider.email.toLowerCase() === OWNER;
          if (holdsOwnersAddress && (call.what === 'a request naming the owner as service owner' || call.path.includes(targets.onBehalf))) continue;
          const init: RequestInit =
            call.body === undefined
              ? { method: call.method }
              : { method: call.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(call.body) };
          const res = await h.api(call.path, init, outsider);
          figures.attempts++;
          if (res.status >= 500) figures.fiveHundreds++;
          else if (res.status < 400) figures.wronglyAccepted++;
          if (res.status !== 403)
            failures.push(`${routeKey(route)} ${call.what} as ${JSON.stringify(outsider)}: ${res.status} ${res.text.slice(0, 200)}`);
        }
      }
      // Their own listing shows none of the owner's requests.
      const listing = await h.api('/requests', {}, outsider);
      figures.attempts++;
      const seen = (listing.body?.requests ?? []).map((r: { requestId: string }) => r.requestId);
      const theirs = [
        targets.pending,
        targets.rejected,
        targets.approvedRequestId,
        ...(outsider.email.toLowerCase() === OWNER ? [] : [targets.onBehalf]),
      ];
      if (listing.status !== 200 || theirs.some((id) => seen.includes(id))) {
        figures.wronglyAccepted++;
        failures.push(`GET /requests as ${JSON.stringify(outsider)}: ${listing.status} ${seen.join(',')}`);
      }
    }
    expect(failures).toEqual([]);
    const table = diffTables(before, await tableSnapshot(h));
    figures.lost += table.changed;
    expect(table).toMatchObject({ added: [], removed: [], modified: [] });
  }, 120_000);

  it("refuses the owner's own resubmission that turns their request into a CHANGE of another owner's service", async () => {
    // The outsider's own approved service, which the owner then tries to take through a resubmission.
    const theirs = await h.api(
      '/requests',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...singleAreaRequest(), serviceOwner: { name: 'Alex Morgan', email: OTHER_OWNER } }),
      },
      OTHER_OWNER,
    );
    expect(theirs.status).toBe(201);
    for (const link of await approverLinks(h, theirs.body.requestId)) {
      expect(
        (
          await h.api(`/approvals/${link.approvalId}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `token=${link.token}&decision=APPROVE`,
          })
        ).status,
      ).toBe(200);
    }
    const serviceId: string = await h.eventually(
      async () => (await h.status(theirs.body.requestId)).audit.find((e: { type: string }) => e.type === 'SERVICE_REGISTERED')?.details.serviceId,
      'their service',
    );
    const snapshot = await settledSnapshot(h);
    const res = await h.api(
      `/requests/${targets.rejected}/resubmissions`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change(serviceId, singleAreaRequest().serviceOwner)) },
      OWNER,
    );
    figures.attempts++;
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ serviceId });
    expect(diffTables(snapshot, await tableSnapshot(h)).changed).toBe(0);
  }, 60_000);

  it('lets the owner do what the outsiders could not (the refusals were about who, not what)', async () => {
    expect((await h.api(`/requests/${targets.pending}`, {}, OWNER)).status).toBe(200);
    expect((await h.api(`/services/${targets.serviceId}`, {}, OWNER)).status).toBe(200);
    const mitigations = await h.api(
      `/requests/${targets.rejected}/mitigations`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mitigations: ['A DPIA is completed'] }) },
      OWNER,
    );
    expect(mitigations.status).toBe(201);
    expect((await h.api(`/requests/${targets.onBehalf}/withdrawal`, { method: 'POST' }, OWNER)).status).toBe(200);
  }, 60_000);
});
