import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Runtime } from '../platform/runtime.ts';
import { keys } from '../store/keys.ts';
import { ApprovalRecordSchema, LinkRecordSchema, approverOf, type ApprovalRecord, type LinkRecord, type RequestRecord } from '../store/records.ts';
import { StaleState } from '../store/request-store.ts';
import { hashLinkToken, isWellFormedLinkToken } from './links.ts';
import { typedText } from './request.ts';
import { AlreadyDecided, LinkGone, LinkRefused } from '../web/errors.ts';
import { completeTask } from './workflow.ts';
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
  request: RequestRecord;
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

function assertOpen(approval: ApprovalRecord, request: RequestRecord, link: LinkRecord, now: Date): void {
  if (approval.status === 'APPROVED' || approval.status === 'REJECTED') {
    throw new AlreadyDecided(`This ${approval.kind === 'ENDORSEMENT' ? 'escalation' : 'approval'} was already decided`, { recorded: recordedDecision(approval) });
  }
  if (link.usedAt) throw new AlreadyDecided('This link was already used', { recorded: recordedDecision(approval) });
  if (approval.status === 'LAPSED') throw new LinkGone('The approval window closed before a decision was recorded: the approval lapsed', { recorded: recordedDecision(approval) });
  if (approval.status === 'CLOSED' || request.round !== approval.round || !['PENDING_APPROVAL', 'ESCALATED'].includes(request.status)) {
    throw new LinkGone(`The request is ${request.status.toLowerCase().replace('_', ' ')}: this decision is no longer needed`, { requestStatus: request.status });
  }
  if (now.getTime() >= Date.parse(link.validUntil)) throw new LinkGone(`This link expired at ${link.validUntil}`);
}

export async function openApprovalLink(runtime: Runtime, approvalId: string, token: unknown): Promise<OpenedLink> {
  if (!isWellFormedLinkToken(token)) throw new LinkRefused(REFUSED);
  const tokenHash = hashLinkToken(token);
  const { Item } = await runtime.clients.documents.send(
    new GetCommand({ TableName: runtime.tableName, Key: keys.link(tokenHash), ConsistentRead: true }),
  );
  // The same answer for an unknown token and another approver's: a token reveals nothing about other approvals.
  if (!Item || Item.approvalId !== approvalId) throw new LinkRefused(REFUSED);
  const link = LinkRecordSchema.parse(Item);
  const [approvalItem, request] = await Promise.all([
    runtime.clients.documents.send(
      new GetCommand({ TableName: runtime.tableName, Key: keys.approval(link.requestId, link.round, link.approvalId), ConsistentRead: true }),
    ),
    runtime.store.getRequest(link.requestId),
  ]);
  if (!approvalItem.Item || !request) throw new LinkRefused(REFUSED);
  const approval = ApprovalRecordSchema.parse(approvalItem.Item);
  assertOpen(approval, request, link, runtime.clock());
  return { tokenHash, link, approval, request };
}

export const DecisionFormSchema = z
  .object({
    token: z.string(),
    decision: z.enum(['APPROVE', 'REJECT'], 'choose Approve or Reject'),
    reason: typedText(z.string().trim().max(5000, 'must be at most 5000 characters')).optional().transform((r) => (r ? r : undefined)),
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
    await store.write([
      {
        Update: {
          TableName: store.tableName,
          Key: keys.link(opened.tokenHash),
          UpdateExpression: 'SET usedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND validUntil > :at',
          ExpressionAttributeValues: { ':at': at },
        },
      },
      {
        Update: {
          TableName: store.tableName,
          Key: keys.approval(approval.requestId, approval.round, approval.approvalId),
          // Decided: it leaves the chase index (continual monitoring looks only at approvals still waiting).
          UpdateExpression: `SET #status = :status, decidedAt = :at${form.reason ? ', reason = :reason' : ''} REMOVE gsi3pk, gsi3sk`,
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': status, ':pending': 'PENDING', ':at': at, ...(form.reason ? { ':reason': form.reason } : {}) },
        },
      },
      store.auditPut(approval.requestId, {
        eventId: ids.eventId(),
        at,
        type: approval.kind === 'ENDORSEMENT' ? 'ESCALATION_DECIDED' : 'APPROVAL_DECIDED',
        actor: { kind: approval.kind === 'ENDORSEMENT' ? 'DEPARTMENTAL_HEAD' : 'APPROVER', name: approval.name, email: approval.email, role: approval.role },
        round: approval.round,
        // Written evidence (Offshoring Policy, Approval): who, in what role, decided what, why, when, on which version.
        details: {
          ...approverOf(approval),
          decision: status,
          reason: form.reason ?? null,
          decidedAt: at,
          requestVersion: request.round,
        },
      }),
    ]);
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
  if (approval.kind === 'APPROVAL') await resumeWorkflow(runtime, approval, form);
  return decided;
}

async function reread(runtime: Runtime, opened: OpenedLink): Promise<{ approval: ApprovalRecord; request: RequestRecord; link: LinkRecord }> {
  const get = (Key: Record<string, string>) => runtime.clients.documents.send(new GetCommand({ TableName: runtime.tableName, Key, ConsistentRead: true }));
  const [link, approval, request] = await Promise.all([
    get(keys.link(opened.tokenHash)),
    get(keys.approval(opened.approval.requestId, opened.approval.round, opened.approval.approvalId)),
    runtime.store.getRequest(opened.approval.requestId),
  ]);
  return { link: LinkRecordSchema.parse(link.Item), approval: ApprovalRecordSchema.parse(approval.Item), request: request! };
}

/**
 * Hands the decision to the waiting branch. The decision is already recorded, so if the task has
 * moved on (a reminder or escalation started a new wait, or the round closed), the branch's next
 * step reads the table and follows the decision: nothing is lost either way.
 */
async function resumeWorkflow(runtime: Runtime, approval: ApprovalRecord, form: DecisionForm): Promise<void> {
  const { Item } = await runtime.clients.documents.send(
    new GetCommand({ TableName: runtime.tableName, Key: keys.approval(approval.requestId, approval.round, approval.approvalId), ConsistentRead: true }),
  );
  const taskToken = Item?.taskToken as string | undefined;
  if (!taskToken) return;
  try {
    // Named as the ASL matches it: a rejection fails the Map, the other branches stop waiting, the round is rejected.
    const result = await completeTask(
      runtime.clients.stepFunctions,
      taskToken,
      form.decision === 'APPROVE' ? { outcome: 'APPROVED', approvalId: approval.approvalId } : { outcome: 'REJECTED', cause: form.reason ?? 'Rejected' },
    );
    if (result === 'taskEnded') logger.info('Branch had moved on; its next step will read the recorded decision', { approvalId: approval.approvalId });
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
