import { z } from 'zod';
import type { Context } from 'aws-lambda';
import middy from '@middy/core';
import { lambdaEntry, type Runtime } from '#shared/runtime';
import { logger } from '#shared/http';
import { correlate, count, observed } from '#shared/observability';
import { keys } from '#shared/store/keys';
import { StaleState, type RequestView } from '#shared/store/request-store';
import { SYSTEM, approverOf, type ApprovalRecord, type LinkRecord } from '#shared/store/records';
import { approvalLink, hashLinkToken, mintLinkToken } from '#shared/links';
import { approvalRequestEmail, escalationEmail } from '#shared/email/templates';
import { sendRecordedEmail } from '#shared/email/send';
import { ApprovalClosed, ApprovalLapsed, signalFor } from '#shared/workflow';

/**
 * One approval branch's steps (statemachines/offshoring-approval.asl.json): REQUEST, REMINDER and
 * ESCALATION store the branch's current task token and send the email; LAPSE closes the window.
 * The table is the source of truth: if a decision is already recorded, the step does not email, it
 * throws the signal that completes the branch the way the decision says.
 */
export const ApprovalStepSchema = z.object({
  stage: z.enum(['REQUEST', 'REMINDER', 'ESCALATION', 'LAPSE']),
  taskToken: z.string().min(1).optional(),
  requestId: z.string(),
  round: z.number().int().positive(),
  approvalId: z.string(),
});
export type ApprovalStep = z.infer<typeof ApprovalStepSchema>;

const AUDIT_TYPE = { REQUEST: 'APPROVAL_REQUESTED', REMINDER: 'APPROVER_REMINDED', ESCALATION: 'APPROVAL_ESCALATED', LAPSE: 'APPROVAL_LAPSED' } as const;

async function load(runtime: Runtime, step: ApprovalStep): Promise<{ view: RequestView; approval: ApprovalRecord }> {
  const view = await runtime.store.getRequestView(step.requestId);
  const approval = view?.approvals.find((a) => a.approvalId === step.approvalId);
  if (!view || !approval) throw new ApprovalClosed(`Approval ${step.approvalId} of ${step.requestId} does not exist`);
  return { view, approval };
}

/** Throws unless the approval is still waiting in the request's current, open round. */
function assertWaiting(view: RequestView, approval: ApprovalRecord): void {
  if (approval.status !== 'PENDING') throw signalFor(approval);
  if (view.request.round !== approval.round || view.request.status !== 'PENDING_APPROVAL') {
    throw new ApprovalClosed(`Request ${view.request.requestId} is ${view.request.status} (round ${view.request.round})`);
  }
}

export function approvalStep(runtime: Runtime) {
  const { store, clock, ids } = runtime;

  async function wait(step: ApprovalStep & { stage: 'REQUEST' | 'REMINDER' | 'ESCALATION' }) {
    if (!step.taskToken) throw new Error(`Stage ${step.stage} needs the task token`);
    const { view, approval } = await load(runtime, step);
    assertWaiting(view, approval);
    const at = clock().toISOString();
    const nextDue = { REQUEST: approval.reminderAt, REMINDER: approval.escalateAt, ESCALATION: approval.respondBy }[step.stage] ?? approval.respondBy;
    const chase = keys.chaseDue(nextDue, approval.approvalId);
    const stampField = step.stage === 'REMINDER' ? 'remindedAt' : step.stage === 'ESCALATION' ? 'escalatedAt' : undefined;

    // A fresh link for the request and each reminder; earlier links keep working until respondBy.
    const linkToken = step.stage === 'ESCALATION' ? undefined : mintLinkToken();
    const link: LinkRecord | undefined = linkToken
      ? { approvalId: approval.approvalId, requestId: approval.requestId, round: approval.round, validUntil: approval.respondBy, issuedAt: at }
      : undefined;

    try {
      await store.write([
        {
          Update: {
            TableName: store.tableName,
            Key: keys.approval(approval.requestId, approval.round, approval.approvalId),
            // Also moves the approval's place in the chase index to when its next step falls due.
            UpdateExpression: `SET taskToken = :token, gsi3pk = :chasePk, gsi3sk = :chaseSk${stampField ? `, ${stampField} = :at` : ''}`,
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':token': step.taskToken,
              ':pending': 'PENDING',
              ':chasePk': chase.gsi3pk,
              ':chaseSk': chase.gsi3sk,
              ...(stampField ? { ':at': at } : {}),
            },
          },
        },
        ...(link && linkToken
          ? [{ Put: { TableName: store.tableName, Item: { ...keys.link(hashLinkToken(linkToken)), entity: 'LINK', ...link }, ConditionExpression: 'attribute_not_exists(pk)' } }]
          : []),
        store.auditPut(approval.requestId, {
          eventId: ids.eventId(),
          at,
          type: AUDIT_TYPE[step.stage],
          actor: SYSTEM,
          round: approval.round,
          details: {
            ...approverOf(approval),
            respondBy: approval.respondBy,
            ...(step.stage === 'ESCALATION' && approval.escalationContact ? { escalatedTo: approval.escalationContact.email } : {}),
          },
        }),
      ]);
    } catch (error) {
      if (!(error instanceof StaleState)) throw error;
      // Decided between our read and our write: follow the decision.
      const fresh = await load(runtime, step);
      assertWaiting(fresh.view, fresh.approval);
      throw error;
    }

    const emailKey = `${step.stage}:${approval.approvalId}:${at}`;
    if (step.stage === 'ESCALATION') {
      await sendRecordedEmail(runtime, approval.requestId, approval.round, emailKey, escalationEmail(view.request, approval));
    } else {
      const url = approvalLink(runtime.publicBaseUrl, approval.approvalId, linkToken as string);
      await sendRecordedEmail(runtime, approval.requestId, approval.round, emailKey, approvalRequestEmail(view.request, approval, url, step.stage));
    }
    logger.info('Approver step done', { approvalId: approval.approvalId, stage: step.stage });
    count({ REQUEST: 'ApprovalRequested', REMINDER: 'ApproverReminded', ESCALATION: 'ApprovalEscalated' }[step.stage]);
    return { stage: step.stage, approvalId: approval.approvalId };
  }

  /** The window closed. Whoever writes first wins: a decision recorded before this stands. */
  async function lapse(step: ApprovalStep) {
    const { view, approval } = await load(runtime, step);
    assertWaiting(view, approval);
    const at = clock().toISOString();
    try {
      await store.write([
        store.lapseApproval(approval, at, 'approval not obtained in time'),
        store.auditPut(approval.requestId, {
          eventId: ids.eventId(),
          at,
          type: AUDIT_TYPE.LAPSE,
          actor: SYSTEM,
          round: approval.round,
          details: { ...approverOf(approval), respondBy: approval.respondBy },
        }),
      ]);
    } catch (error) {
      if (!(error instanceof StaleState)) throw error;
      const fresh = await load(runtime, step);
      throw signalFor(fresh.approval);
    }
    count('ApprovalLapsed');
    throw new ApprovalLapsed(`${approval.name} (${approval.role}) did not decide by ${approval.respondBy}: approval not obtained in time`);
  }

  return async (event: unknown) => {
    const step = ApprovalStepSchema.parse(event);
    correlate(step.requestId);
    return step.stage === 'LAPSE' ? lapse(step) : wait(step as ApprovalStep & { stage: 'REQUEST' | 'REMINDER' | 'ESCALATION' });
  };
}

export const makeHandler = (runtime: Runtime) =>
  middy<unknown, unknown, Error, Context>(approvalStep(runtime)).use(observed());
export const handler = lambdaEntry(makeHandler);
