import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { registerEntryItem } from '../../functions/store/register.ts';
import type { IncidentRecord, RegisterEntry } from '../../functions/store/records.ts';
import { calendarYear, financialYear, governanceReportRead } from '../../functions/domain/governance-report.ts';

/**
 * The governance report reads what its period needs: that period's approvals and incidents, the
 * non-compliant existing contracts, and the register entries its incidents name, never the whole
 * register; a financial year reads only its own days of the two approval years it spans; entries
 * stored before they carried the approval-year key are still reported. On the local stack's table;
 * the clock is injected.
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
  // Either side of 1 April 2026 (23:00 and 01:30 UK time), and in the next calendar year's first quarter.
  await put(registerEntryItem(entry(20, '2026-03-31T22:00:00.000Z')));
  await put(registerEntryItem(entry(23, '2026-04-01T00:30:00.000Z')));
  await put(registerEntryItem(entry(21, '2027-02-10T10:00:00.000Z')));
  // An existing contract listed as non-compliant since June 2025, its action plan due by the end of 2026.
  await put(
    registerEntryItem({
      ...entry(22, undefined),
      changeType: 'EXISTING',
      compliance: 'NON_COMPLIANT',
      complianceSince: '2025-06-01T10:00:00.000Z',
      existingContract: {
        criticality: 'HIGH',
        endOrBreakDate: '2028-03-31',
        variationsRequired: 'Data hosted in the UK',
        variationCost: 'About £12,000',
        actionPlanDate: '2026-12-31',
      },
    }),
  );
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
    const { report } = await governanceReportRead(stack.runtime, calendarYear(2026));
    expect(references(report, 'APPROVAL')).toEqual(
      ['HMCTS OFF-GOV12', 'HMPPS OFF-GOV10', 'LAA OFF-GOV11', 'LAA OFF-GOV14', 'LAA OFF-GOV20', 'LAA OFF-GOV23'].sort(),
    );
    expect(references(report, 'INCIDENT')).toEqual(['HMPPS INC-2026A', 'MOJ_WIDE INC-2026B']);
    const keyed = await stack.runtime.clients.documents.send(
      new GetCommand({ TableName: stack.tableName, Key: { pk: 'SERVICE#SVC-GOV14', sk: 'SERVICE' } }),
    );
    expect(keyed.Item).toMatchObject({ gsi2pk: 'APPROVED_IN#2026', gsi2sk: '2026-07-01T10:00:00.000Z#SVC-GOV14', version: 1 });
  });

  it('then reads only what the year lists and the entries its incidents name, not the register or other years', async () => {
    await governanceReportRead(stack.runtime, calendarYear(2026));
    const { report, itemsRead } = await governanceReportRead(stack.runtime, calendarYear(2026));
    // The marker, six approvals, two incidents, the non-compliant contract, and the one 2025 service an incident names.
    expect(itemsRead).toBe(1 + 6 + 2 + 1 + 1);
    expect(references(report, 'APPROVAL')).toHaveLength(6);
    const earlier = await governanceReportRead(stack.runtime, calendarYear(2025));
    expect(references(earlier.report, 'APPROVAL')).toHaveLength(10);
    expect(references(earlier.report, 'INCIDENT')).toEqual(Array.from({ length: 5 }, (_, n) => `HMPPS INC-2025${n}`));
    expect(earlier.itemsRead).toBe(1 + 10 + 5 + 1);
  });

  it('reads a financial year from 1 April to 31 March, only its own days of the two approval years it spans', async () => {
    const { report, itemsRead } = await governanceReportRead(stack.runtime, financialYear(2026));
    expect(report.period).toMatchObject({ id: 'FY2026-27', from: '2026-04-01', to: '2027-03-31' });
    expect(references(report, 'APPROVAL')).toEqual(['HMCTS OFF-GOV21', 'LAA OFF-GOV14', 'LAA OFF-GOV23']);
    expect(references(report, 'INCIDENT')).toEqual(['HMPPS INC-2026A', 'MOJ_WIDE INC-2026B']);
    // The marker, three approvals (none of 2026's first quarter read), two incidents, the non-compliant contract, the service an incident names.
    expect(itemsRead).toBe(1 + 3 + 2 + 1 + 1);
    const before = await governanceReportRead(stack.runtime, financialYear(2025));
    // 2025's from April (six) and 2026's first quarter, to 31 March at 11pm UK time (four).
    expect(references(before.report, 'APPROVAL')).toEqual(
      [3, 4, 5, 6, 7, 8, 10, 11, 12, 20].map((n) => `${AREAS[n % AREAS.length]} OFF-GOV${n}`).sort(),
    );
    // Its incidents name SVC-GOV1, approved in February 2025 (the financial year before): read for its area.
    expect(before.itemsRead).toBe(1 + 10 + 5 + 1 + 1);
  });

  it('lists an existing contract as non-compliant in each period it was so listed by the end of, under its area', async () => {
    for (const period of [calendarYear(2025), financialYear(2025), calendarYear(2026), financialYear(2026)]) {
      const { report } = await governanceReportRead(stack.runtime, period);
      expect(references(report, 'NON_COMPLIANT'), period.id).toEqual(['HMPPS SVC-GOV22']);
      const item = report.areas.flatMap((a) => a.items).find((i) => i.kind === 'NON_COMPLIANT')!;
      // The clock is 15 January 2027: its action plan date has passed.
      expect(item).toMatchObject({ date: '2025-06-01', status: 'Non-compliant: action plan by 2026-12-31, overdue' });
    }
    expect(references((await governanceReportRead(stack.runtime, financialYear(2024))).report, 'NON_COMPLIANT')).toEqual([]);
  });
});
