import { performance } from 'node:perf_hooks';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../local/stack.ts';
import { keys } from '../functions/store/keys.ts';
import { registerEntryItem } from '../functions/store/register.ts';
import { incidentItem } from '../functions/store/incidents.ts';
import { ExemptionRecordSchema, type ExemptionRecord } from '../functions/store/exemptions.ts';
import type { IncidentRecord, RegisterEntry } from '../functions/store/records.ts';
import { CONTRACT_CRITICALITIES } from '../functions/domain/request.ts';
import { buildGovernanceReport, governanceReportCsv, governanceReportRead } from '../functions/domain/governance-report.ts';

/**
 * `npm run bench:governance` (and `npm run bench`): the yearly governance report must read what its
 * year needs, not everything ever stored. Loads SERVICES register entries (approved over YEARS
 * years across the six business areas; every 50th a non-compliant existing contract),
 * EXEMPTIONS exemptions and INCIDENTS incidents (both over the same years) into the local table,
 * then builds the last year's report as GET /governance-report does. Reports the items DynamoDB
 * read for it (ScannedCount of every query page, one per GetItem), the time to build it and the
 * CSV's size; and, for comparison, what building it from every exemption, incident and register
 * entry costs, which must give the same report. Exits 1 if it differs, or if the report reads more
 * than MAX_READ_FACTOR × what it needs: the records it lists plus the register entries its
 * incidents name.
 */
const SERVICES = Number(process.env.BENCH_SERVICES ?? 20_000);
const EXEMPTIONS = Number(process.env.BENCH_EXEMPTIONS ?? 500);
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 1_000);
const YEARS = Number(process.env.BENCH_YEARS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** Approved entries stored as before entries carried their approval-year key: the first report keys them, once. */
const UNKEYED = Number(process.env.BENCH_UNKEYED ?? 0);
const MAX_READ_FACTOR = 2;
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const AREAS = ['HMCTS', 'HMPPS', 'LAA', 'OPG', 'CICA', 'MOJ_HQ'];
const LAST_YEAR = 2026;
const FIRST_YEAR = LAST_YEAR - YEARS + 1;
const today = new Date(`${LAST_YEAR + 1}-01-15T09:00:00Z`);
const pad = (n: number) => String(n).padStart(2, '0');
/** The i-th of n moments spread evenly over the years loaded, as an ISO time. */
const spread = (i: number, n: number, hour = 10) => {
  const year = FIRST_YEAR + Math.floor((i * YEARS) / n);
  const day = (i * 7919) % 336; // 12 months of 28 days
  return `${year}-${pad(1 + Math.floor(day / 28))}-${pad(1 + (day % 28))}T${pad(hour)}:00:00.000Z`;
};
const serviceId = (i: number) => `SVC-BENCH${String(i).padStart(6, '0')}`;

const stack = await startLocalStack({ port: 0, sesPort: 0, identityProviderPort: 0, runtime: { clock: () => today } });
try {
  const { documents } = stack.runtime.clients;
  const { store } = stack.runtime;

  const entry = (i: number): RegisterEntry => {
    const existing = i % 50 === 0;
    return {
      serviceId: serviceId(i),
      version: 1,
      requestId: `OFF-BENCH${i}`,
      round: 1,
      serviceName: `Service ${i}`,
      supplierName: `Supplier ${i % 97}`,
      changeType: existing ? 'EXISTING' : 'NEW',
      businessAreas: [AREAS[i % AREAS.length]!],
      offshoreLocations: [{ country: ['IN', 'IE', 'PL', 'US'][i % 4]!, activities: ['HOSTING'] }],
      dataClassification: 'OFFICIAL',
      dataCategories: ['OTHER'],
      serviceOwner: { name: `Owner ${i}`, email: `owner${i}@justice.gov.uk` },
      approvals: [],
      reviewDue: '2027-09-01',
      ...(existing
        ? {
            compliance: 'NON_COMPLIANT' as const,
            complianceSince: spread(i, SERVICES),
            existingContract: {
              criticality: CONTRACT_CRITICALITIES[0],
              endOrBreakDate: '2028-03-31',
              variationsRequired: 'Data hosted in the UK',
              variationCost: 'Not yet known',
              actionPlanDate: '2027-06-30',
            },
          }
        : { approvedAt: spread(i, SERVICES) }),
    };
  };

  const exemption = (i: number): ExemptionRecord => {
    const submittedAt = spread(i, EXEMPTIONS, 9);
    const approved = i % 5 < 3;
    return ExemptionRecordSchema.parse({
      kind: 'EXEMPTION',
      requestId: `EXM-BENCH${i}`,
      status: approved ? 'APPROVED' : i % 5 === 3 ? 'REJECTED' : 'WITHDRAWN',
      round: 1,
      exemption: {
        policyClause: `Policy clause ${i % 12}`,
        justification: 'A supplier site abroad until the UK one opens.',
        ...(i % 4 === 0 ? {} : { serviceId: serviceId((i * 37) % SERVICES) }),
        endDate: `${Number(submittedAt.slice(0, 4)) + 1}${submittedAt.slice(4, 10)}`,
        ...(i % 10 === 0 ? { variation: { businessArea: AREAS[i % AREAS.length]! } } : {}),
      },
      ...(i % 4 === 0
        ? {}
        : {
            service: {
              serviceId: serviceId((i * 37) % SERVICES),
              serviceName: `Service ${(i * 37) % SERVICES}`,
              businessAreas: [AREAS[((i * 37) % SERVICES) % 6]!],
            },
          }),
      requester: { name: `Owner ${i}`, email: `owner${i}@justice.gov.uk` },
      requiredApprovers: [],
      submittedAt,
      updatedAt: submittedAt,
      submittedBy: { kind: 'SERVICE_OWNER', email: `owner${i}@justice.gov.uk` },
      version: 1,
    });
  };

  const incident = (i: number): IncidentRecord => {
    const reportedAt = spread(i, INCIDENTS, 8);
    const named = i % 5 !== 0 ? (i * 7_001) % SERVICES : undefined;
    return {
      incidentId: `INC-BENCH${i}`,
      kind: (['PERSONAL_DATA_BREACH', 'SECURITY_INCIDENT', 'BOTH'] as const)[i % 3]!,
      ...(named === undefined ? {} : { serviceId: serviceId(named), serviceName: `Service ${named}` }),
      description: 'A supplier laptop was lost',
      discoveredAt: reportedAt.slice(0, 10),
      reporter: { name: 'Priya Shah', email: 'priya.shah@justice.gov.uk' },
      reportedBy: { kind: 'SECURITY_TEAM', email: 'priya.shah@justice.gov.uk' },
      reportedAt,
      status: 'CLOSED',
      updates: [],
      notifications: [],
      version: 1,
    };
  };

  // An exemption's item as the request store's createExemption writes it, without its approvals and audit trail.
  const exemptionItem = (record: ExemptionRecord) => ({
    ...keys.request(record.requestId),
    ...keys.exemptionList(record.submittedAt, record.requestId),
    ...keys.exemptionsAskedBy(record.requester.email, record.submittedAt),
    entity: 'REQUEST',
    ...record,
  });

  const loadStart = performance.now();
  const write = async (items: Record<string, unknown>[]) => {
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < items.length; i += 25) {
      const chunk = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      batches.push(documents.send(new BatchWriteCommand({ RequestItems: { [stack.tableName]: chunk } })));
      if (batches.length === 16) await Promise.all(batches.splice(0));
    }
    await Promise.all(batches);
  };
  const withoutApprovalYear = ({ gsi2pk, gsi2sk, ...item }: Record<string, unknown>) =>
    String(gsi2pk).startsWith(keys.approvedIn('', '').gsi2pk) ? item : { gsi2pk, gsi2sk, ...item };
  await write(
    Array.from({ length: SERVICES }, (_, i) => (i < UNKEYED ? withoutApprovalYear(registerEntryItem(entry(i))) : registerEntryItem(entry(i)))),
  );
  await write(Array.from({ length: INCIDENTS }, (_, i) => incidentItem(incident(i))));
  const exemptions = Array.from({ length: EXEMPTIONS }, (_, i) => exemption(i));
  await write(exemptions.map(exemptionItem));
  // An approved exemption enters the end-date index as the workflow puts it there, approved a week after it was asked for.
  for (const e of exemptions.filter((x) => x.status === 'APPROVED')) {
    const approvedAt = new Date(Date.parse(e.submittedAt) + 7 * 86_400_000).toISOString();
    await store.recordExemptionInForce(e, approvedAt);
  }
  const loadMs = performance.now() - loadStart;
  // The one-off pass the first report makes: it keys the UNKEYED entries stored without their approval year.
  const keyingStart = performance.now();
  const keyed = { ...(await store.register.keyApprovalYears()), ms: 0 };
  keyed.ms = Math.round(performance.now() - keyingStart);

  const times: number[] = [];
  let last: Awaited<ReturnType<typeof governanceReportRead>> | undefined;
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    last = await governanceReportRead(stack.runtime, LAST_YEAR);
    times.push(performance.now() - start);
  }
  const { report, itemsRead } = last!;
  const csvStart = performance.now();
  const csv = governanceReportCsv(report);
  const csvMs = performance.now() - csvStart;

  // What the report needs: each record it lists once, and each register entry its incidents name that it does not list.
  const listed = new Set(report.areas.flatMap((a) => a.items.map((i) => `${i.kind}#${i.reference}`)));
  const approvedServices = new Set(report.areas.flatMap((a) => a.items.filter((i) => i.kind === 'APPROVAL').map((i) => i.reference)));
  const incidentServices = new Set(
    Array.from({ length: INCIDENTS }, (_, i) => incident(i))
      .filter((i) => i.reportedAt.startsWith(String(LAST_YEAR)) && i.serviceId)
      .map((i) => i.serviceId!),
  );
  const consulted = [...incidentServices].filter((id) => !approvedServices.has(`OFF-BENCH${Number(id.slice(9))}`)).length;
  const needed = listed.size + consulted;

  // The report built as it would be from every exemption, incident and register entry (no filter:
  // each item read is returned): what it costs, and that the year's reads miss nothing it lists.
  const everythingStart = performance.now();
  const everything = await Promise.all([store.listExemptions(), store.incidents.list(), store.register.listEntries()]);
  const fromEverything = buildGovernanceReport(LAST_YEAR, {
    exemptions: everything[0],
    incidents: everything[1],
    services: everything[2],
    today: today.toISOString().slice(0, 10),
    areaNames: Object.fromEntries(Object.entries(stack.runtime.directory.businessAreas).map(([code, a]) => [code, a.name])),
  });
  const everythingMs = performance.now() - everythingStart;
  const sameReport = governanceReportCsv(fromEverything) === csv;

  const sorted = [...times].sort((a, b) => a - b);
  const result = {
    machine: `${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    loaded: { services: SERVICES, exemptions: EXEMPTIONS, incidents: INCIDENTS, years: `${FIRST_YEAR}-${LAST_YEAR}` },
    year: LAST_YEAR,
    rowsListed: report.areas.reduce((n, a) => n + a.items.length, 0),
    recordsListed: listed.size,
    registerEntriesConsulted: consulted,
    needed,
    itemsRead,
    itemsReadPerNeeded: Number((itemsRead / Math.max(1, needed)).toFixed(2)),
    reportMsMedian: Math.round(sorted[Math.floor(sorted.length / 2)]!),
    reportMsMax: Math.round(sorted.at(-1)!),
    csvBytes: Buffer.byteLength(csv),
    csvMs: Math.round(csvMs),
    fromEverything: { itemsRead: everything.reduce((n, list) => n + list.length, 0), ms: Math.round(everythingMs), sameReport },
    oneOffKeyingPass: { unkeyed: UNKEYED, ...keyed },
    loadMs: Math.round(loadMs),
  };
  console.log(JSON.stringify(result, null, 2));
  if (!sameReport) throw new Error('The year’s report differs from the one built from every record');
  if (itemsRead > MAX_READ_FACTOR * needed)
    throw new Error(`Read ${itemsRead} items for a report needing ${needed}: more than ${MAX_READ_FACTOR}× what it needs`);
} finally {
  await stack.close();
}
