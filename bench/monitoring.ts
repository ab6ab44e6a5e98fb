import { performance } from 'node:perf_hooks';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../local/stack.ts';
import { registerEntryItem } from '../functions/store/register.ts';
import type { RegisterEntry } from '../functions/store/records.ts';
import { runMonitoring } from '../functions/domain/monitoring.ts';

/**
 * `npm run bench`: continual monitoring's cost must grow with what is due, not with the register.
 * Loads SERVICES register entries (DUE of them due for review) into the local table, runs the
 * monitor once, and reports its time and the items it read. Fails if items read exceed
 * MAX_READ_FACTOR × items due.
 */
const SERVICES = Number(process.env.BENCH_SERVICES ?? 100_000);
const DUE = Number(process.env.BENCH_DUE ?? 100);
const MAX_READ_FACTOR = 3;
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const today = new Date('2027-06-01T06:00:00Z');
const stack = await startLocalStack({ port: 0, sesPort: 0, identityProviderPort: 0, runtime: { clock: () => today } });
try {
  const { documents } = stack.runtime.clients;
  const entry = (i: number): RegisterEntry => ({
    serviceId: `SVC-BENCH${String(i).padStart(6, '0')}`,
    version: 1,
    requestId: `OFF-BENCH${i}`,
    round: 1,
    serviceName: `Service ${i}`,
    supplierName: `Supplier ${i % 97}`,
    changeType: 'NEW',
    businessAreas: [['HMCTS', 'HMPPS', 'LAA', 'OPG', 'CICA', 'MOJ_HQ'][i % 6]!],
    offshoreLocations: [{ country: ['IN', 'IE', 'PL', 'US'][i % 4]!, activities: ['HOSTING'] }],
    dataClassification: 'OFFICIAL',
    dataCategories: ['OTHER'],
    serviceOwner: { name: `Owner ${i}`, email: `owner${i}@justice.gov.uk` },
    approvals: [],
    approvedAt: '2026-06-01T00:00:00.000Z',
    // Every SERVICES/DUE-th service is overdue; the rest are due in over a year.
    reviewDue: i % Math.floor(SERVICES / DUE) === 0 ? '2027-05-01' : '2028-09-01',
  });

  const loadStart = performance.now();
  const batches: Promise<unknown>[] = [];
  for (let i = 0; i < SERVICES; i += 25) {
    const items = Array.from({ length: Math.min(25, SERVICES - i) }, (_, k) => ({ PutRequest: { Item: registerEntryItem(entry(i + k)) } }));
    batches.push(documents.send(new BatchWriteCommand({ RequestItems: { [stack.tableName]: items } })));
    if (batches.length === 16) await Promise.all(batches.splice(0));
  }
  await Promise.all(batches);
  const loadMs = performance.now() - loadStart;

  const memoryBefore = process.memoryUsage().heapUsed;
  const runStart = performance.now();
  const run = await runMonitoring(stack.runtime);
  const runMs = performance.now() - runStart;
  const due = run.counts?.reviews ?? 0;

  const report = {
    services: SERVICES,
    dueForReview: DUE,
    found: due,
    itemsRead: run.itemsRead,
    itemsReadPerDue: Number(((run.itemsRead ?? 0) / Math.max(1, due)).toFixed(2)),
    runMs: Math.round(runMs),
    loadMs: Math.round(loadMs),
    heapDeltaMb: Number(((process.memoryUsage().heapUsed - memoryBefore) / 1_048_576).toFixed(1)),
  };
  console.log(JSON.stringify(report, null, 2));
  if (due !== DUE) throw new Error(`Expected ${DUE} services due, found ${due}`);
  if ((run.itemsRead ?? Infinity) > MAX_READ_FACTOR * DUE)
    throw new Error(`Read ${run.itemsRead} items for ${DUE} due: more than ${MAX_READ_FACTOR}× what is due`);
} finally {
  await stack.close();
}
