import * as z from 'zod';
import {
  BUSINESS_CRITICALITIES,
  CHANGE_TYPES,
  DATA_CATEGORIES,
  DATA_CLASSIFICATIONS,
  ExistingContractSchema,
  OffshoreLocationSchema,
  PersonSchema,
  StoredOffshoringRequestSchema,
} from '../domain/request.ts';
import { APPROVER_ROLES, INCIDENT_KINDS, INCIDENT_RECIPIENTS, REVIEW_OUTCOMES } from '../domain/offshoring-policy.ts';
import { REQUEST_STATUSES } from '../domain/lifecycle.ts';

/**
 * What the table holds, as zod schemas (types inferred, never written twice). The key layout is
 * documented in docs/table-design.md.
 */

/** A request's statuses are its lifecycle's (functions/domain/lifecycle.ts). */
export const RequestStatusSchema = z.enum(REQUEST_STATUSES);

export const APPROVAL_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'LAPSED', 'CLOSED'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const ActorSchema = z.object({
  kind: z.enum(['SERVICE_OWNER', 'SECURITY_TEAM', 'APPROVER', 'DEPARTMENTAL_HEAD', 'SYSTEM']),
  /** The identity provider's subject, for callers signed in through it. */
  sub: z.string().optional(),
  name: z.string().optional(),
  email: z.string().optional(),
  role: z.string().optional(),
});
export type Actor = z.infer<typeof ActorSchema>;
export const SYSTEM: Actor = { kind: 'SYSTEM', name: 'offshore-approvals' };

// Stored records are plain objects (not strict): items carry key attributes (pk, sk, gsi*) the schemas drop.
const StoredPerson = z.object(PersonSchema.shape);

export const RequiredApproverRecordSchema = StoredPerson.extend({
  role: z.enum(APPROVER_ROLES),
  businessArea: z.string().optional(),
  escalationContact: StoredPerson,
});

/**
 * A CHANGE's registered service as it stood when the change was requested: what the approvers
 * compare the request with (Offshoring Policy: changes to already offshored services need approval).
 */
export const ServiceBeforeChangeSchema = z.object({
  serviceId: z.string(),
  version: z.number().int().positive(),
  serviceName: z.string(),
  supplierName: z.string(),
  businessAreas: z.array(z.string()),
  offshoreLocations: z.array(z.object(OffshoreLocationSchema.shape)),
  dataClassification: z.enum(DATA_CLASSIFICATIONS),
  dataCategories: z.array(z.enum(DATA_CATEGORIES)),
});
export type ServiceBeforeChange = z.infer<typeof ServiceBeforeChangeSchema>;

export const RequestRecordSchema = z.object({
  requestId: z.string(),
  status: RequestStatusSchema,
  statusReason: z.string().optional(),
  /** Approval round: 1 for the first submission, +1 for each resubmission, mitigation or endorsement. */
  round: z.number().int().positive(),
  request: StoredOffshoringRequestSchema,
  requiredApprovers: z.array(RequiredApproverRecordSchema),
  lateNotice: z.boolean(),
  noticeDays: z.number().int(),
  lateNoticeReason: z.string().optional(),
  submittedAt: z.string(),
  updatedAt: z.string(),
  submittedBy: ActorSchema,
  /**
   * The identity provider's subject of the service owner (functions/web/identity.ts): recorded at
   * submission when the owner submits, or at the named owner's first sign-in when the security team
   * submitted for them. Ownership is checked against it; the email stays for display and matching.
   */
  serviceOwnerSubject: z.string().optional(),
  /** For a CHANGE naming its register entry: the entry as it stood when the change was requested. */
  serviceBeforeChange: ServiceBeforeChangeSchema.optional(),
  /** Offshoring Policy, Process 3(b): the Departmental Head's endorsement carried into the next round. */
  endorsement: z.object({ name: z.string(), email: z.string(), businessArea: z.string(), at: z.string(), caseForApproval: z.string() }).optional(),
  /** Offshoring Policy, Process 3(b): the service owner's case, while a Departmental Head considers it. */
  escalation: z
    .object({
      businessArea: z.string(),
      caseForApproval: z.string(),
      /** What residual or inherent risk the owner rectified before escalating (absent on escalations recorded without it). */
      risksRectified: z.string().optional(),
      at: z.string(),
    })
    .optional(),
  /** Why the last round was rejected: every reason given. */
  rejectionReasons: z.array(z.object({ role: z.string(), name: z.string(), status: z.string(), reason: z.string() })).optional(),
  /**
   * The approver directory version the current round's approvers were chosen from (absent on
   * requests stored before rounds recorded it): who held each role when they were asked.
   */
  directoryVersion: z.number().int().positive().optional(),
  /** Optimistic lock: every update checks and bumps it. */
  version: z.number().int().nonnegative(),
});
export type RequestRecord = z.infer<typeof RequestRecordSchema>;

/** How an approval round started: the submission (Process 1), or a route after a rejection (Process 3). */
export const ROUND_STARTS = ['SUBMITTED', 'RESUBMITTED', 'MITIGATIONS_PROVIDED', 'ENDORSED'] as const;

/**
 * One approval round's evidence (Offshoring Policy, Process 2: approvals "obtained and documented"):
 * the request as that round's approvers were asked to approve it. Written in the transaction that
 * starts the round and never updated, so a later round cannot overwrite what an earlier one decided on.
 */
export const RoundRecordSchema = z.object({
  requestId: z.string(),
  round: z.number().int().positive(),
  start: z.enum(ROUND_STARTS),
  startedAt: z.string(),
  startedBy: ActorSchema,
  request: StoredOffshoringRequestSchema,
  serviceBeforeChange: ServiceBeforeChangeSchema.optional(),
  lateNotice: z.boolean(),
  noticeDays: z.number().int(),
  lateNoticeReason: z.string().optional(),
  endorsement: RequestRecordSchema.shape.endorsement,
  /** The approver directory version this round's approvers were chosen from (absent on rounds stored before it was recorded). */
  directoryVersion: z.number().int().positive().optional(),
});
export type RoundRecord = z.infer<typeof RoundRecordSchema>;

/** Offshoring Policy, Process 3(b): a Departmental Head endorses (or declines) an escalated case. */
export const ENDORSER_ROLE = 'DEPARTMENTAL_HEAD';

/**
 * Approvals written by earlier versions of the service hold the chase's times as escalateAt
 * and escalatedAt ("escalate" is the Departmental Head's alone, Process 3(b)). They are read under
 * the new names when those are absent.
 */
function withChaseNames(item: unknown): unknown {
  if (typeof item !== 'object' || item === null) return item;
  const { escalateAt, escalatedAt, ...rest } = item as Record<string, unknown>;
  return {
    ...rest,
    ...(rest['chaseAt'] === undefined && escalateAt !== undefined ? { chaseAt: escalateAt } : {}),
    ...(rest['chasedAt'] === undefined && escalatedAt !== undefined ? { chasedAt: escalatedAt } : {}),
  };
}

const StoredApprovalSchema = StoredPerson.extend({
  /** APPROVAL: a required approver's decision. ENDORSEMENT: a Departmental Head's, after escalation. */
  kind: z.enum(['APPROVAL', 'ENDORSEMENT']).default('APPROVAL'),
  role: z.union([z.enum(APPROVER_ROLES), z.literal(ENDORSER_ROLE)]),
  businessArea: z.string().optional(),
  escalationContact: StoredPerson.optional(),
  approvalId: z.string(),
  requestId: z.string(),
  round: z.number().int().positive(),
  status: z.enum(APPROVAL_STATUSES),
  /** When the window closes: links stop working and the approval lapses. */
  respondBy: z.string(),
  decidedAt: z.string().optional(),
  reason: z.string().optional(),
  createdAt: z.string(),
  /** The current Step Functions task token. Never leaves the table: not in emails, links, logs or the API. */
  taskToken: z.string().optional(),
  /** When the reminder and the chase fall due (the branch's timeline), for continual monitoring. */
  reminderAt: z.string().optional(),
  chaseAt: z.string().optional(),
  /** When the branch reminded, and chased, the approver. */
  remindedAt: z.string().optional(),
  chasedAt: z.string().optional(),
});
export const ApprovalRecordSchema = z.preprocess(withChaseNames, StoredApprovalSchema);
export type ApprovalRecord = z.infer<typeof ApprovalRecordSchema>;

/** Who an audit event about an approval concerns: the approval and its approver. */
export const approverOf = ({ approvalId, role, name, email }: Pick<ApprovalRecord, 'approvalId' | 'role' | 'name' | 'email'>) => ({
  approvalId,
  role,
  name,
  email,
});

/** One emailed link to one approval. Stored under the hash of its token; the token itself is never stored. */
export const LinkRecordSchema = z.object({
  approvalId: z.string(),
  requestId: z.string(),
  round: z.number().int().positive(),
  /** The link works until then (the approval window), and only once. */
  validUntil: z.string(),
  issuedAt: z.string(),
  /** Set by the conditional write that records the decision: a used link never works again. */
  usedAt: z.string().optional(),
});
export type LinkRecord = z.infer<typeof LinkRecordSchema>;

/**
 * Where a registered service stands against the policy. An approved service is COMPLIANT. An
 * existing contract is live before it is approved, so it is listed at submission UNDER_ASSESSMENT,
 * and stays listed, NON_COMPLIANT with its action plan date, if it is rejected or withdrawn
 * (Offshoring Policy, Process: existing contracts; Process 4: continual monitoring).
 */
export const COMPLIANCE_STATUSES = ['COMPLIANT', 'UNDER_ASSESSMENT', 'NON_COMPLIANT'] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];

/**
 * The offshore service register: every approved request becomes (or, for a CHANGE naming its
 * serviceId, updates) an entry, which continual monitoring reviews (Offshoring Policy, Process 4).
 * Each approval or review writes a version; the entry holds the current one.
 */
/** An improvement a review asked for (Process 4), and the date it is due by. */
export const ReviewActionSchema = z.object({ what: z.string(), dueBy: z.string() });
export type ReviewAction = z.infer<typeof ReviewActionSchema>;

/** A review as recorded on the register version it wrote; versions written before reviews had outcomes hold only their reason. */
export const RecordedReviewSchema = z.object({
  outcome: z.enum(REVIEW_OUTCOMES),
  notes: z.string(),
  actions: z.array(ReviewActionSchema).optional(),
  reviewedBy: z.string(),
  reviewedAt: z.string(),
});
export type RecordedReview = z.infer<typeof RecordedReviewSchema>;

export const RegisterEntrySchema = z.object({
  serviceId: z.string(),
  version: z.number().int().positive(),
  requestId: z.string(),
  round: z.number().int(),
  serviceName: z.string(),
  supplierName: z.string(),
  // The request's own enums: the register holds what an approved request said, in the same words.
  changeType: z.enum(CHANGE_TYPES),
  businessAreas: z.array(z.string()),
  offshoreLocations: z.array(z.object(OffshoreLocationSchema.shape)),
  dataClassification: z.enum(DATA_CLASSIFICATIONS),
  dataCategories: z.array(z.enum(DATA_CATEGORIES)),
  serviceOwner: StoredPerson,
  /** How critical the service is to the MoJ, as its request said (optional: the table holds entries whose requests did not say it). */
  businessCriticality: z.enum(BUSINESS_CRITICALITIES).optional(),
  /** The owner's identity-provider subject, from the approved request (functions/web/identity.ts). */
  serviceOwnerSubject: z.string().optional(),
  approvals: z.array(z.object({ role: z.string(), name: z.string(), email: z.string(), decidedAt: z.string().optional() })),
  /** When the service was approved; absent for an existing contract listed before (or without) its approval. */
  approvedAt: z.string().optional(),
  /** Where it stands against the policy; absent means approved (COMPLIANT). */
  compliance: z.enum(COMPLIANCE_STATUSES).optional(),
  /** When it was listed under its compliance status (an existing contract's listing, or its listing as non-compliant). */
  complianceSince: z.string().optional(),
  /** An existing contract as its request described it: criticality, end or break date, variations, cost, action plan date. */
  existingContract: z.object(ExistingContractSchema.shape).optional(),
  reviewDue: z.string(),
  lastReviewedAt: z.string().optional(),
  /** The review date the owner was last told about, so they are told once per review. */
  dueSoonNotifiedFor: z.string().optional(),
  /** Breaches and incidents reported against the service (its flag), by reference. */
  incidents: z.array(z.object({ incidentId: z.string(), kind: z.enum(INCIDENT_KINDS), reportedAt: z.string() })).optional(),
  /**
   * Offshoring Policy, Approval: after a potential breach, any change to the service's personal-data
   * processing needs a new approval round. Set from the breach until a CHANGE of the service, begun
   * after it, is approved.
   */
  approvalAfterBreach: z.object({ incidentIds: z.array(z.string()), since: z.string() }).optional(),
  /** Process 4: the actions the latest review asked for, still open until a satisfactory review closes them. */
  reviewActions: z.array(ReviewActionSchema).optional(),
});
export type RegisterEntry = z.infer<typeof RegisterEntrySchema>;

/** One version of a register entry, with why it was written (the approval, or a review and its notes) and, for a review, what it found. */
export const RegisterVersionSchema = RegisterEntrySchema.extend({ reason: z.string().default(''), review: RecordedReviewSchema.optional() });
export type RegisterVersion = z.infer<typeof RegisterVersionSchema>;

/** A continual-monitoring finding: what needs someone's attention, with a link to it. */
export const FindingSchema = z.object({
  kind: z.string(),
  id: z.string(),
  summary: z.string(),
  link: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const CheckResultSchema = z.object({
  check: z.string(),
  title: z.string(),
  status: z.enum(['OK', 'FAILED', 'SKIPPED']),
  count: z.number().int().nonnegative(),
  items: z.array(FindingSchema),
  error: z.string().optional(),
});
export type CheckResult = z.infer<typeof CheckResultSchema>;

/** One continual-monitoring run (Offshoring Policy, Process 4): one per date. */
export const MonitoringRunSchema = z.object({
  date: z.string(),
  status: z.enum(['RUNNING', 'COMPLETED']),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  checks: z.array(CheckResultSchema).optional(),
  counts: z.record(z.string(), z.number()).optional(),
  /** Items read from the table: grows with what is due, not with the register. */
  itemsRead: z.number().int().nonnegative().optional(),
  digest: z.object({ to: z.string(), subject: z.string(), sentAt: z.string() }).optional(),
});
export type MonitoringRun = z.infer<typeof MonitoringRunSchema>;

export const INCIDENT_STATUSES = ['OPEN', 'CONTAINED', 'CLOSED'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** One email an incident calls for: to the DPO, the Operational Security Team, or the reporter's receipt. */
export const IncidentNotificationSchema = StoredPerson.extend({
  recipient: z.enum([...INCIDENT_RECIPIENTS, 'REPORTER']),
  status: z.enum(['PENDING', 'SENT']),
  attempts: z.number().int().nonnegative(),
  lastAttemptAt: z.string().optional(),
  lastError: z.string().optional(),
  sentAt: z.string().optional(),
  messageId: z.string().optional(),
});
export type IncidentNotification = z.infer<typeof IncidentNotificationSchema>;

/**
 * A suspected personal-data breach or information security incident (Offshoring Policy, Policy;
 * Corporate Security Policy: managing and reporting security incidents), with who was told and when,
 * and the security team's status updates.
 */
export const IncidentRecordSchema = z.object({
  incidentId: z.string(),
  kind: z.enum(INCIDENT_KINDS),
  serviceId: z.string().optional(),
  serviceName: z.string().optional(),
  description: z.string(),
  discoveredAt: z.string(),
  reporter: StoredPerson,
  reportedBy: ActorSchema,
  reportedAt: z.string(),
  status: z.enum(INCIDENT_STATUSES),
  updates: z.array(z.object({ at: z.string(), actor: ActorSchema, status: z.enum(INCIDENT_STATUSES), note: z.string() })),
  notifications: z.array(IncidentNotificationSchema),
  /** For a breach against a registered service: whether the new approval round it calls for has been approved. */
  approvalAfterBreach: z.object({ serviceId: z.string(), status: z.enum(['NEEDED', 'APPROVED']), at: z.string().optional() }).optional(),
  /** Optimistic lock: every update checks and bumps it. */
  version: z.number().int().nonnegative(),
});
export type IncidentRecord = z.infer<typeof IncidentRecordSchema>;
