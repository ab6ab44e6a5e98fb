import { z } from 'zod';
import { OffshoringRequestSchema, PersonSchema } from '../request.ts';
import { APPROVER_ROLES } from '../policy/offshoring-policy.ts';

/**
 * What the table holds, as zod schemas (types inferred, never written twice). The key layout is
 * documented in docs/table-design.md.
 */

export const REQUEST_STATUSES = [
  'PENDING_APPROVAL',
  'APPROVED',
  'REJECTED',
  'ESCALATED',
  'CLOSED',
  'WITHDRAWN',
  'ERROR',
] as const;
export const RequestStatusSchema = z.enum(REQUEST_STATUSES);
export type RequestStatus = z.infer<typeof RequestStatusSchema>;

export const APPROVAL_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'LAPSED', 'CLOSED'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const ActorSchema = z.object({
  kind: z.enum(['SERVICE_OWNER', 'APPROVER', 'DEPARTMENTAL_HEAD', 'SYSTEM']),
  name: z.string().optional(),
  email: z.string().optional(),
  role: z.string().optional(),
});
export type Actor = z.infer<typeof ActorSchema>;
export const SYSTEM: Actor = { kind: 'SYSTEM', name: 'offshore-approvals' };

export const RequiredApproverRecordSchema = PersonSchema.extend({
  role: z.enum(APPROVER_ROLES),
  businessArea: z.string().optional(),
  escalationContact: PersonSchema,
});

export const RequestRecordSchema = z.object({
  requestId: z.string(),
  status: RequestStatusSchema,
  statusReason: z.string().optional(),
  /** Approval round: 1 for the first submission, +1 for each resubmission, mitigation or endorsement. */
  round: z.number().int().positive(),
  request: OffshoringRequestSchema,
  requiredApprovers: z.array(RequiredApproverRecordSchema),
  lateNotice: z.boolean(),
  noticeDays: z.number().int(),
  lateNoticeReason: z.string().optional(),
  submittedAt: z.string(),
  updatedAt: z.string(),
  submittedBy: ActorSchema,
  /** Optimistic lock: every update checks and bumps it. */
  version: z.number().int().nonnegative(),
});
export type RequestRecord = z.infer<typeof RequestRecordSchema>;

export const ApprovalRecordSchema = RequiredApproverRecordSchema.extend({
  approvalId: z.string(),
  requestId: z.string(),
  round: z.number().int().positive(),
  status: z.enum(APPROVAL_STATUSES),
  decidedAt: z.string().optional(),
  reason: z.string().optional(),
  createdAt: z.string(),
});
export type ApprovalRecord = z.infer<typeof ApprovalRecordSchema>;

export const AuditEventSchema = z.object({
  eventId: z.string(),
  at: z.string(),
  type: z.string(),
  actor: ActorSchema,
  round: z.number().int().optional(),
  details: z.record(z.string(), z.unknown()).default({}),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;
