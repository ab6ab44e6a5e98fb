import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { registerEntryItem } from '../../functions/store/register.ts';
import type { IncidentRecord, RegisterEntry } from '../../functions/store/records.ts';
import { governanceReportRead } from '../../functions/domain/governance-report.ts';

/**
 * The governance report reads what its year needs: that year's approvals and incidents, and the
 * register entries its incidents name, never the whole register; entries stored before they
 * carried the approval-year key are still reported. On the local stack's table; the clock is injected.
 */
let stack: LocalStack;
const AREAS = ['HMCTS', 'HMPPS', 'LAA'];

const entry = (n: number, approvedAt: string | undefined): RegisterEntry => ({
  serviceId: `SVC-GOV${n}`,
  version: 1,
  requestId: `OFF-GOV${n}`,
  round: 1,
  serviceName: `Service ${n}`,
  supplierName: `Supplier ${n}`,
  changeType: 'NEW',
  businessAreas: [AREAS[n % AREAS.length]!],
  offshoreLocations: [{ country: 'IE', activities: ['HOSTING'] }],
  dataClassification: 'OFFICIAL',
  dataCategories: ['OTHER'],
  serviceOwner: { name: `Owner ${n}`, email: `owner${n}@justice.gov.uk` },
  approvals: [],
  ...(approvedAt ? { approvedAt } : {}),
  reviewDue: '2027-09-01',
});

const incident = (id: string, reportedAt: string, serviceId?: string): IncidentRecord => ({
  incidentId: id,
  kind: 'SECURITY_INCIDENT',
  ...(serviceId ? { serviceId, serviceName: 'A service' } : {}),
  description: 'Supplier laptop lost',
  discoveredAt: reportedAt.slice(0, 10),
  reporter: { name: 'Priya Shah', email: 'priya.shah@justice.gov.uk' },
  reportedBy: { kind: 'SECURITY_TEAM', email: 'priya.shah@justice.gov.uk' },
  reportedAt,
  status: 'CLOSED',
  updates: [],
  notifications: [],
  version: 1,
});

const put = (item: Record<string, unknown>) => stack.runtime.clients.documents.send(new PutCommand({ TableName: stack.tableName, Item: item }));

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, sesPort: 0, identityProviderPort: 0, runtime: { clock: () => new Date('2027-01-15T09:00:00Z') } });
  // Ten services approved in 2025, three in 2026, one existing contract never approved.
  for (let n = 0; n < 10; n++) await put(registerEntryItem(entry(n, `2025-0${1 + (n % 9)}-10T10:00:00.000Z`)));
  for (let n = 10; n < 13; n++) await put(registerEntryItem(entry(n, `2026-03-1${n - 10}T10:00:00.000Z`)));
  await put(registerEntryItem(entry(13, undefined)));
  // Approved in 2026 but stored as entries were before they carried the approval-year key.
  const { gsi2pk, gsi2sk, ...older }: Record<string, unknown> = registerEntryItem(entry(14, '2026-07-01T10:00:00.000Z'));
  expect([gsi2pk, gsi2sk]).toEqual(['APPROVED_IN#2026', '2026-07-01T10:00:00.000Z#SVC-GOV14']);
  await put(older);
  // 2026's incident names a service approved in 2025; 2025's are not the year's.
  await stack.runtime.store.incidents.create(incident('INC-2026A', '2026-05-02T08:00:00.000Z', 'SVC-GOV4'));
  await stack.runtime.store.incidents.create(incident('INC-2026B', '2026-06-02T08:00:00.000Z'));
  for (let n = 0; n < 5; n++) await stack.runtime.store.incidents.create(incident(`INC-2025${n}`, `2025-05-0${n + 1}T08:00:00.000Z`, 'SVC-GOV1'));
});

afterAll(async () => {
  await stack?.close();
});

const references = (report: Awaited<ReturnType<typeof governanceReportRead>>['report'], kind: string) =>
  report.areas.flatMap((a) => a.items.filter((i) => i.kind === kind).map((i) => `${a.businessArea} ${i.reference}`)).sort();

describe('the governance report’s reads', () => {
  it('reports the year’s approvals, those stored before the approval-year key too, and its incidents under the areas of the services they name', async () => {
    const { report } = await governanceReportRead(stack.runtime, 2026);
    expect(references(report, 'APPROVAL')).toEqual(['HMCTS OFF-GOV12', 'HMPPS OFF-GOV10', 'LAA OFF-GOV11', 'LAA OFF-GOV14'].sort());
    expect(references(report, 'INCIDENT')).toEqual(['HMPPS INC-2026A', 'MOJ_WIDE INC-2026B']);
    const keyed = await stack.runtime.clients.documents.send(
      new GetCommand({ TableName: stack.tableName, Key: { pk: 'SERVICE#SVC-GOV14', sk: 'SERVICE' } }),
    );
    expect(keyed.Item).toMatchObject({ gsi2pk: 'APPROVED_IN#2026', gsi2sk: '2026-07-01T10:00:00.000Z#SVC-GOV14', version: 1 });
  });

  it('then reads only what the year lists and the entries its incidents name, not the register or other years', async () => {
    await governanceReportRead(stack.runtime, 2026);
    const { report, itemsRead } = await governanceReportRead(stack.runtime, 2026);
    // The marker, four approvals, two incidents, and the one 2025 service an incident names.
    expect(itemsRead).toBe(1 + 4 + 2 + 1);
    expect(references(report, 'APPROVAL')).toHaveLength(4);
    const earlier = await governanceReportRead(stack.runtime, 2025);
    expect(references(earlier.report, 'APPROVAL')).toHaveLength(10);
    expect(references(earlier.report, 'INCIDENT')).toEqual(Array.from({ length: 5 }, (_, n) => `HMPPS INC-2025${n}`));
    expect(earlier.itemsRead).toBe(1 + 10 + 5);
  });
});
