import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { keys } from '../store/keys.ts';
import { reviewDue, reviewStatus } from './offshoring-policy.ts';
import type { Runtime } from '../platform/runtime.ts';
import type { RequestView } from '../store/request-store.ts';
import { SYSTEM, type Actor } from '../store/records.ts';
import { OffshoreLocationSchema, PersonSchema } from './request.ts';
import { ownerSubjectOf } from '../web/identity.ts';
import { Conflict } from '../web/errors.ts';
import { orConflict } from './races.ts';

/**
 * The offshore service register: every approved request becomes (or, for a CHANGE naming its
 * serviceId, updates) an entry, which continual monitoring reviews (Offshoring Policy, Process 4).
 * Each approval or review writes a version; the entry holds the current one.
 */
export const RegisterEntrySchema = z.object({
  serviceId: z.string(),
  version: z.number().int().positive(),
  requestId: z.string(),
  round: z.number().int(),
  serviceName: z.string(),
  supplierName: z.string(),
  changeType: z.string(),
  businessAreas: z.array(z.string()),
  offshoreLocations: z.array(z.object(OffshoreLocationSchema.shape)),
  dataClassification: z.enum(['OFFICIAL', 'OFFICIAL-SENSITIVE']),
  dataCategories: z.array(z.enum(['PERSONAL', 'FINANCIAL', 'LEGAL', 'OTHER'])),
  serviceOwner: z.object(PersonSchema.shape),
  /** The owner's identity-provider subject, from the approved request (functions/web/identity.ts). */
  serviceOwnerSubject: z.string().optional(),
  approvals: z.array(z.object({ role: z.string(), name: z.string(), email: z.string(), decidedAt: z.string().optional() })),
  approvedAt: z.string(),
  reviewDue: z.string(),
  lastReviewedAt: z.string().optional(),
  /** The review date the owner was last told about, so they are told once per review. */
  dueSoonNotifiedFor: z.string().optional(),
});
export type RegisterEntry = z.infer<typeof RegisterEntrySchema>;

/** The service id a request's approval registers under: its named service for a CHANGE, else derived from the request. */
export function serviceIdFor(view: RequestView): string {
  return view.request.request.serviceId ?? `SVC-${view.request.requestId.replace(/^OFF-/, '')}`;
}

export async function getRegisterEntry(runtime: Runtime, serviceId: string): Promise<RegisterEntry | undefined> {
  const { Item } = await runtime.clients.documents.send(new GetCommand({ TableName: runtime.tableName, Key: keys.service(serviceId), ConsistentRead: true }));
  return Item ? RegisterEntrySchema.parse(Item) : undefined;
}

/** The register entry as a table item, with its list and review-due index keys. */
export function registerEntryItem(entry: RegisterEntry) {
  return { ...keys.service(entry.serviceId), ...keys.serviceList(entry.serviceName, entry.serviceId), ...keys.reviewDue(entry.reviewDue, entry.serviceId), entity: 'SERVICE', ...entry };
}

function versionItem(entry: RegisterEntry, reason: string) {
  return { pk: keys.service(entry.serviceId).pk, sk: `VERSION#${String(entry.version).padStart(4, '0')}`, entity: 'SERVICE_VERSION', reason, ...entry };
}

export async function registerApprovedService(runtime: Runtime, view: RequestView): Promise<RegisterEntry> {
  const { request } = view;
  const serviceId = serviceIdFor(view);
  const previous = await getRegisterEntry(runtime, serviceId);
  const approvedAt = runtime.clock();
  const r = request.request;
  const ownerSubject = ownerSubjectOf(request);
  const entry: RegisterEntry = {
    serviceId,
    version: (previous?.version ?? 0) + 1,
    requestId: request.requestId,
    round: request.round,
    serviceName: r.serviceName,
    supplierName: r.supplierName,
    changeType: r.changeType,
    businessAreas: r.businessAreas,
    offshoreLocations: r.offshoreLocations,
    dataClassification: r.dataClassification,
    dataCategories: r.dataCategories,
    serviceOwner: r.serviceOwner,
    ...(ownerSubject ? { serviceOwnerSubject: ownerSubject } : {}),
    approvals: view.approvals
      .filter((a) => a.round === request.round && a.kind === 'APPROVAL')
      .map(({ role, name, email, decidedAt }) => ({ role, name, email, ...(decidedAt ? { decidedAt } : {}) })),
    approvedAt: approvedAt.toISOString(),
    reviewDue: reviewDue(r, approvedAt),
  };
  await runtime.store.write([
    // The version is new (conditional), so a retried conclusion cannot write a version twice.
    { Put: { TableName: runtime.tableName, Item: versionItem(entry, `Approved request ${request.requestId} round ${request.round}`), ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: runtime.tableName, Item: registerEntryItem(entry) } },
    runtime.store.auditPut(request.requestId, {
      eventId: runtime.ids.eventId(),
      at: entry.approvedAt,
      type: 'SERVICE_REGISTERED',
      actor: SYSTEM,
      round: request.round,
      details: { serviceId, version: entry.version, reviewDue: entry.reviewDue, updated: !!previous },
    }),
  ]);
  return entry;
}

/** Records a review (Process 4: continual monitoring and improvement): the next review falls due from today. */
export async function recordReview(runtime: Runtime, entry: RegisterEntry, review: { notes: string; actor: Actor }): Promise<RegisterEntry> {
  const now = runtime.clock();
  const next: RegisterEntry = { ...entry, version: entry.version + 1, lastReviewedAt: now.toISOString(), reviewDue: reviewDue(entry, now), dueSoonNotifiedFor: undefined };
  const reviewedFirst = async () => {
    const now = await getRegisterEntry(runtime, entry.serviceId);
    return new Conflict(`Another review of ${entry.serviceId} was recorded first (version ${now?.version}, next review due ${now?.reviewDue})`, {
      serviceId: entry.serviceId,
      version: now?.version,
      reviewDue: now?.reviewDue,
    });
  };
  await orConflict(() => runtime.store.write([
    { Put: { TableName: runtime.tableName, Item: versionItem(next, `Reviewed by ${review.actor.email ?? review.actor.name}: ${review.notes}`), ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      Put: {
        TableName: runtime.tableName,
        Item: registerEntryItem(next),
        // Optimistic lock: two reviews at once cannot both move the date.
        ConditionExpression: 'version = :seen',
        ExpressionAttributeValues: { ':seen': entry.version },
      },
    },
  ]), reviewedFirst);
  return next;
}

export interface ServiceFilter {
  businessArea?: string;
  country?: string;
  reviewStatus?: 'OVERDUE' | 'DUE_SOON' | 'OK';
}

/** GET /services: the register by name, filtered. Reads the register index page by page. */
export async function listRegister(runtime: Runtime, filter: ServiceFilter) {
  const today = runtime.clock().toISOString().slice(0, 10);
  const services: (RegisterEntry & { reviewStatus: string })[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await runtime.clients.documents.send(
      new QueryCommand({ TableName: runtime.tableName, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': 'SERVICE' }, ExclusiveStartKey }),
    );
    for (const item of page.Items ?? []) {
      const entry = RegisterEntrySchema.parse(item);
      const status = reviewStatus(entry.reviewDue, today);
      if (filter.businessArea && !entry.businessAreas.includes(filter.businessArea)) continue;
      if (filter.country && !entry.offshoreLocations.some((l) => l.country === filter.country)) continue;
      if (filter.reviewStatus && status !== filter.reviewStatus) continue;
      services.push({ ...entry, reviewStatus: status });
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return services;
}

export async function registerHistory(runtime: Runtime, serviceId: string) {
  const { Items } = await runtime.clients.documents.send(
    new QueryCommand({ TableName: runtime.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)', ExpressionAttributeValues: { ':pk': keys.service(serviceId).pk, ':v': 'VERSION#' }, ConsistentRead: true }),
  );
  return (Items ?? []).map((item) => ({ ...RegisterEntrySchema.parse(item), reason: String(item.reason ?? '') }));
}
