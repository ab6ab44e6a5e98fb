import * as z from 'zod';
import type { Runtime } from '../platform/runtime.ts';
import { approverOf, type ApprovalRecord, type LinkRecord } from '../store/records.ts';
import { StaleState } from '../store/errors.ts';
import { hashLinkToken, isWellFormedLinkToken } from './links.ts';
import { awaitsDecision } from './lifecycle.ts';
import { typedText } from './request.ts';
import { AlreadyDecided, LinkGone, LinkRefused } from '../web/errors.ts';
import { completeTask } from './workflow.ts';
import { isExemption, type CaseRecord } from '../store/exemptions.ts';
import { correlate, count, logger } from '../platform/observability.ts';

/**
 * Approval links, checked in one place for the page (GET) and the decision (POST): a wrong,
 * tampered or other approver's token is 403, an approval already decided is 409 with the recorded
 * decision, a closed window or round is 410.
 */
export interface OpenedLink {
  tokenHash: string;
  link: LinkRecord;
  approval: ApprovalRecord;
  /** An offshoring request, or an exemption (Offshoring Policy, Compliance): the same links and decisions. */
  request: CaseRecord;
}

const REFUSED = 'This link is not valid. Use the link in the most recent email you were sent, unchanged.';

export const recordedDecision = (a: ApprovalRecord) => ({
  approvalId: a.approvalId,
  role: a.role,
  name: a.name,
  decision: a.status,
  decidedAt: a.decidedAt ?? null,
  reason: a.reason ?? null,
});

/**
 * What a person holding a valid link is told when it no longer works: which request, and whom to
 * ask (its service owner). A refused token gets none of this: it reveals nothing.
 */
const aboutRequest = (request: CaseRecord, approval: ApprovalRecord) => ({
  requestId: request.requestId,
  ...(isExemption(request)
    ? { serviceName: `Exemption: ${request.service?.serviceName ?? 'the whole Offshoring Policy'}`, serviceOwner: request.requester }
    : { serviceName: request.request.serviceName, serviceOwner: request.request.serviceOwner }),
  kind: approval.kind,
});

function assertOpen(approval: ApprovalRecord, request: CaseRecord, link: LinkRecord, now: Date): void {
  const about = aboutRequest(request, approval);
  if (approval.status === 'APPROVED' || approval.status === 'REJECTED') {
    throw new AlreadyDecided(`This ${approval.kind === 'ENDORSEMENT' ? 'escalation' : 'approval'} was already decided`, {
      recorded: recordedDecision(approval),
      ...about,
    });
  }
  if (link.usedAt) throw new AlreadyDecided('This link was already used', { recorded: recordedDecision(approval), ...about });
  if (approval.status === 'LAPSED')
    throw new LinkGone('The approval window closed before a decision was recorded: the approval lapsed', {
      recorded: recordedDecision(approval),
      ...about,
    });
  if (approval.status === 'CLOSED' || request.round !== approval.round || !awaitsDecision(request.status)) {
    throw new LinkGone(`The request is ${request.status.toLowerCase().replace('_', ' ')}: this decision is no longer needed`, {
      requestStatus: request.status,
      laterRound: request.round !== approval.round,
      ...about,
    });
  }
  if (now.getTime() >= Date.parse(link.validUntil))
    throw new LinkGone(`This link expired at ${link.validUntil}`, { validUntil: link.validUntil, ...about });
}

export async function openApprovalLink(runtime: Runtime, approvalId: string, token: unknown): Promise<OpenedLink> {
  if (!isWellFormedLinkToken(token)) throw new LinkRefused(REFUSED);
  const tokenHash = hashLinkToken(token);
  const link = await runtime.store.links.findLink(tokenHash);
  // The same answer for an unknown token and another approver's: a token reveals nothing about other approvals.
  if (!link || link.approvalId !== approvalId) throw new LinkRefused(REFUSED);
  const [approval, request] = await Promise.all([runtime.store.getApproval(link), runtime.store.getCase(link.requestId)]);
  if (!approval || !request) throw new LinkRefused(REFUSED);
  assertOpen(approval, request, link, runtime.clock());
  return { tokenHash, link, approval, request };
}

export const DecisionFormSchema = z
  .object({
    token: z.string(),
    decision: z.enum(['APPROVE', 'REJECT'], 'choose Approve or Reject'),
    reason: typedText(z.string().trim().max(5000, 'must be at most 5000 characters'))
      .optional()
      .transform((r) => (r ? r : undefined)),
  })
  .refine((form) => form.decision !== 'REJECT' || !!form.reason, { path: ['reason'], message: 'give a reason when you reject' });
export type DecisionForm = z.infer<typeof DecisionFormSchema>;

/**
 * Records the decision as written evidence and consumes the link, in one conditional transaction:
 * two clicks, two tabs or a retried POST can never record two decisions. Then resumes the workflow.
 */
export async function recordDecision(runtime: Runtime, opened: OpenedLink, form: DecisionForm): Promise<ApprovalRecord> {
  const { store, clock, ids } = runtime;
  const { approval, request } = opened;
  const at = clock().toISOString();
  const status = form.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED';
  try {
    await store.recordDecision(
      approval,
      { tokenHash: opened.tokenHash, status, at, ...(form.reason ? { reason: form.reason } : {}) },
      {
        eventId: ids.eventId(),
        at,
        type: approval.kind === 'ENDORSEMENT' ? 'ESCALATION_DECIDED' : 'APPROVAL_DECIDED',
        actor: {
          kind: approval.kind === 'ENDORSEMENT' ? 'DEPARTMENTAL_HEAD' : 'APPROVER',
          name: approval.name,
          email: approval.email,
          role: approval.role,
        },
        round: approval.round,
        // Written evidence (Offshoring Policy, Approval): who, in what role, decided what, why, when, on which version.
        details: {
          ...approverOf(approval),
          decision: status,
          reason: form.reason ?? null,
          decidedAt: at,
          requestVersion: request.round,
        },
      },
    );
  } catch (error) {
    if (!(error instanceof StaleState)) throw error;
    // Lost a race (another tab, the lapse, the round closing): answer from what is recorded now.
    const now = await reread(runtime, opened);
    assertOpen(now.approval, now.request, now.link, clock());
    throw new LinkGone('The decision could not be recorded: the approval changed while it was being recorded');
  }
  const decided: ApprovalRecord = { ...approval, status, decidedAt: at, reason: form.reason };
  correlate(approval.requestId);
  count(status === 'APPROVED' ? 'DecisionApproved' : 'DecisionRejected');
  await resumeWorkflow(runtime, approval, status, form.reason);
  return decided;
}

/**
 * A decision sent again through the link that recorded it (a retry after a 5xx, or after an answer
 * that never came) is still answered 409 with what is recorded; but if the first try was cut short
 * between recording the decision and resuming the workflow, the workflow is handed the recorded
 * decision now, rather than at the branch's next chase. Answers the recorded decision, if any.
 */
export async function resumeRecordedDecision(runtime: Runtime, approvalId: string, token: unknown): Promise<ApprovalRecord | undefined> {
  if (!isWellFormedLinkToken(token)) return undefined;
  const link = await runtime.store.links.findLink(hashLinkToken(token));
  if (!link?.usedAt || link.approvalId !== approvalId) return undefined;
  const approval = await runtime.store.getApproval(link);
  if (approval?.status !== 'APPROVED' && approval?.status !== 'REJECTED') return undefined;
  await resumeWorkflow(runtime, approval, approval.status, approval.reason);
  return approval;
}

async function reread(runtime: Runtime, opened: OpenedLink): Promise<{ approval: ApprovalRecord; request: CaseRecord; link: LinkRecord }> {
  const { store } = runtime;
  const [link, approval, request] = await Promise.all([
    store.links.findLink(opened.tokenHash),
    store.getApproval(opened.approval),
    store.getCase(opened.approval.requestId),
  ]);
  return { link: link!, approval: approval!, request: request! };
}

/**
 * Hands the decision to the waiting branch. The decision is already recorded, so if the task has
 * moved on (a reminder or escalation started a new wait, or the round closed), the branch's next
 * step reads the table and follows the decision: nothing is lost either way.
 */
async function resumeWorkflow(
  runtime: Runtime,
  approval: ApprovalRecord,
  decision: 'APPROVED' | 'REJECTED',
  reason: string | undefined,
): Promise<void> {
  const taskToken = (await runtime.store.getApproval(approval))?.taskToken;
  if (!taskToken) return;
  try {
    // Named as the ASL matches it: a rejection fails the Map, the other branches stop waiting, the round is rejected.
    const result = await completeTask(
      runtime.clients.stepFunctions,
      taskToken,
      decision === 'APPROVED' ? { outcome: 'APPROVED', approvalId: approval.approvalId } : { outcome: 'REJECTED', cause: reason ?? 'Rejected' },
    );
    if (result === 'taskEnded')
      logger.info('Branch had moved on; its next step will read the recorded decision', { approvalId: approval.approvalId });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'InvalidToken') {
      logger.info('Branch had moved on; its next step will read the recorded decision', { approvalId: approval.approvalId, reason: name });
      return;
    }
    // Recorded but not delivered: the branch picks it up at its next step; monitoring flags it if it lingers.
    logger.error('Decision recorded but the workflow could not be resumed now', { approvalId: approval.approvalId, error: error as Error });
  }
}
