import { describe, expect, it } from 'vitest';
import {
  approvalRequestEmail,
  chaseEmail,
  endorsementOutcomeEmail,
  escalationLapsedEmail,
  formatDate,
  monitoringDigestEmail,
  ownerChaseEmail,
  requestApprovedEmail,
  requestRejectedEmail,
  reviewDueEmail,
  roundClosedEmail,
  roundOutcomeEmail,
  roundStartedEmail,
  requestWithdrawnEmail,
  type EmailMessage,
} from '../../functions/email/templates.ts';
import { requestPageLinks } from '../../functions/domain/links.ts';
import { OffshoringRequestSchema } from '../../functions/domain/request.ts';
import type { ApprovalRecord, IncidentRecord, RequestRecord } from '../../functions/store/records.ts';
import { incidentReceiptEmail, incidentReportEmail } from '../../functions/email/incident-templates.ts';
import { POLICY_INCIDENT_ADDRESSES } from '../../functions/domain/offshoring-policy.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * What the emails say to people: words, never codes or ISO timestamps; every time in UK time, saying
 * so; and links to the service's pages, never to its JSON API.
 */
const BASE = 'https://approvals.example.gov.uk/offshore';
const links = requestPageLinks(BASE, 'OFF-1');
const request = OffshoringRequestSchema.parse({ ...singleAreaRequest(), contractManager: { name: 'Cam Manager', email: 'cam@justice.gov.uk' } });
const record = {
  requestId: 'OFF-1',
  status: 'REJECTED',
  round: 1,
  request,
  requiredApprovers: [],
  lateNotice: false,
  noticeDays: 60,
  submittedAt: '2026-11-23T10:00:00.000Z',
  updatedAt: '2026-11-23T10:00:00.000Z',
  submittedBy: { kind: 'SERVICE_OWNER' },
  version: 1,
} as unknown as RequestRecord;
// 18:47 UTC in December is 6:47pm in the UK; 17:47 UTC in June is 6:47pm British Summer Time.
const RESPOND_BY = '2026-12-21T18:47:00.000Z';
const approval = (role: ApprovalRecord['role'], name: string, extra: Partial<ApprovalRecord> = {}): ApprovalRecord => ({
  kind: 'APPROVAL',
  approvalId: `APR-${role}`,
  requestId: 'OFF-1',
  round: 1,
  role,
  name,
  email: `${role.toLowerCase()}@justice.gov.uk`,
  status: 'PENDING',
  respondBy: RESPOND_BY,
  createdAt: '2026-11-23T10:00:00.000Z',
  escalationContact: { name: `Deputy of ${name}`, email: `deputy.${role.toLowerCase()}@justice.gov.uk` },
  ...extra,
});
const ciso = approval('CISO', 'Sam Okoro', { status: 'REJECTED', decidedAt: '2026-06-10T17:47:00.000Z', reason: 'No encryption at rest' });
const legal = approval('LEGAL', 'Lee Legal', { status: 'APPROVED', decidedAt: '2026-11-24T09:00:00.000Z' });
const dpo = approval('DPO', 'Dee Pio');
const head = approval('BUSINESS_AREA_SIRO', 'Hal Head', { kind: 'ENDORSEMENT', businessArea: 'HMCTS', reason: 'Critical' });
const reasons = [
  { role: 'CISO', name: 'Sam Okoro', status: 'REJECTED', reason: 'No encryption at rest' },
  { role: 'LEGAL', name: 'Lee Legal', status: 'LAPSED', reason: 'approval not obtained in time' },
];

const received = roundStartedEmail({ ...record, status: 'PENDING_APPROVAL' }, [ciso, legal, dpo], RESPOND_BY, 'SUBMITTED', links);
const rejected = requestRejectedEmail(record, reasons, links);
const approved = requestApprovedEmail(
  { ...record, status: 'APPROVED' },
  [legal, { ...dpo, status: 'APPROVED', decidedAt: RESPOND_BY }],
  { serviceId: 'SVC-1234', reviewDue: '2027-11-23' },
  links,
);
const ownerChase = ownerChaseEmail(record, [dpo, legal], RESPOND_BY, links);

/** Every email the service sends, with a deadline or a time in it where it has one. */
const everyEmail: [string, EmailMessage][] = [
  ['approval request', approvalRequestEmail(record, dpo, `${BASE}/approvals/APR-DPO?token=t`, 'REQUEST')],
  ['reminder', approvalRequestEmail(record, dpo, `${BASE}/approvals/APR-DPO?token=t`, 'REMINDER')],
  [
    'endorsement request (with an endorsement carried)',
    approvalRequestEmail(
      { ...record, endorsement: { name: 'Hal Head', email: 'h@x', businessArea: 'HMCTS', at: RESPOND_BY, caseForApproval: 'Needed' } },
      head,
      `${BASE}/approvals/APR-H?token=t`,
      'REQUEST',
    ),
  ],
  ['owner confirmation', received],
  ['new round', roundStartedEmail({ ...record, round: 2 }, [dpo], RESPOND_BY, 'MITIGATIONS_PROVIDED', links)],
  ['approved', approved],
  ['rejected', rejected],
  ['round closed', roundClosedEmail(record, dpo, 'Rejected by another approver.')],
  ['outcome to an approver', roundOutcomeEmail(record, ciso, 'REJECTED')],
  ['endorsed', endorsementOutcomeEmail({ ...record, round: 2 }, true, head, links, RESPOND_BY)],
  ['escalation declined', endorsementOutcomeEmail(record, false, head, links)],
  ['chase to an escalation contact', chaseEmail(record, dpo)],
  ["owner's chase", ownerChase],
  ['escalation lapsed', escalationLapsedEmail(record, head, links)],
  [
    'review due',
    reviewDueEmail(
      { serviceId: 'SVC-1', serviceName: 'S', supplierName: 'P', serviceOwner: { name: 'O', email: 'o@x' }, reviewDue: '2027-01-01' },
      true,
      `${BASE}/register/SVC-1`,
    ),
  ],
  ['monitoring digest', monitoringDigestEmail({ name: 'Security', email: 's@x' }, '2026-11-23', [{ title: 'Reviews', status: 'OK', items: [] }])],
];

const TIME_OF_DAY = /\b(?:\d{1,2}(?::\d{2})?[ap]m|midday|midnight) on \d{1,2} [A-Z][a-z]+ \d{4}/g;
const partsOf = (email: EmailMessage) => [email.text, email.html];

describe('times and deadlines in emails', () => {
  it.each(everyEmail)('%s: every time of day is in UK time and says so; no ISO timestamp or date', (_, email) => {
    for (const part of partsOf(email)) {
      expect(part).not.toMatch(/\d{4}-\d{2}-\d{2}/);
      for (const found of part.matchAll(TIME_OF_DAY)) expect(part.slice(found.index + found[0].length)).toMatch(/^ \(UK time\)/);
    }
  });

  it('a deadline reads as UK time, summer time included', () => {
    expect(received.text).toContain('until 6:47pm on 21 December 2026 (UK time)');
    expect(roundOutcomeEmail(record, ciso, 'REJECTED').text).toContain('at 6:47pm on 10 June 2026 (UK time)');
    for (const [name, email] of everyEmail.filter(([, e]) => /decide by|until|lapse|respond to your escalation by/.test(e.text))) {
      expect(email.text, name).toMatch(TIME_OF_DAY);
      expect(email.text, name).toContain('(UK time)');
    }
  });

  it('formatDate, kept for the approver pages, says dates in words and times in UK time', () => {
    expect(formatDate('2027-01-01')).toBe('1 January 2027');
    expect(formatDate(RESPOND_BY)).toBe('6:47pm on 21 December 2026 (UK time)');
  });
});

describe("the service owner's emails", () => {
  it("confirm a submission: the reference, the service, who must approve in words, the deadline and the request's page", () => {
    expect(received.to).toEqual([request.serviceOwner]);
    expect(received.subject).toBe(`Request received: ${request.serviceName} (OFF-1)`);
    for (const fact of [
      'OFF-1',
      request.serviceName,
      'MoJ Chief Information Security Officer (CISO): Sam Okoro',
      'MoJ Legal: Lee Legal',
      'MoJ Data Protection Officer (DPO): Dee Pio',
    ]) {
      expect(received.text).toContain(fact);
      expect(received.html).toContain(fact.replace(/'/g, '&#39;'));
    }
    expect(received.text).toContain(`${BASE}/offshoring-requests/OFF-1`);
    expect(received.html).toContain(`href="${BASE}/offshoring-requests/OFF-1"`);
    expect(received.text).not.toMatch(/\bCISO\b(?!\))/);
  });

  it('say a new round started after mitigations or a resubmission', () => {
    const mitigations = roundStartedEmail({ ...record, round: 2 }, [dpo], RESPOND_BY, 'MITIGATIONS_PROVIDED', links);
    const resubmitted = roundStartedEmail({ ...record, round: 3 }, [dpo], RESPOND_BY, 'RESUBMITTED', links);
    expect(mitigations.subject).toBe(`New approval round started: ${request.serviceName} (OFF-1)`);
    expect(mitigations.text).toContain('You provided mitigations');
    expect(mitigations.text).toContain('a new round of approvals has started: round 2');
    expect(resubmitted.text).toContain('You resubmitted your adjusted offshoring request');
    expect(resubmitted.text).toContain('round 3');
  });

  it('on rejection: each reason with the role in words, and the three routes as links to their pages, never an API call', () => {
    expect(rejected.text).toContain('Sam Okoro, MoJ Chief Information Security Officer (CISO), rejected it: No encryption at rest');
    expect(rejected.text).toContain('Lee Legal, MoJ Legal, did not decide in time: approval not obtained in time');
    for (const route of ['resubmit', 'mitigations', 'escalate']) {
      expect(rejected.text).toContain(`${BASE}/offshoring-requests/OFF-1/${route}`);
      expect(rejected.html).toContain(`href="${BASE}/offshoring-requests/OFF-1/${route}"`);
    }
    expect(rejected.text).toContain('Adjust and resubmit your request: Adjust plans so that approval is granted');
    expect(rejected.text).toContain('Add or replace mitigations: Provide additional or alternative mitigations');
    expect(rejected.text).toContain('Escalate to your Departmental Head: Escalate to your Departmental Head with more detail');
    for (const part of partsOf(rejected)) {
      expect(part).not.toContain('POST');
      expect(part).not.toContain('/requests/');
      expect(part).not.toMatch(/resubmissions|escalations|caseForApproval|\{"/);
    }
    expect(rejected.cc).toEqual([{ name: 'Cam Manager', email: 'cam@justice.gov.uk' }]);
  });

  it("on approval: the register id and the next review date in words, and the request's page", () => {
    expect(approved.text).toContain('in the offshore service register as SVC-1234');
    expect(approved.text).toContain('next review is due by 23 November 2027');
    expect(approved.text).toContain(`${BASE}/offshoring-requests/OFF-1`);
    expect(approved.cc).toEqual([{ name: 'Cam Manager', email: 'cam@justice.gov.uk' }]);
  });

  it("the owner's chase names every silent approver, with the deadline, to the owner alone", () => {
    expect(ownerChase.to).toEqual([request.serviceOwner]);
    expect(ownerChase.cc).toBeUndefined();
    expect(ownerChase.subject).toBe(`Chase: 2 approvers have not decided on ${request.serviceName} (OFF-1)`);
    expect(ownerChase.text).toContain('MoJ Data Protection Officer (DPO): Dee Pio (dpo@justice.gov.uk)');
    expect(ownerChase.text).toContain('MoJ Legal: Lee Legal (legal@justice.gov.uk)');
    expect(ownerChase.text).toContain('lapse at 6:47pm on 21 December 2026 (UK time)');
    // The escalation contact's chase is about their approver alone, and no longer copies the owner.
    const contact = chaseEmail(record, dpo);
    expect(contact.to).toEqual([{ name: 'Deputy of Dee Pio', email: 'deputy.dpo@justice.gov.uk' }]);
    expect(contact.cc).toBeUndefined();
  });

  it.each(everyEmail.filter(([, e]) => e.to.some((p) => p.email === request.serviceOwner.email) && !e.subject.startsWith('Due')))(
    "%s: links to the request's page",
    (_, email) => {
      expect(email.text).toContain(`${BASE}/offshoring-requests/OFF-1`);
      expect(email.html).toContain(`href="${BASE}/offshoring-requests/OFF-1"`);
    },
  );
});

describe('every email', () => {
  it.each(everyEmail)('%s: links open in a new tab, without opener or referrer, and none is an API address', (_, email) => {
    for (const anchor of email.html.match(/<a\b[^>]*>/g) ?? []) {
      expect(anchor).toContain('target="_blank"');
      expect(anchor).toContain('rel="noopener noreferrer"');
    }
    for (const part of partsOf(email)) expect(part).not.toMatch(/\/(requests|services)\/[A-Z]/);
  });
});

describe('approvers who decided', () => {
  it.each(['APPROVED', 'REJECTED', 'WITHDRAWN', 'CLOSED'] as const)('hear the round was %s, and what they decided', (outcome) => {
    const email = roundOutcomeEmail(record, legal, outcome);
    expect(email.to).toEqual([{ name: 'Lee Legal', email: 'legal@justice.gov.uk' }]);
    expect(email.subject).toBe(`Outcome: ${request.serviceName} (OFF-1) was ${outcome.toLowerCase()}`);
    expect(email.text).toContain('You approved it as MoJ Legal');
    expect(email.text).toContain('There is nothing more for you to do.');
  });
});

describe("what approvers read of the service's criticality and its Information Asset Owner", () => {
  const asked = (r: RequestRecord) => approvalRequestEmail(r, dpo, `${BASE}/approvals/APR-DPO?token=t`, 'REQUEST');

  it('says how critical the service is to the MoJ, in words, in the text and the HTML', () => {
    const email = asked(record);
    expect(email.text).toContain('Business criticality: High: MoJ services depend on it');
    expect(email.html).toContain('<th align="left" valign="top">Business criticality</th><td>High: MoJ services depend on it</td>');
    const medium = asked({ ...record, request: { ...request, businessCriticality: 'MEDIUM' } } as RequestRecord);
    expect(medium.text).toContain('Business criticality: Medium: its loss would disrupt MoJ services');
    expect(email.text).not.toMatch(/\bHIGH\b/);
  });

  it('names the Information Asset Owner, or says the service owner is one', () => {
    expect(asked(record).text).toContain('Information Asset Owner: the service owner');
    const grace = { name: 'Grace Okafor', email: 'grace.okafor@justice.gov.uk' };
    const owned = asked({ ...record, request: { ...request, informationAssetOwner: grace } } as RequestRecord);
    expect(owned.text).toContain('Information Asset Owner: Grace Okafor <grace.okafor@justice.gov.uk>');
    expect(owned.html).toContain('Grace Okafor &lt;grace.okafor@justice.gov.uk&gt;');
  });
});

describe('who each email is addressed to, exactly', () => {
  // A request naming its contract manager, another interested party, and its owner again (told once, as the owner).
  const cam = { name: 'Cam Manager', email: 'cam@justice.gov.uk' };
  const ivy = { name: 'Ivy Interested', email: 'ivy@justice.gov.uk' };
  const owner = request.serviceOwner;
  const told = {
    ...record,
    request: { ...request, interestedParties: [ivy, { name: 'Owner again', email: owner.email.toUpperCase() }, { ...cam, name: 'Cam again' }] },
  } as RequestRecord;
  const dpoPerson = { name: 'Dee Pio', email: 'dpo@justice.gov.uk' };
  const headPerson = { name: 'Hal Head', email: 'business_area_siro@justice.gov.uk' };
  const security = { name: 'Security', email: 's@x' };
  const incident = {
    incidentId: 'INC-1',
    kind: 'BOTH',
    description: 'Transcripts sent to the wrong address',
    discoveredAt: '2026-11-23',
    reporter: { name: 'Rita Reporter', email: 'rita@justice.gov.uk' },
    reportedBy: { kind: 'SERVICE_OWNER' },
    reportedAt: '2026-11-23T10:00:00.000Z',
    status: 'OPEN',
    updates: [],
    notifications: [],
    version: 1,
  } as unknown as IncidentRecord;
  const addressed: [string, EmailMessage, { to: object[]; cc: object[] }][] = [
    ['approval request: the approver alone', approvalRequestEmail(told, dpo, 'l', 'REQUEST'), { to: [dpoPerson], cc: [] }],
    ['reminder: the approver alone', approvalRequestEmail(told, dpo, 'l', 'REMINDER'), { to: [dpoPerson], cc: [] }],
    ['endorsement request: the Departmental Head alone', approvalRequestEmail(told, head, 'l', 'REQUEST'), { to: [headPerson], cc: [] }],
    [
      'chase: the escalation contact alone, never the approver or the owner',
      chaseEmail(told, dpo),
      { to: [{ name: 'Deputy of Dee Pio', email: 'deputy.dpo@justice.gov.uk' }], cc: [] },
    ],
    [
      'submission: the owner, the contract manager and the other interested parties copied, each once',
      roundStartedEmail(told, [dpo], RESPOND_BY, 'SUBMITTED', links),
      { to: [owner], cc: [cam, ivy] },
    ],
    [
      'a later round: the owner alone',
      roundStartedEmail({ ...told, round: 2 }, [dpo], RESPOND_BY, 'MITIGATIONS_PROVIDED', links),
      { to: [owner], cc: [] },
    ],
    ['a resubmission: the owner alone', roundStartedEmail({ ...told, round: 2 }, [dpo], RESPOND_BY, 'RESUBMITTED', links), { to: [owner], cc: [] }],
    [
      'approved: the owner, interested parties copied',
      requestApprovedEmail(told, [legal], { serviceId: 'SVC-1', reviewDue: '2027-11-23' }, links),
      { to: [owner], cc: [cam, ivy] },
    ],
    ['rejected: the owner, interested parties copied', requestRejectedEmail(told, reasons, links), { to: [owner], cc: [cam, ivy] }],
    ['endorsed: the owner, interested parties copied', endorsementOutcomeEmail(told, true, head, links, RESPOND_BY), { to: [owner], cc: [cam, ivy] }],
    ['escalation declined: the owner, interested parties copied', endorsementOutcomeEmail(told, false, head, links), { to: [owner], cc: [cam, ivy] }],
    ['escalation lapsed: the owner alone', escalationLapsedEmail(told, head, links), { to: [owner], cc: [] }],
    ['withdrawn: the owner, interested parties copied', requestWithdrawnEmail(told, 'Supplier changed', links), { to: [owner], cc: [cam, ivy] }],
    ["owner's chase: the owner alone", ownerChaseEmail(told, [dpo], RESPOND_BY, links), { to: [owner], cc: [] }],
    ['round closed: the waiting approver alone', roundClosedEmail(told, dpo, 'Rejected.'), { to: [dpoPerson], cc: [] }],
    [
      'outcome: the approver who decided alone',
      roundOutcomeEmail(told, legal, 'APPROVED'),
      { to: [{ name: 'Lee Legal', email: 'legal@justice.gov.uk' }], cc: [] },
    ],
    [
      'review due: the registered owner alone',
      reviewDueEmail({ serviceId: 'SVC-1', serviceName: 'S', supplierName: 'P', serviceOwner: owner, reviewDue: '2027-01-01' }, false, 'l'),
      { to: [owner], cc: [] },
    ],
    ['monitoring digest: the security team alone', monitoringDigestEmail(security, '2026-11-23', []), { to: [security], cc: [] }],
    [
      'incident report: the one it is for alone',
      incidentReportEmail(incident, POLICY_INCIDENT_ADDRESSES.DPO, 'DPO', 'l'),
      { to: [POLICY_INCIDENT_ADDRESSES.DPO], cc: [] },
    ],
    ['incident receipt: the reporter alone', incidentReceiptEmail(incident, ['DPO'], 'l'), { to: [incident.reporter], cc: [] }],
  ];

  it.each(addressed)('%s', (_, email, expected) => {
    expect({ to: email.to, cc: email.cc ?? [] }).toEqual(expected);
  });

  it('a named Information Asset Owner is copied as an interested party is (submission, outcome, withdrawal), never asked', () => {
    const grace = { name: 'Grace Okafor', email: 'grace.okafor@justice.gov.uk' };
    const owned = { ...record, request: { ...request, informationAssetOwner: grace } } as RequestRecord;
    expect(roundStartedEmail(owned, [dpo], RESPOND_BY, 'SUBMITTED', links).cc).toEqual([cam, grace]);
    expect(requestApprovedEmail(owned, [legal], { serviceId: 'SVC-1', reviewDue: '2027-11-23' }, links).cc).toEqual([cam, grace]);
    expect(requestRejectedEmail(owned, reasons, links).cc).toEqual([cam, grace]);
    expect(endorsementOutcomeEmail(owned, false, head, links).cc).toEqual([cam, grace]);
    expect(requestWithdrawnEmail(owned, 'Supplier changed', links).cc).toEqual([cam, grace]);
    expect(approvalRequestEmail(owned, dpo, 'l', 'REQUEST')).toMatchObject({ to: [dpoPerson] });
    expect(approvalRequestEmail(owned, dpo, 'l', 'REQUEST').cc).toBeUndefined();
    // The owner named as Information Asset Owner is the owner, told once.
    const self = { ...record, request: { ...request, informationAssetOwner: { ...owner, name: 'Me' } } } as RequestRecord;
    expect(requestRejectedEmail(self, reasons, links).cc).toEqual([cam]);
  });

  it('a request stored without a contract manager or other parties: its outcome copies no one', () => {
    const { contractManager: _, ...alone } = request;
    const bare = { ...record, request: alone } as RequestRecord;
    expect(requestRejectedEmail(bare, reasons, links).cc ?? []).toEqual([]);
    expect(roundStartedEmail(bare, [dpo], RESPOND_BY, 'SUBMITTED', links).cc ?? []).toEqual([]);
    expect(requestWithdrawnEmail(bare, undefined, links).cc ?? []).toEqual([]);
  });
});
