import type { Runtime } from '../platform/runtime.ts';
import { count, logger } from '../platform/observability.ts';
import { StaleState } from '../store/errors.ts';
import type { RequestView } from '../store/requests.ts';
import { isExemptionView, type CaseView } from '../store/exemptions.ts';
import { exemptionApprovalEmail, exemptionChaseEmail, exemptionOwnerChaseEmail } from '../email/exemption-templates.ts';
import { exemptionPageLink } from './exemptions.ts';
import { SYSTEM, approverOf, type ApprovalRecord, type LinkRecord } from '../store/records.ts';
import { approvalLink, hashLinkToken, mintLinkToken, requestPageLinks } from './links.ts';
import { approvalRequestEmail, chaseEmail, escalationLapsedEmail, ownerChaseEmail } from '../email/templates.ts';
import { recordSentEmail, sendRecordedEmail } from '../email/send.ts';
import { completeTask, recordedOutcome, type ApprovalOutcome, type ApprovalStep } from './workflow.ts';

/**
 * One approval branch's steps (statemachines/offshoring-approval.asl.json): REQUEST, REMINDER and
 * CHASE store the branch's current task token and send the stage's email; LAPSE closes the
 * window. The table is the source of truth: if the approval is already decided, lapsed or closed,
 * the step does not email. A waiting step then ends its own task the way the table says (its return
 * value would be ignored and the task would wait on); LAPSE returns the outcome for the ASL to route.
 * Expected outcomes are never thrown: a Lambda error means something broke, and the alarms say so.
 */
type WaitingStage = 'REQUEST' | 'REMINDER' | 'CHASE';

const AUDIT_TYPE = { REQUEST: 'APPROVAL_REQUESTED', REMINDER: 'APPROVER_REMINDED', CHASE: 'APPROVER_CHASED', LAPSE: 'APPROVAL_LAPSED' } as const;

async function load(runtime: Runtime, step: ApprovalStep): Promise<{ view: CaseView; approval: ApprovalRecord }> {
  // An offshoring request or an exemption (Offshoring Policy, Compliance): the same branch, its own emails.
  const view = await runtime.store.getCaseView(step.requestId);
  const approval = view?.approvals.find((a) => a.approvalId === step.approvalId);
  // The round's input names approvals written with the request: one missing is a fault, not an outcome.
  if (!view || !approval) throw new Error(`Approval ${step.approvalId} of ${step.requestId} does not exist`);
  return { view, approval };
}

/** Why the approval was not obtained, in words for the execution history. */
function causeOf(outcome: Exclude<ApprovalOutcome, 'APPROVED'>, view: CaseView, approval: ApprovalRecord): string {
  switch (outcome) {
    case 'REJECTED':
      return approval.reason ?? 'Rejected';
    case 'LAPSED':
      return `${approval.name} (${approval.role}) did not decide by ${approval.respondBy}: approval not obtained in time`;
    case 'CLOSED':
      return `Request ${view.request.requestId} is ${view.request.status} (round ${view.request.round}); approval ${approval.approvalId} is ${approval.status}`;
  }
}

/** The email asking an approver to decide, for the kind of request they decide on. */
function askingEmail(view: CaseView, approval: ApprovalRecord, link: string, stage: 'REQUEST' | 'REMINDER') {
  return isExemptionView(view)
    ? exemptionApprovalEmail(view.request, approval, link, stage)
    : approvalRequestEmail(view.request, approval, link, stage);
}

export function approvalBranch(runtime: Runtime) {
  const { store, clock, ids } = runtime;

  /** The approval no longer waits: this step's own task ends the way the table says. */
  async function endWait(step: ApprovalStep & { taskToken: string }, outcome: ApprovalOutcome, view: CaseView, approval: ApprovalRecord) {
    const ended = await completeTask(
      runtime.clients.stepFunctions,
      step.taskToken,
      outcome === 'APPROVED' ? { outcome, approvalId: approval.approvalId } : { outcome, cause: causeOf(outcome, view, approval) },
    );
    logger.info('Approval no longer waiting; branch told', { approvalId: approval.approvalId, stage: step.stage, outcome, task: ended });
    return { stage: step.stage, approvalId: approval.approvalId, outcome };
  }

  /**
   * A step that emailed the approver can die after SES took the email and before the trail recorded
   * it; if the approver then decides before the step is tried again, nothing would send (or record)
   * that email again. A decision made through a link when no reminder was sent came through the
   * link only the request email carried: that email was delivered, and is recorded now (its SES
   * message id lost with the step), so the trail shows the approver was asked, once.
   */
  async function recordEvidentRequestEmail(view: CaseView, approval: ApprovalRecord): Promise<void> {
    if (approval.status !== 'APPROVED' && approval.status !== 'REJECTED') return;
    const mine = (e: RequestView['audit'][number]) => 'approvalId' in e.details && e.details.approvalId === approval.approvalId;
    const asked = view.audit.some((e) => e.type === AUDIT_TYPE.REQUEST && mine(e));
    const reminded = view.audit.some((e) => e.type === AUDIT_TYPE.REMINDER && mine(e));
    const requestEmail = `REQUEST:${approval.approvalId}`;
    const recorded = view.audit.some((e) => e.type === 'EMAIL_SENT' && e.details.key === requestEmail);
    if (!asked || reminded || recorded) return;
    logger.warn('Approver decided through a link whose email was never recorded: recording it', { approvalId: approval.approvalId });
    await recordSentEmail(
      runtime,
      approval.requestId,
      approval.round,
      requestEmail,
      askingEmail(view, approval, `${runtime.publicBaseUrl}/approvals/${approval.approvalId}`, 'REQUEST'),
      null,
    );
  }

  /**
   * The service owner hears once per round which approvers are still silent, not once per approver:
   * every branch of a round is chased at the same moment. The first branch to claim the round's
   * chase writes OWNER_CHASED under the round's own key (a conditional write: one wins), naming
   * everyone still silent as it read the round, and emails the owner; the others find the claim and
   * send nothing. A retried step of the claiming branch sends what its claim named, unless the trail
   * shows it sent.
   */
  async function chaseOwnerOnce(view: CaseView, approval: ApprovalRecord): Promise<void> {
    const { requestId, round } = approval;
    const claimIn = (audit: RequestView['audit']) =>
      audit.find((e): e is Extract<RequestView['audit'][number], { type: 'OWNER_CHASED' }> => e.type === 'OWNER_CHASED' && e.round === round);
    let audit = view.audit;
    if (!claimIn(audit)) {
      const silent = view.approvals.filter((a) => a.round === round && a.kind === 'APPROVAL' && a.status === 'PENDING').map(approverOf);
      await store.appendAudit(requestId, {
        // The round's chase time and a fixed id: every branch of the round writes the same key.
        eventId: `OWNER-CHASE-${round}`,
        at: approval.chaseAt ?? approval.createdAt,
        type: 'OWNER_CHASED',
        actor: SYSTEM,
        round,
        details: { chasedBy: approval.approvalId, silentApprovers: silent, respondBy: approval.respondBy },
      });
      audit = (await store.getCaseView(requestId))?.audit ?? [];
    }
    const claim = claimIn(audit);
    if (claim?.details.chasedBy !== approval.approvalId) return;
    const email = isExemptionView(view)
      ? exemptionOwnerChaseEmail(
          view.request,
          claim.details.silentApprovers,
          claim.details.respondBy,
          exemptionPageLink(runtime.publicBaseUrl, requestId),
        )
      : ownerChaseEmail(view.request, claim.details.silentApprovers, claim.details.respondBy, requestPageLinks(runtime.publicBaseUrl, requestId));
    await sendRecordedEmail(runtime, requestId, round, `OWNER_CHASE:${round}`, email, audit);
    count('OwnerChased');
  }

  async function wait(step: ApprovalStep & { stage: WaitingStage }) {
    if (!step.taskToken) throw new Error(`Stage ${step.stage} needs the task token`);
    const waiting = { ...step, taskToken: step.taskToken };
    const { view, approval } = await load(runtime, step);
    const settled = recordedOutcome(view.request, approval);
    if (settled) {
      await recordEvidentRequestEmail(view, approval);
      return endWait(waiting, settled, view, approval);
    }

    const at = clock().toISOString();
    if (step.stage === 'CHASE' && approval.kind === 'ENDORSEMENT') {
      // The Departmental Head is the top of the line (Process 3(b)): nobody to chase, so the branch only waits to lapse.
      await store.storeTaskToken(approval, { taskToken: step.taskToken, nextStepDue: approval.respondBy, at });
      return { stage: step.stage, approvalId: approval.approvalId, emailed: false };
    }
    const nextStepDue = { REQUEST: approval.reminderAt, REMINDER: approval.chaseAt, CHASE: approval.respondBy }[step.stage] ?? approval.respondBy;
    // Each stage emails once per approval: a restarted round or a retried step finds its email in the
    // audit trail and only takes the new task token, so the approver hears nothing twice.
    const emailKey = `${step.stage}:${approval.approvalId}`;
    // A chase recorded before the stage had its own name was keyed and audited as an escalation.
    const emailKeys = step.stage === 'CHASE' ? [emailKey, `ESCALATION:${approval.approvalId}`] : [emailKey];
    const auditTypes: string[] = step.stage === 'CHASE' ? [AUDIT_TYPE.CHASE, 'APPROVAL_ESCALATED'] : [AUDIT_TYPE[step.stage]];
    const emailed = view.audit.some((e) => e.type === 'EMAIL_SENT' && emailKeys.includes(e.details.key as string));
    const stageRecorded = view.audit.some(
      (e) => auditTypes.includes(e.type) && 'approvalId' in e.details && e.details.approvalId === approval.approvalId,
    );
    const stampField = stageRecorded ? undefined : step.stage === 'REMINDER' ? 'remindedAt' : step.stage === 'CHASE' ? 'chasedAt' : undefined;

    // A fresh link for the request and each reminder; earlier links keep working until respondBy.
    const linkToken = emailed || step.stage === 'CHASE' ? undefined : mintLinkToken();
    const link: LinkRecord | undefined = linkToken
      ? { approvalId: approval.approvalId, requestId: approval.requestId, round: approval.round, validUntil: approval.respondBy, issuedAt: at }
      : undefined;

    try {
      // The approval also moves in the chase index to when its next step falls due.
      await store.storeTaskToken(approval, {
        taskToken: step.taskToken,
        nextStepDue,
        at,
        ...(stampField ? { stamp: stampField } : {}),
        ...(link && linkToken ? { link: { tokenHash: hashLinkToken(linkToken), link } } : {}),
        ...(stageRecorded
          ? {}
          : {
              audit: {
                eventId: ids.eventId(),
                at,
                type: AUDIT_TYPE[step.stage],
                actor: SYSTEM,
                round: approval.round,
                details: {
                  ...approverOf(approval),
                  respondBy: approval.respondBy,
                  ...(step.stage === 'CHASE' && approval.escalationContact ? { escalatedTo: approval.escalationContact.email } : {}),
                },
              },
            }),
      });
    } catch (error) {
      if (!(error instanceof StaleState)) throw error;
      // Decided or closed between our read and our write: follow what was recorded.
      const fresh = await load(runtime, step);
      const outcome = recordedOutcome(fresh.view.request, fresh.approval);
      if (outcome) {
        await recordEvidentRequestEmail(fresh.view, fresh.approval);
        return endWait(waiting, outcome, fresh.view, fresh.approval);
      }
      throw error;
    }

    if (step.stage === 'CHASE') await chaseOwnerOnce(view, approval);
    if (emailed) {
      logger.info('Approver step resumed; its email was already sent', { approvalId: approval.approvalId, stage: step.stage });
      return { stage: step.stage, approvalId: approval.approvalId, emailed: false };
    }
    if (step.stage === 'CHASE') {
      const chase = isExemptionView(view) ? exemptionChaseEmail(view.request, approval) : chaseEmail(view.request, approval);
      await sendRecordedEmail(runtime, approval.requestId, approval.round, emailKey, chase);
    } else {
      const url = approvalLink(runtime.publicBaseUrl, approval.approvalId, linkToken as string);
      await sendRecordedEmail(runtime, approval.requestId, approval.round, emailKey, askingEmail(view, approval, url, step.stage));
    }
    logger.info('Approver step done', { approvalId: approval.approvalId, stage: step.stage });
    count({ REQUEST: 'ApprovalRequested', REMINDER: 'ApproverReminded', CHASE: 'ApproverChased' }[step.stage]);
    return { stage: step.stage, approvalId: approval.approvalId, emailed: true };
  }

  /**
   * The window closed. Whoever writes first wins: a decision recorded before this stands. Returns
   * the outcome (APPROVED, REJECTED, LAPSED or CLOSED); the ASL's Choice routes on it.
   */
  async function lapse(step: ApprovalStep): Promise<{ stage: 'LAPSE'; approvalId: string; outcome: ApprovalOutcome }> {
    const { view, approval } = await load(runtime, step);
    const settled = recordedOutcome(view.request, approval);
    if (settled) return { stage: 'LAPSE', approvalId: approval.approvalId, outcome: settled };
    const at = clock().toISOString();
    if (approval.kind === 'ENDORSEMENT' && !isExemptionView(view)) return lapseEndorsement(step, view, approval, at);
    try {
      await store.lapseApproval(
        approval,
        { at, reason: 'approval not obtained in time' },
        {
          eventId: ids.eventId(),
          at,
          type: AUDIT_TYPE.LAPSE,
          actor: SYSTEM,
          round: approval.round,
          details: { ...approverOf(approval), respondBy: approval.respondBy },
        },
      );
    } catch (error) {
      if (!(error instanceof StaleState)) throw error;
      const fresh = await load(runtime, step);
      const outcome = recordedOutcome(fresh.view.request, fresh.approval);
      if (outcome) return { stage: 'LAPSE', approvalId: approval.approvalId, outcome };
      throw error;
    }
    count('ApprovalLapsed');
    logger.info('Approval lapsed', { approvalId: approval.approvalId, respondBy: approval.respondBy });
    return { stage: 'LAPSE', approvalId: approval.approvalId, outcome: 'LAPSED' };
  }

  /**
   * Offshoring Policy, Process 3(b): an escalation the Departmental Head does not answer in time
   * must not hold the request: it returns to REJECTED, its routes open again, and the owner is told.
   */
  async function lapseEndorsement(
    step: ApprovalStep,
    view: RequestView,
    approval: ApprovalRecord,
    at: string,
  ): Promise<{ stage: 'LAPSE'; approvalId: string; outcome: ApprovalOutcome }> {
    const reason = `The ${approval.businessArea} Departmental Head did not respond to the escalation by ${approval.respondBy}`;
    try {
      await store.transition(
        view.request,
        'ESCALATION_LAPSED',
        { reason, at, set: { escalation: undefined } },
        {
          eventId: ids.eventId(),
          at,
          type: 'ESCALATION_LAPSED',
          actor: SYSTEM,
          round: approval.round,
          details: { ...approverOf(approval), respondBy: approval.respondBy },
        },
        { lapse: { approval, reason: 'no response in time' } },
      );
    } catch (error) {
      if (!(error instanceof StaleState)) throw error;
      const fresh = await load(runtime, step);
      const outcome = recordedOutcome(fresh.view.request, fresh.approval);
      if (outcome) return { stage: 'LAPSE', approvalId: approval.approvalId, outcome };
      throw error;
    }
    const after = (await store.getRequestView(approval.requestId))!;
    await sendRecordedEmail(
      runtime,
      approval.requestId,
      approval.round,
      `ESCALATION_LAPSED:${approval.approvalId}`,
      escalationLapsedEmail(after.request, approval, requestPageLinks(runtime.publicBaseUrl, approval.requestId)),
      after.audit,
    );
    count('EscalationLapsed');
    logger.info('Escalation lapsed; the request is rejected again', { approvalId: approval.approvalId, respondBy: approval.respondBy });
    return { stage: 'LAPSE', approvalId: approval.approvalId, outcome: 'LAPSED' };
  }

  /** Runs one step of the branch (the ASL's task payload, parsed). */
  return (step: ApprovalStep) => (step.stage === 'LAPSE' ? lapse(step) : wait(step as ApprovalStep & { stage: WaitingStage }));
}
