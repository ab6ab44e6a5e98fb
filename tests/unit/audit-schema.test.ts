import { describe, expect, it } from 'vitest';
import { AuditEventSchema, type AuditFact } from '../../functions/store/audit.ts';

const approver = { approvalId: 'APR-1', role: 'CISO', name: 'Sam Okoro', email: 'sam.okoro@justice.gov.uk' };
const plan = {
  requiredApprovers: [{ role: 'CISO', name: 'Sam Okoro', email: 'sam.okoro@justice.gov.uk' }],
  lateNotice: false,
  respondBy: '2026-12-21T10:00:00.000Z',
};
const decided = { ...approver, decision: 'APPROVED', reason: null, decidedAt: '2026-11-24T10:00:00.000Z', requestVersion: 1 } as const;

/** Every event type with the details the service writes for it. */
const written: AuditFact[] = [
  { type: 'REQUEST_SUBMITTED', details: { ...plan, lateNoticeReason: 'contract renewal brought forward' } },
  { type: 'REQUEST_RESUBMITTED', details: { ...plan, previousRound: 1 } },
  { type: 'MITIGATIONS_PROVIDED', details: { ...plan, previousRound: 1, mitigations: ['Data stays encrypted at rest'], replaceExisting: false } },
  { type: 'ROUND_STARTED_AFTER_ENDORSEMENT', details: { ...plan, businessArea: 'HMCTS' } },
  { type: 'WORKFLOW_START_FAILED', details: { cause: 'The approval workflow could not be started: ServiceUnavailable', execution: 'OFF-1-round-1' } },
  { type: 'APPROVAL_REQUESTED', details: { ...approver, respondBy: plan.respondBy } },
  { type: 'APPROVER_REMINDED', details: { ...approver, respondBy: plan.respondBy } },
  { type: 'APPROVER_CHASED', details: { ...approver, respondBy: plan.respondBy, escalatedTo: 'deputy@justice.gov.uk' } },
  // The same chase, under the name older items were written with: still read.
  { type: 'APPROVAL_ESCALATED', details: { ...approver, respondBy: plan.respondBy, escalatedTo: 'deputy@justice.gov.uk' } },
  { type: 'APPROVAL_LAPSED', details: { ...approver, respondBy: plan.respondBy } },
  { type: 'OWNER_CHASED', details: { chasedBy: 'APR-1', silentApprovers: [approver], respondBy: plan.respondBy } },
  { type: 'APPROVAL_DECIDED', details: decided },
  {
    type: 'REQUEST_APPROVED',
    details: { approvals: [{ role: 'CISO', name: 'Sam Okoro', email: 'sam.okoro@justice.gov.uk', decidedAt: decided.decidedAt }] },
  },
  {
    type: 'REQUEST_REJECTED',
    details: { reasons: [{ role: 'CISO', name: 'Sam Okoro', status: 'LAPSED', reason: 'approval not obtained in time' }] },
  },
  { type: 'WORKFLOW_FAILED', details: { error: 'States.Timeout', cause: 'task timed out' } },
  { type: 'RECONCILED_TO_ERROR', details: { executionStatus: 'ABORTED', execution: 'arn:aws:states:eu-west-2:1:execution:approval:OFF-1' } },
  { type: 'SERVICE_REGISTERED', details: { serviceId: 'SVC-1', version: 1, reviewDue: '2027-11-24', updated: false } },
  {
    type: 'ESCALATED_TO_DEPARTMENTAL_HEAD',
    details: {
      businessArea: 'HMCTS',
      departmentalHead: { name: 'Alex Reid', email: 'alex.reid@justice.gov.uk' },
      caseForApproval: 'No onshore supplier',
      residualRisksRectified: true,
    },
  },
  { type: 'EXISTING_CONTRACT_LISTED', details: { serviceId: 'SVC-1', version: 2, compliance: 'NON_COMPLIANT', actionPlanDate: '2027-09-30' } },
  { type: 'ESCALATION_DECIDED', details: { ...decided, role: 'DEPARTMENTAL_HEAD', decision: 'REJECTED', reason: 'Risk too high' } },
  { type: 'ESCALATION_LAPSED', details: { ...approver, role: 'DEPARTMENTAL_HEAD', respondBy: plan.respondBy } },
  { type: 'REQUEST_CLOSED', details: { reason: null } },
  { type: 'REQUEST_WITHDRAWN', details: { reason: 'Supplier changed', previousStatus: 'PENDING_APPROVAL' } },
  { type: 'EMAIL_SENT', details: { key: 'REQUEST:APR-1', to: ['sam.okoro@justice.gov.uk'], cc: [], subject: 'Approval needed', messageId: 'MSG-1' } },
];

const stored = (fact: AuditFact | { type: string; details: unknown }) => ({
  pk: 'REQUEST#OFF-1',
  sk: 'AUDIT#2026-11-23T10:00:00.000Z#EVT-1',
  entity: 'AUDIT',
  requestId: 'OFF-1',
  eventId: 'EVT-1',
  at: '2026-11-23T10:00:00.000Z',
  actor: { kind: 'SYSTEM', name: 'offshore-approvals' },
  round: 1,
  ...fact,
});

describe('Audit trail: one schema per event type', () => {
  it('has a shape for every type the service writes, and nothing else', () => {
    expect(new Set(written.map((e) => e.type))).toEqual(new Set(AuditEventSchema.options.map((o) => o.shape.type.value)));
  });

  it.each(written.map((fact) => [fact.type, fact] as const))('reads a stored %s with the details it was written with', (_type, fact) => {
    const read = AuditEventSchema.parse(stored(fact));
    expect(read).toMatchObject({ type: fact.type, details: fact.details });
  });

  it.each(written.map((fact) => [fact.type, fact] as const))('refuses a %s whose details are not its shape', (type, fact) => {
    const wrongValues = Object.fromEntries(Object.keys(fact.details).map((key) => [key, { not: 'this' }]));
    expect(AuditEventSchema.safeParse(stored({ type, details: wrongValues })).success).toBe(false);
    expect(AuditEventSchema.safeParse(stored({ type, details: 'not an object' })).success).toBe(false);
  });

  it.each(written.filter((fact) => fact.type !== 'WORKFLOW_FAILED').map((fact) => [fact.type, fact] as const))(
    "refuses a %s carrying another event's details",
    (type) => {
      const other = written.find((e) => e.type === (type === 'EMAIL_SENT' ? 'REQUEST_SUBMITTED' : 'EMAIL_SENT'))!;
      expect(AuditEventSchema.safeParse(stored({ type, details: other.details })).success).toBe(false);
    },
  );

  it('refuses a type it does not know, and an event without details', () => {
    expect(AuditEventSchema.safeParse(stored({ type: 'SOMETHING_HAPPENED', details: {} })).success).toBe(false);
    const { details: _details, ...withoutDetails } = stored(written[0]!);
    expect(AuditEventSchema.safeParse(withoutDetails).success).toBe(false);
  });

  it('refuses a decision recorded without who decided or what', () => {
    const { decision: _decision, ...noDecision } = decided;
    expect(AuditEventSchema.safeParse(stored({ type: 'APPROVAL_DECIDED', details: noDecision })).success).toBe(false);
    expect(AuditEventSchema.safeParse(stored({ type: 'APPROVAL_DECIDED', details: { ...decided, decision: 'MAYBE' } })).success).toBe(false);
    const { email: _email, ...noEmail } = decided;
    expect(AuditEventSchema.safeParse(stored({ type: 'APPROVAL_DECIDED', details: noEmail })).success).toBe(false);
  });
});
