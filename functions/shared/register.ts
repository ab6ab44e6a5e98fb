import { reviewDue } from './policy/offshoring-policy.ts';
import type { Runtime } from './runtime.ts';
import type { RequestView } from './store/request-store.ts';
import { SYSTEM } from './store/records.ts';

/**
 * The offshore service register: every approved request becomes (or updates) an entry, which
 * continual monitoring reviews (Offshoring Policy, Process 4). Entries are versioned: each approval
 * writes a new version and moves the entry's current pointer.
 */
export async function registerApprovedService(runtime: Runtime, view: RequestView): Promise<void> {
  const { request } = view;
  const serviceId = request.requestId;
  const approvedAt = runtime.clock();
  const entry = {
    serviceId,
    requestId: request.requestId,
    round: request.round,
    serviceName: request.request.serviceName,
    supplierName: request.request.supplierName,
    changeType: request.request.changeType,
    businessAreas: request.request.businessAreas,
    offshoreLocations: request.request.offshoreLocations,
    dataClassification: request.request.dataClassification,
    dataCategories: request.request.dataCategories,
    serviceOwner: request.request.serviceOwner,
    approvals: view.approvals
      .filter((a) => a.round === request.round && a.kind === 'APPROVAL')
      .map(({ role, name, email, decidedAt }) => ({ role, name, email, decidedAt })),
    approvedAt: approvedAt.toISOString(),
    reviewDue: reviewDue(request.request, approvedAt),
  };
  const version = `VERSION#${String(request.round).padStart(3, '0')}#${request.requestId}`;
  await runtime.store.write([
    // Idempotent for a retried conclusion: the same request round writes the same version.
    { Put: { TableName: runtime.tableName, Item: { pk: `SERVICE#${serviceId}`, sk: version, entity: 'SERVICE_VERSION', ...entry } } },
    { Put: { TableName: runtime.tableName, Item: { pk: `SERVICE#${serviceId}`, sk: 'SERVICE', entity: 'SERVICE', ...entry, currentVersion: version } } },
    runtime.store.auditPut(request.requestId, {
      eventId: runtime.ids.eventId(),
      at: approvedAt.toISOString(),
      type: 'SERVICE_REGISTERED',
      actor: SYSTEM,
      round: request.round,
      details: { serviceId, reviewDue: entry.reviewDue },
    }),
  ]);
}
