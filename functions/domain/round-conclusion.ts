import type { Runtime } from '../platform/runtime.ts';
import { count, logger } from '../platform/observability.ts';
import { StaleState } from '../store/errors.ts';
import type { Alongside, RequestChanges, RequestView } from '../store/requests.ts';
import { SYSTEM, type ApprovalRecord } from '../store/records.ts';
import type { AuditFact } from '../store/audit.ts';
import { roundOutcome } from './offshoring-policy.ts';
import { requestApprovedEmail, requestRejectedEmail, roundClosedEmail, roundOutcomeEmail, type RoundOutcome } from '../email/templates.ts';
import { sendRecordedEmail } from '../email/send.ts';
import { registerApprovedService } from './register.ts';
import { listAsNonCompliant } from './existing-contracts.ts';
import { requestPageLinks } from './links.ts';
import type { RoundEnd } from './workflow.ts';
import { isExemptionView, type CaseRecord, type CaseView, type ExemptionView } from '../store/exemptions.ts';
import { exemptionApprovedEmail, exemptionClosedEmail, exemptionOutcomeEmail, exemptionRejectedEmail } from '../email/exemption-templates.ts';
import { exemptionPageLink } from './exemptions.ts';

/**
 * The end of an approval round (statemachines/offshoring-approval.asl.json: RoundApproved,
 * RoundRejected, RoundFailed). Safe to retry: the request moves only from PENDING_APPROVAL in this
 * round, and each email is sent once (keyed in the audit trail). A request that left the round
 * meanwhile (withdrawn, or a newer round) keeps its status: the conclusion changes nothing then.
 */

const inRound = (view: CaseView) => view.approvals.filter((a) => a.round === view.request.round && a.kind === 'APPROVAL');

export function roundConclusion(runtime: Runtime) {
  const { store, clock, ids } = runtime;

  async function moveRequest(
    request: CaseRecord,
    event: 'ALL_APPROVED' | 'APPROVAL_NOT_OBTAINED' | 'ROUND_FAILED',
    reason: string,
    fact: AuditFact<'WORKFLOW_FAILED' | 'REQUEST_APPROVED' | 'REQUEST_REJECTED'>,
    set?: RequestChanges,
    alongside: Alongside = {},
  ) {
    const at = clock().toISOString();
    return store.transition(
      request,
      event,
      { reason, at, set },
      { eventId: ids.eventId(), at, actor: SYSTEM, round: request.round, ...fact },
      alongside,
    );
  }

  /** Process 3: still-waiting approvals of the round are closed, so their links answer 410. */
  const closePending = (approvals: ApprovalRecord[]): Alongside => ({ close: approvals.filter((a) => a.status === 'PENDING') });

  /** `concluded`: this call moved the request (so the outcome is counted once, not per retry). */
  async function conclude(end: RoundEnd): Promise<{ status: string; concluded: boolean }> {
    const view = await store.getCaseView(end.requestId);
    if (!view) throw new Error(`Request ${end.requestId} does not exist`);
    const { request } = view;
    const approvals = inRound(view);
    const settled = request.round !== end.round || request.status !== 'PENDING_APPROVAL';

    if (!settled) {
      if (end.outcome === 'FAILED') {
        const cause = `The approval workflow failed: ${end.error ?? 'unknown error'}`;
        const failed = await moveRequest(request, 'ROUND_FAILED', cause, {
          type: 'WORKFLOW_FAILED',
          details: { error: end.error, cause: end.cause?.slice(0, 2000) },
        });
        return { status: failed.status, concluded: true };
      }
      const outcome = roundOutcome(approvals.map((a) => a.status));
      if (end.outcome === 'APPROVED' && outcome === 'APPROVED') {
        await moveRequest(request, 'ALL_APPROVED', 'All required approvals obtained and documented', {
          type: 'REQUEST_APPROVED',
          details: { approvals: approvals.map(({ role, name, email, decidedAt }) => ({ role, name, email, decidedAt })) },
        });
      } else if (end.outcome === 'REJECTED' && outcome === 'REJECTED') {
        const reasons = approvals
          .filter((a) => a.status === 'REJECTED' || a.status === 'LAPSED')
          .map((a) => ({
            role: a.role,
            name: a.name,
            status: a.status,
            reason: a.reason ?? (a.status === 'LAPSED' ? 'approval not obtained in time' : 'no reason given'),
          }));
        try {
          await moveRequest(
            request,
            'APPROVAL_NOT_OBTAINED',
            reasons.map((r) => `${r.role}: ${r.reason}`).join('; '),
            { type: 'REQUEST_REJECTED', details: { reasons } },
            { rejectionReasons: reasons },
            closePending(approvals),
          );
        } catch (error) {
          // An approver decided while we closed the round: start again from what is recorded now.
          if (error instanceof StaleState) return conclude(end);
          throw error;
        }
      } else {
        // The workflow and the table disagree (it should never happen): fail loudly rather than guess.
        throw new Error(`Round ${end.round} of ${end.requestId} ended ${end.outcome} but the approvals say ${outcome}`);
      }
    }

    // Emails after the state change, each once (a retry after a partial send picks up the rest).
    const after = (await store.getCaseView(end.requestId))!;
    if (after.request.round !== end.round) return { status: after.request.status, concluded: !settled };
    if (isExemptionView(after)) {
      await concludeExemption(after, end.round);
      logger.info('Exemption round concluded', { requestId: end.requestId, round: end.round, status: after.request.status });
      return { status: after.request.status, concluded: !settled };
    }
    const sent = after.audit;
    const links = requestPageLinks(runtime.publicBaseUrl, request.requestId);
    if (after.request.status === 'APPROVED') {
      const registered: { serviceId: string; reviewDue: string } = registeredIn(after, end.round) ?? (await registerApprovedService(runtime, after));
      await sendRecordedEmail(
        runtime,
        request.requestId,
        end.round,
        `APPROVED:${end.round}`,
        requestApprovedEmail(after.request, inRound(after), registered, links),
        sent,
      );
      await tellApproversWhoDecided(runtime, after, end.round, 'APPROVED');
    } else if (after.request.status === 'REJECTED') {
      // A rejected existing contract is still live: it stays in the register, non-compliant.
      await listAsNonCompliant(runtime, after, `rejected in round ${end.round}`);
      await sendRecordedEmail(
        runtime,
        request.requestId,
        end.round,
        `REJECTED:${end.round}`,
        requestRejectedEmail(after.request, after.request.rejectionReasons ?? [], links),
        sent,
      );
      for (const closed of inRound(after).filter((a) => a.status === 'CLOSED')) {
        const why = `The offshoring request ${after.request.requestId} for ${after.request.request.serviceName} was rejected by another approver.`;
        await sendRecordedEmail(
          runtime,
          request.requestId,
          end.round,
          `CLOSED:${closed.approvalId}`,
          roundClosedEmail(after.request, closed, why),
          sent,
        );
      }
      await tellApproversWhoDecided(runtime, after, end.round, 'REJECTED');
    }
    logger.info('Approval round concluded', { requestId: end.requestId, round: end.round, status: after.request.status });
    return { status: after.request.status, concluded: !settled };
  }

  /**
   * An exemption's round ended (Offshoring Policy, Compliance): approved, it is in force until its
   * end date (listed, and watched by monitoring); rejected, the requester hears every reason.
   */
  async function concludeExemption(view: ExemptionView, round: number): Promise<void> {
    const { request: exemption, audit: sent } = view;
    const page = exemptionPageLink(runtime.publicBaseUrl, exemption.requestId);
    if (exemption.status === 'APPROVED') {
      const approvedAt = view.audit.findLast((e) => e.type === 'REQUEST_APPROVED')?.at ?? clock().toISOString();
      await store.recordExemptionInForce(exemption, approvedAt);
      await sendRecordedEmail(runtime, exemption.requestId, round, `APPROVED:${round}`, exemptionApprovedEmail(exemption, inRound(view), page), sent);
      await tellApproversWhoDecided(runtime, view, round, 'APPROVED');
    } else if (exemption.status === 'REJECTED') {
      await store.recordExemptionRejected(exemption.requestId);
      const reasons = exemption.rejectionReasons ?? [];
      await sendRecordedEmail(runtime, exemption.requestId, round, `REJECTED:${round}`, exemptionRejectedEmail(exemption, reasons, page), sent);
      for (const closed of inRound(view).filter((a) => a.status === 'CLOSED')) {
        await sendRecordedEmail(runtime, exemption.requestId, round, `CLOSED:${closed.approvalId}`, exemptionClosedEmail(exemption, closed), sent);
      }
      await tellApproversWhoDecided(runtime, view, round, 'REJECTED');
    }
  }

  /** Concludes the round; the outcome is counted once, by the call that moved the request. */
  return async (end: RoundEnd): Promise<{ status: string }> => {
    const { status, concluded } = await conclude(end);
    if (concluded) count(`Round${end.outcome.charAt(0)}${end.outcome.slice(1).toLowerCase()}`);
    return { status };
  };
}

/** The register entry this round's approval made, as its audit event recorded it. */
function registeredIn(view: RequestView, round: number): { serviceId: string; reviewDue: string } | undefined {
  const event = view.audit.find((e) => e.type === 'SERVICE_REGISTERED' && e.round === round);
  return event?.type === 'SERVICE_REGISTERED' ? { serviceId: event.details.serviceId, reviewDue: event.details.reviewDue } : undefined;
}

/**
 * Approvers who decided in the round (approved or rejected) hear how it ended, each once (keyed in
 * the audit trail by outcome and approval): those still waiting were told the round closed instead.
 */
export async function tellApproversWhoDecided(runtime: Runtime, view: CaseView, round: number, outcome: RoundOutcome): Promise<void> {
  const decided = view.approvals.filter((a) => a.round === round && a.kind === 'APPROVAL' && (a.status === 'APPROVED' || a.status === 'REJECTED'));
  for (const approval of decided) {
    await sendRecordedEmail(
      runtime,
      view.request.requestId,
      round,
      `OUTCOME:${outcome}:${approval.approvalId}`,
      isExemptionView(view) ? exemptionOutcomeEmail(view.request, approval, outcome) : roundOutcomeEmail(view.request, approval, outcome),
      view.audit,
    );
  }
}
