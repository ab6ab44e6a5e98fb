import * as z from 'zod';
import { MAX_REVIEW_ACTIONS, REVIEW_OUTCOMES, approvalRoundAfterBreach, reviewDue, reviewStatus } from './offshoring-policy.ts';
import { IsoDateSchema, text, typedText } from './request.ts';
import type { Runtime } from '../platform/runtime.ts';
import type { RequestView } from '../store/requests.ts';
import { COMPLIANCE_STATUSES, SYSTEM, type Actor, type ComplianceStatus, type RegisterEntry } from '../store/records.ts';
import { ownerSubjectOf } from '../web/identity.ts';
import { Conflict, ValidationFailed } from '../web/errors.ts';
import { orConflict } from './races.ts';

/**
 * The offshore service register: every approved request becomes (or, for a CHANGE naming its
 * serviceId, updates) an entry, which continual monitoring reviews (Offshoring Policy, Process 4).
 * Each approval or review writes a version; the entry holds the current one.
 */

/** What a register entry says of the service, from the request that lists it (approved, or an existing contract). */
export function serviceFacts(record: RequestView['request']) {
  const r = record.request;
  const ownerSubject = ownerSubjectOf(record);
  return {
    serviceName: r.serviceName,
    supplierName: r.supplierName,
    changeType: r.changeType,
    businessAreas: r.businessAreas,
    offshoreLocations: r.offshoreLocations,
    dataClassification: r.dataClassification,
    dataCategories: r.dataCategories,
    serviceOwner: r.serviceOwner,
    ...(r.businessCriticality ? { businessCriticality: r.businessCriticality } : {}),
    ...(ownerSubject ? { serviceOwnerSubject: ownerSubject } : {}),
  } satisfies Partial<RegisterEntry>;
}

/** The service id a request's approval registers under: its named service for a CHANGE, else derived from the request. */
export function serviceIdFor(view: Pick<RequestView, 'request'>): string {
  return view.request.request.serviceId ?? `SVC-${view.request.requestId.replace(/^OFF-/, '')}`;
}

export async function getRegisterEntry(runtime: Pick<Runtime, 'store'>, serviceId: string): Promise<RegisterEntry | undefined> {
  return runtime.store.register.getEntry(serviceId);
}

export async function registerApprovedService(runtime: Runtime, view: RequestView): Promise<RegisterEntry> {
  const { request } = view;
  const serviceId = serviceIdFor(view);
  const previous = await getRegisterEntry(runtime, serviceId);
  const approvedAt = runtime.clock();
  const r = request.request;
  const round = view.approvals.filter((a) => a.round === request.round && a.kind === 'APPROVAL');
  const roundStartedAt = round.map((a) => a.createdAt).sort()[0] ?? request.updatedAt;
  // A breach's flag stays, and its approval is still due, unless this is the new round it called for.
  const afterBreach = previous?.approvalAfterBreach;
  const entry: RegisterEntry = {
    serviceId,
    version: (previous?.version ?? 0) + 1,
    requestId: request.requestId,
    round: request.round,
    ...serviceFacts(request),
    approvals: round.map(({ role, name, email, decidedAt }) => ({ role, name, email, ...(decidedAt ? { decidedAt } : {}) })),
    approvedAt: approvedAt.toISOString(),
    reviewDue: reviewDue(r, approvedAt),
    ...(previous?.incidents ? { incidents: previous.incidents } : {}),
    // A review's open actions are about the service, not the request: an approval leaves them open.
    ...(previous?.reviewActions?.length ? { reviewActions: previous.reviewActions } : {}),
    ...(afterBreach && !approvalRoundAfterBreach(afterBreach, { changeType: r.changeType, roundStartedAt })
      ? { approvalAfterBreach: afterBreach }
      : {}),
  };
  // The version is new (conditional), so a retried conclusion cannot write a version twice.
  await runtime.store.register.putRegisterVersion(entry, {
    reason: `Approved request ${request.requestId} round ${request.round}`,
    audit: {
      requestId: request.requestId,
      event: {
        eventId: runtime.ids.eventId(),
        at: approvedAt.toISOString(),
        type: 'SERVICE_REGISTERED',
        actor: SYSTEM,
        round: request.round,
        details: { serviceId, version: entry.version, reviewDue: entry.reviewDue, updated: !!previous },
      },
    },
  });
  return entry;
}

/**
 * Records a review (Process 4: continual monitoring and improvement): the next review falls due from
 * today. A review needing actions makes its actions the service's open ones (it says what is still
 * needed); a satisfactory review closes any still open.
 */
export async function recordReview(runtime: Runtime, entry: RegisterEntry, review: { review: Review; actor: Actor }): Promise<RegisterEntry> {
  const now = runtime.clock();
  const { outcome, notes, actions } = review.review;
  const past = (actions ?? []).flatMap((a, i) =>
    a.dueBy < now.toISOString().slice(0, 10) ? [{ path: `actions.${i}.dueBy`, message: 'must be today or later' }] : [],
  );
  if (past.length) throw new ValidationFailed(past);
  const { reviewActions: _closed, ...rest } = entry;
  const next: RegisterEntry = {
    ...rest,
    version: entry.version + 1,
    lastReviewedAt: now.toISOString(),
    // An entry whose request did not say it has its existing contract's, the same answer.
    reviewDue: reviewDue({ ...entry, businessCriticality: entry.businessCriticality ?? entry.existingContract?.criticality }, now),
    dueSoonNotifiedFor: undefined,
    ...(outcome === 'ACTIONS_NEEDED' && actions?.length ? { reviewActions: actions } : {}),
  };
  const reviewedBy = review.actor.email ?? review.actor.name ?? 'unknown';
  const reviewedFirst = async () => {
    const now = await getRegisterEntry(runtime, entry.serviceId);
    return new Conflict(`Another review of ${entry.serviceId} was recorded first (version ${now?.version}, next review due ${now?.reviewDue})`, {
      serviceId: entry.serviceId,
      version: now?.version,
      reviewDue: now?.reviewDue,
    });
  };
  // Optimistic lock: two reviews at once cannot both move the date.
  await orConflict(
    () =>
      runtime.store.register.putRegisterVersion(next, {
        reason: `Reviewed by ${reviewedBy}: ${notes}`,
        replaces: entry.version,
        review: { outcome, notes, ...(actions?.length ? { actions } : {}), reviewedBy, reviewedAt: now.toISOString() },
      }),
    reviewedFirst,
  );
  return next;
}

/** How the register is filtered, by the API's query and the register page's filter alike. */
export const ServiceFilterSchema = z.strictObject({
  businessArea: z.string().trim().toUpperCase().optional(),
  country: z.string().trim().toUpperCase().length(2, 'must be an ISO 3166-1 alpha-2 code').optional(),
  reviewStatus: z.enum(['OVERDUE', 'DUE_SOON', 'OK']).optional(),
  compliance: z.enum(COMPLIANCE_STATUSES).optional(),
});

/** Where an entry stands against the policy: an entry written by an approval is compliant. */
export const complianceOf = (entry: Pick<RegisterEntry, 'compliance'>): ComplianceStatus => entry.compliance ?? 'COMPLIANT';
export type ServiceFilter = z.infer<typeof ServiceFilterSchema>;

/** An improvement a review asks for, and the date it is due by (today or later). */
export const ReviewActionInputSchema = z.strictObject({
  what: text(1000),
  dueBy: IsoDateSchema,
});

/**
 * A review as the security team records it (Process 4), through the API or the service's page: what
 * it found, its outcome, and for ACTIONS_NEEDED the actions (1 to 20), each due by a date.
 */
export const ReviewSchema = z
  .strictObject({
    outcome: z.enum(REVIEW_OUTCOMES, 'choose whether the service is satisfactory or needs actions'),
    notes: typedText(z.string().trim().min(1, 'say what the review found').max(5000, 'must be at most 5000 characters')),
    actions: z
      .array(ReviewActionInputSchema, 'must be a list of actions')
      .min(1, 'name at least one action')
      .max(MAX_REVIEW_ACTIONS, `must be at most ${MAX_REVIEW_ACTIONS} actions`)
      .optional(),
  })
  .superRefine((review, ctx) => {
    if (review.outcome === 'ACTIONS_NEEDED' && !review.actions)
      ctx.addIssue({ code: 'custom', path: ['actions'], message: 'name at least one action, with the date it is due by' });
    if (review.outcome === 'SATISFACTORY' && review.actions)
      ctx.addIssue({ code: 'custom', path: ['actions'], message: 'are only for a review that needs actions' });
  });
export type Review = z.infer<typeof ReviewSchema>;

/** GET /services: the register by name, filtered. Reads the register index page by page. */
export async function listRegister(runtime: Runtime, filter: ServiceFilter) {
  const today = runtime.clock().toISOString().slice(0, 10);
  const services: (RegisterEntry & { reviewStatus: string; compliance: ComplianceStatus })[] = [];
  for (const entry of await runtime.store.register.listEntries()) {
    const status = reviewStatus(entry.reviewDue, today);
    if (filter.businessArea && !entry.businessAreas.includes(filter.businessArea)) continue;
    if (filter.country && !entry.offshoreLocations.some((l) => l.country === filter.country)) continue;
    if (filter.reviewStatus && status !== filter.reviewStatus) continue;
    if (filter.compliance && complianceOf(entry) !== filter.compliance) continue;
    services.push({ ...entry, reviewStatus: status, compliance: complianceOf(entry) });
  }
  return services;
}

export async function registerHistory(runtime: Runtime, serviceId: string) {
  return runtime.store.register.history(serviceId);
}
