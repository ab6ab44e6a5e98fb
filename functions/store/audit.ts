import * as z from 'zod';
import { ActorSchema, COMPLIANCE_STATUSES } from './records.ts';
import { StoredOffshoringRequestSchema } from '../domain/request.ts';

/**
 * The audit trail is the written evidence of what happened to a request (Offshoring Policy,
 * Approval: documented approvals), so every event type has its own shape: writers are checked
 * against it when they are compiled, and every event is parsed against it when it is read.
 * Details are read as plain objects (not strict), so an event written with more than it needs
 * still reads.
 */

/** Who an event about one approval concerns: the approval and its approver. */
const Approver = { approvalId: z.string(), role: z.string(), name: z.string(), email: z.string() };
/** An approver as the requester and the trail see them (no approval yet). */
const PublicApprover = z.object({ role: z.string(), name: z.string(), email: z.string() });
/** What a new round planned: whom it asks, whether notice was late, and when answers are due. */
const RoundPlan = { requiredApprovers: z.array(PublicApprover), lateNotice: z.boolean(), respondBy: z.string() };
/** An approver asked, reminded or chased, until their window closes. */
const ApproverChased = z.object({ ...Approver, respondBy: z.string(), escalatedTo: z.string().optional() });

const event = <T extends string, D extends z.ZodType>(type: T, details: D) =>
  z.object({
    eventId: z.string(),
    at: z.string(),
    type: z.literal(type),
    actor: ActorSchema,
    round: z.number().int().optional(),
    details,
  });

export const AuditEventSchema = z.discriminatedUnion('type', [
  // Submission and the rounds that follow a rejection (Process 3).
  event('REQUEST_SUBMITTED', z.object({ ...RoundPlan, lateNoticeReason: z.string().optional() })),
  // Rounds keep their own request content (ROUND items); some stored resubmissions also carry the
  // request the previous round saw, read for a round that has no ROUND item.
  event(
    'REQUEST_RESUBMITTED',
    z.object({ ...RoundPlan, previousRound: z.number().int(), previousRequest: StoredOffshoringRequestSchema.optional() }),
  ),
  event(
    'MITIGATIONS_PROVIDED',
    z.object({ ...RoundPlan, previousRound: z.number().int(), mitigations: z.array(z.string()), replaceExisting: z.boolean() }),
  ),
  event('ROUND_STARTED_AFTER_ENDORSEMENT', z.object({ ...RoundPlan, businessArea: z.string().optional() })),
  event('WORKFLOW_START_FAILED', z.object({ cause: z.string(), execution: z.string() })),

  // Each approver's branch: asked, reminded, chased, lapsed, decided.
  event('APPROVAL_REQUESTED', ApproverChased),
  event('APPROVER_REMINDED', ApproverChased),
  event('APPROVER_CHASED', ApproverChased),
  // A chase recorded before the chasing stage had its own name.
  event('APPROVAL_ESCALATED', ApproverChased),
  event('APPROVAL_LAPSED', z.object({ ...Approver, respondBy: z.string() })),
  // The service owner told, once per round, which approvers were still silent when the round was chased.
  event(
    'OWNER_CHASED',
    z.object({
      chasedBy: z.string(),
      silentApprovers: z.array(z.object({ approvalId: z.string(), role: z.string(), name: z.string(), email: z.string() })),
      respondBy: z.string(),
    }),
  ),
  event(
    'APPROVAL_DECIDED',
    z.object({
      ...Approver,
      decision: z.enum(['APPROVED', 'REJECTED']),
      reason: z.string().nullable(),
      decidedAt: z.string(),
      requestVersion: z.number().int(),
    }),
  ),

  // The round's end.
  event('REQUEST_APPROVED', z.object({ approvals: z.array(PublicApprover.extend({ decidedAt: z.string().optional() })) })),
  event('REQUEST_REJECTED', z.object({ reasons: z.array(z.object({ role: z.string(), name: z.string(), status: z.string(), reason: z.string() })) })),
  event('WORKFLOW_FAILED', z.object({ error: z.string().nullish(), cause: z.string().nullish() })),
  event('RECONCILED_TO_ERROR', z.object({ executionStatus: z.string(), execution: z.string() })),
  event('SERVICE_REGISTERED', z.object({ serviceId: z.string(), version: z.number().int(), reviewDue: z.string(), updated: z.boolean() })),
  // An existing contract listed in the register before approval: under assessment, or non-compliant once rejected or withdrawn.
  event(
    'EXISTING_CONTRACT_LISTED',
    z.object({ serviceId: z.string(), version: z.number().int(), compliance: z.enum(COMPLIANCE_STATUSES), actionPlanDate: z.string() }),
  ),

  // Process 3(b): escalation to the Departmental Head, and what came of it.
  event(
    'ESCALATED_TO_DEPARTMENTAL_HEAD',
    z.object({
      businessArea: z.string(),
      departmentalHead: z.object({ name: z.string(), email: z.string() }),
      caseForApproval: z.string(),
      residualRisksRectified: z.literal(true),
      /** What was rectified, in the owner's words (absent on escalations recorded before it was asked). */
      risksRectified: z.string().optional(),
    }),
  ),
  event(
    'ESCALATION_DECIDED',
    z.object({
      ...Approver,
      decision: z.enum(['APPROVED', 'REJECTED']),
      reason: z.string().nullable(),
      decidedAt: z.string(),
      requestVersion: z.number().int(),
    }),
  ),
  event('ESCALATION_LAPSED', z.object({ ...Approver, respondBy: z.string() })),
  event('REQUEST_CLOSED', z.object({ reason: z.string().nullable() })),

  // The owner withdrew it.
  event('REQUEST_WITHDRAWN', z.object({ reason: z.string().nullable(), previousStatus: z.string() })),

  // Every email sent, keyed so that a retried step sends it once.
  event(
    'EMAIL_SENT',
    z.object({ key: z.string(), to: z.array(z.string()), cc: z.array(z.string()), subject: z.string(), messageId: z.string().nullish() }),
  ),
]);
export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type AuditEventType = AuditEvent['type'];

/** One event's type with its own details, as a writer names them (the pair stays matched). */
export type AuditFact<T extends AuditEventType = AuditEventType> = T extends unknown
  ? { type: T; details: Extract<AuditEvent, { type: T }>['details'] }
  : never;
