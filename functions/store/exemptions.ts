import * as z from 'zod';
import { ExemptionRequestSchema } from '../domain/exemption-request.ts';
import { PersonSchema } from '../domain/request.ts';
import { ActorSchema, RequestStatusSchema, RequiredApproverRecordSchema, type RequestRecord } from './records.ts';
import type { AuditEvent } from './audit.ts';
import type { ApprovalRecord } from './records.ts';
import type { RequestView } from './requests.ts';

/**
 * An exemption (Offshoring Policy, Compliance) is a request of another kind: it lives where an
 * offshoring request does (its item, approvals, links and audit trail in one `REQUEST#` partition)
 * and goes through the same approval workflow, but its content is an exemption's, not an
 * offshoring request's. The request store answers offshoring requests alone to every caller that
 * reads one, so only the workflow steps that ask for either (a case) ever see an exemption.
 */
export const ExemptionRecordSchema = z.object({
  kind: z.literal('EXEMPTION'),
  requestId: z.string(),
  status: RequestStatusSchema,
  statusReason: z.string().optional(),
  /** Its approval round: 1 when asked for, one more each time a rejected exemption is asked for again. */
  round: z.number().int().positive(),
  exemption: ExemptionRequestSchema,
  /** The register entry it is for, as it was named when asked. */
  service: z.object({ serviceId: z.string(), serviceName: z.string(), businessAreas: z.array(z.string()) }).optional(),
  /** Who asked for it: told of the outcome, and its owner in the service. */
  requester: z.object(PersonSchema.shape),
  requiredApprovers: z.array(RequiredApproverRecordSchema),
  submittedAt: z.string(),
  updatedAt: z.string(),
  submittedBy: ActorSchema,
  rejectionReasons: z.array(z.object({ role: z.string(), name: z.string(), status: z.string(), reason: z.string() })).optional(),
  /** When every approver had approved: the exemption is in force from then until its end date. */
  approvedAt: z.string().optional(),
  /** The approver directory version its approvers were chosen from (absent on exemptions stored before it was recorded). */
  directoryVersion: z.number().int().positive().optional(),
  version: z.number().int().nonnegative(),
});
export type ExemptionRecord = z.infer<typeof ExemptionRecordSchema>;

/**
 * One approval round's evidence: the exemption as that round's approvers were asked to approve it.
 * Written in the transaction that starts the round and never updated, so asking again cannot
 * overwrite what an earlier round decided on. An exemption asked for before rounds were kept has
 * none for round 1 until it is asked for again (its record then still holds round 1's content).
 */
export const ExemptionRoundSchema = z.object({
  requestId: z.string(),
  round: z.number().int().positive(),
  start: z.enum(['SUBMITTED', 'ASKED_AGAIN']),
  startedAt: z.string(),
  startedBy: ActorSchema,
  exemption: ExemptionRequestSchema,
  requiredApprovers: z.array(RequiredApproverRecordSchema),
  directoryVersion: z.number().int().positive().optional(),
});
export type ExemptionRound = z.infer<typeof ExemptionRoundSchema>;

/** An exemption with its approvals (every round), audit trail and each round's content, oldest first. */
export interface ExemptionView {
  request: ExemptionRecord;
  approvals: ApprovalRecord[];
  audit: AuditEvent[];
  rounds: ExemptionRound[];
}

/** Either kind of request: what the approval workflow's steps read. */
export type CaseRecord = RequestRecord | ExemptionRecord;
export type CaseView = RequestView | ExemptionView;

export const isExemptionItem = (item: Record<string, unknown>) => item.kind === 'EXEMPTION';
export const isExemption = (record: CaseRecord): record is ExemptionRecord => (record as { kind?: string }).kind === 'EXEMPTION';
export const isExemptionView = (view: CaseView): view is ExemptionView => isExemption(view.request);
