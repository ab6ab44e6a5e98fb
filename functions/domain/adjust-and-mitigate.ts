import type * as z from 'zod';
import type { Runtime } from '#platform/runtime';
import { actorOf, type Caller } from '#web/identity';
import type { OffshoringRequest } from './request.ts';
import { checkServiceReference } from './request-checks.ts';
import { type MitigationsSchema, assertSameServiceOwner, beginNewRound, loadRejected } from './rejection-routes.ts';

/**
 * Offshoring Policy, Process 3(a) and 3(c), as one use case each: the JSON API and the pages both
 * call these, so a round started from either is started the same way.
 */

/** Process 3(a): the service owner adjusts the plans (an already validated request) and every required approver is asked again. */
export async function resubmitAdjustedRequest(runtime: Runtime, caller: Caller, requestId: string, adjusted: OffshoringRequest) {
  const view = await loadRejected(runtime, requestId, caller);
  assertSameServiceOwner(view.request, adjusted);
  const serviceBeforeChange = await checkServiceReference(runtime, adjusted, caller);
  return beginNewRound(runtime, {
    view,
    event: 'ADJUST_PLANS',
    request: adjusted,
    serviceBeforeChange,
    actor: actorOf(caller),
    audit: { type: 'REQUEST_RESUBMITTED', details: { previousRound: view.request.round } },
  });
}

/** Process 3(c): additional mitigations are added to the earlier ones; alternative ones replace them. */
export async function provideMitigations(runtime: Runtime, caller: Caller, requestId: string, body: z.infer<typeof MitigationsSchema>) {
  const view = await loadRejected(runtime, requestId, caller);
  const { mitigations, replaceExisting } = body;
  const previous = view.request.request.mitigations;
  return beginNewRound(runtime, {
    view,
    event: 'PROVIDE_MITIGATIONS',
    request: { ...view.request.request, mitigations: replaceExisting ? mitigations : [...previous, ...mitigations] },
    actor: actorOf(caller),
    audit: { type: 'MITIGATIONS_PROVIDED', details: { previousRound: view.request.round, mitigations, replaceExisting } },
  });
}
