import * as z from 'zod';
import { approvalRoundAfterBreach, reviewDue, reviewStatus } from './offshoring-policy.ts';
import { typedText } from './request.ts';
import type { Runtime } from '../platform/runtime.ts';
import type { RequestView } from '../store/requests.ts';
import { COMPLIANCE_STATUSES, SYSTEM, type Actor, type ComplianceStatus, type RegisterEntry } from '../store/records.ts';
import { ownerSubjectOf } from '../web/identity.ts';
import { Conflict } from '../web/errors.ts';
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

/** Records a review (Process 4: continual monitoring and improvement): the next review falls due from today. */
export async function recordReview(runtime: Runtime, entry: RegisterEntry, review: { notes: string; actor: Actor }): Promise<RegisterEntry> {
  const now = runtime.clock();
  const next: RegisterEntry = {
    ...entry,
    version: entry.version + 1,
    lastReviewedAt: now.toISOString(),
    reviewDue: reviewDue(entry, now),
    dueSoonNotifiedFor: undefined,
  };
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
        reason: `Reviewed by ${review.actor.email ?? review.actor.name}: ${review.notes}`,
        replaces: entry.version,
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

/** A review as the security team records it (Process 4), through the API or the service's page. */
export const ReviewSchema = z.strictObject({
  notes: typedText(z.string().trim().min(1, 'say what the review found').max(5000, 'must be at most 5000 characters')),
});

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
