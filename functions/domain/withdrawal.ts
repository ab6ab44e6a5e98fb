import * as z from 'zod';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { logger } from '#platform/observability';
import { requireStateMachineArn, type Runtime } from '#platform/runtime';
import { actorOf, assertOwner, type Caller } from '#web/identity';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '#web/errors';
import type { Actor } from '#store/records';
import { isExemptionView, type CaseView } from '#store/exemptions';
import { requestWithdrawnEmail, roundClosedEmail } from '#email/templates';
import { exemptionClosedEmail } from '#email/exemption-templates';
import { sendRecordedEmail } from '#email/send';
import { tellApproversWhoDecided } from './round-conclusion.ts';
import { listAsNonCompliant } from './existing-contracts.ts';
import { toFieldErrors, typedText } from './request.ts';
import { executionArn, executionName } from './workflow.ts';
import { requestPageLinks } from './links.ts';
import { orConflict, requestChangedFirst } from './races.ts';

/** Withdrawal: a service owner ends a request that is still open (functions/domain/lifecycle.ts, WITHDRAW). */

export const WithdrawalSchema = z.strictObject({ reason: typedText(z.string().trim().max(2000, 'must be at most 2000 characters')).optional() });

export type Withdrawal = z.infer<typeof WithdrawalSchema>;

/**
 * A withdrawal as the API takes it: no body at all means no reason given. A JSON body must be the
 * object: `""` or `null` is refused, never read as "no body". 400 with field paths otherwise.
 */
export function withdrawalOf(body: unknown, contentType: string | undefined): Withdrawal {
  const sentJson = /json/i.test(contentType ?? '');
  const noBody = body === undefined || (body === '' && !sentJson);
  const parsed = WithdrawalSchema.safeParse(noBody ? {} : body);
  if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
  return parsed.data;
}

/**
 * The service owner withdraws the request. The table changes first (so any decision still in flight
 * is refused with 410), then the execution is stopped and the approvers still waiting are told they
 * need do nothing.
 */
export function withdrawOffshoringRequest(runtime: Runtime) {
  const { store, clock, ids } = runtime;
  /**
   * `kind` is what the route names: an exemption (Offshoring Policy, Compliance) is withdrawn the
   * same way, by the person who asked for it (known by their subject), while its approvals wait.
   */
  return async (caller: Caller, requestId: string, withdrawal: Withdrawal, kind: 'REQUEST' | 'EXEMPTION' = 'REQUEST') => {
    const found: CaseView | undefined = kind === 'EXEMPTION' ? await store.getCaseView(requestId) : await store.getRequestView(requestId);
    const view = found && (kind === 'EXEMPTION') === isExemptionView(found) ? found : undefined;
    if (!view) throw new NotFound(kind === 'EXEMPTION' ? `No exemption ${requestId}` : `No offshoring request ${requestId}`, { requestId });
    const { request } = view;
    if (isExemptionView(view)) {
      if (view.request.submittedBy.sub !== caller.sub)
        throw new Forbidden(`Only the person who asked for ${requestId} may withdraw it`, { requestId });
      // An exemption has no rejection routes: once decided, its outcome is the record the governance report keeps.
      if (view.request.status !== 'PENDING_APPROVAL') {
        throw new Conflict(`Exemption ${requestId} is no longer waiting for its approvals, so it can no longer be withdrawn`, {
          requestId,
          status: view.request.status,
        });
      }
    } else await assertOwner(runtime, caller, view.request);
    const decided = decisionTakingEffect(view);
    if (decided)
      throw new Conflict(`Request ${requestId} can no longer be withdrawn: ${decided}`, { requestId, status: request.status, round: request.round });
    const at = clock().toISOString();
    const waiting = view.approvals.filter((a) => a.round === request.round && a.status === 'PENDING');
    const actor: Actor = actorOf(caller);
    // The lifecycle refuses a request that can no longer be withdrawn (409 with its status).
    const withdrawn = await orConflict(
      () =>
        store.transition(
          request,
          'WITHDRAW',
          { reason: withdrawal.reason ? `Withdrawn: ${withdrawal.reason}` : 'Withdrawn by the service owner', at },
          {
            eventId: ids.eventId(),
            at,
            type: 'REQUEST_WITHDRAWN',
            actor,
            round: request.round,
            details: { reason: withdrawal.reason ?? null, previousStatus: request.status },
          },
          { close: waiting },
        ),
      requestChangedFirst(runtime, requestId, 'it was being withdrawn'),
    );

    // A query is read-committed: read while the round's own transaction was being written, it may have
    // shown only some of the round's approvals. Those it missed are closed now (the round is withdrawn).
    const missed = ((await store.getCaseView(requestId))?.approvals ?? []).filter(
      (a) => a.round === request.round && a.status === 'PENDING' && !waiting.some((w) => w.approvalId === a.approvalId),
    );
    const closedLate = (await store.closeWaitingApprovals(missed, at)).map((key) => missed.find((a) => a.approvalId === key.approvalId)!);
    const told = [...waiting, ...closedLate];

    // A withdrawn existing contract is still live: it stays in the register, non-compliant. The
    // withdrawal stands whatever happens here; monitoring's register shows what was listed.
    if (!isExemptionView(view))
      await listAsNonCompliant(runtime, view, 'withdrawn').catch((error: Error) =>
        logger.error('Could not list the withdrawn existing contract as non-compliant', { requestId, error }),
      );

    if (request.status === 'PENDING_APPROVAL') {
      const arn = executionArn(requireStateMachineArn(runtime), executionName(requestId, request.round));
      try {
        await runtime.clients.stepFunctions.send(
          new StopExecutionCommand({ executionArn: arn, error: 'RequestWithdrawn', cause: 'Withdrawn by the service owner' }),
        );
      } catch (error) {
        // Already finished or never started: the table says WITHDRAWN, and every later step defers to it.
        logger.warn('Could not stop the approval execution', { requestId, error: error as Error });
      }
    }
    for (const approval of told) {
      const email = isExemptionView(view)
        ? exemptionClosedEmail(view.request, approval, `The person who asked for the exemption ${requestId} withdrew it.`)
        : roundClosedEmail(
            view.request,
            approval,
            `The service owner withdrew the offshoring request ${requestId} for ${view.request.request.serviceName}.`,
          );
      await sendRecordedEmail(runtime, requestId, request.round, `WITHDRAWN:${approval.approvalId}`, email);
    }
    // Those who already decided in the round hear that it was withdrawn.
    const after = await store.getCaseView(requestId);
    if (after) await tellApproversWhoDecided(runtime, after, request.round, 'WITHDRAWN');
    // Those told of the request at its submission (its contract manager and other interested parties) hear of its end.
    if (after && !isExemptionView(after)) {
      const links = requestPageLinks(runtime.publicBaseUrl, requestId);
      await sendRecordedEmail(
        runtime,
        requestId,
        request.round,
        `WITHDRAWN:${request.round}`,
        requestWithdrawnEmail(after.request, withdrawal.reason, links),
        after.audit,
      );
    }
    return {
      requestId,
      status: withdrawn.status,
      round: request.round,
      approversTold: told.map(({ role, name, email }) => ({ role, name, email })),
    };
  };
}

/**
 * A decision that has already ended what a withdrawal would stop, and is taking effect: every
 * approval of the round recorded (the round is being concluded: approved), or the Departmental
 * Head's decision on the escalation recorded (the new round or the closure is being made). The
 * decision came first, so it wins and the withdrawal is refused. Undefined when nothing was decided.
 */
export function decisionTakingEffect({ request, approvals }: CaseView): string | undefined {
  const round = approvals.filter((a) => a.round === request.round);
  if (request.status === 'PENDING_APPROVAL') {
    const asked = round.filter((a) => a.kind === 'APPROVAL');
    if (asked.length === request.requiredApprovers.length && asked.every((a) => a.status === 'APPROVED')) {
      return `every approval of round ${request.round} is recorded, and it is being approved`;
    }
  }
  if (request.status === 'ESCALATED') {
    const endorsement = round.find((a) => a.kind === 'ENDORSEMENT');
    if (endorsement && (endorsement.status === 'APPROVED' || endorsement.status === 'REJECTED')) {
      return `the ${endorsement.businessArea} Departmental Head has ${endorsement.status === 'APPROVED' ? 'endorsed it, and a new round of approvals is starting' : 'declined to endorse it, and it is being closed'}`;
    }
  }
  return undefined;
}
