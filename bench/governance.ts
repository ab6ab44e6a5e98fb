import { performance } from 'node:perf_hooks';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../local/stack.ts';
import { keys } from '../functions/store/keys.ts';
import { registerEntryItem } from '../functions/store/register.ts';
import { incidentItem } from '../functions/store/incidents.ts';
import { ExemptionRecordSchema, type ExemptionRecord } from '../functions/store/exemptions.ts';
import { RequestRecordSchema, type IncidentRecord, type RegisterEntry, type RequestRecord } from '../functions/store/records.ts';
import { CONTRACT_CRITICALITIES } from '../functions/domain/request.ts';
import {
  buildGovernanceReport,
  calendarYear,
  financialYear,
  governanceReportCsv,
  governanceReportRead,
  type ReportPeriod,
} from '../functions/domain/governance-report.ts';
import { singleAreaRequest } from '../tests/fixtures/index.ts';

/**
 * `npm run bench:governance` (and `npm run bench`): the yearly governance report must read what its
 * period needs, not everything ever stored. Loads SERVICES register entries (approved over YEARS
 * years across the six business areas; every 50th a non-compliant existing contract),
 * EXEMPTIONS exemptions, INCIDENTS incidents and REJECTED offshoring requests rejected or closed
 * (all over the same years) into the local table, then builds two reports as GET
 * /governance-report does: the last calendar year's, and the financial year before the current one
 * (April to March, across two calendar years). Reports, for each, the items DynamoDB read for it
 * (ScannedCount of every query page, one per GetItem), the time to build it and the CSV's size;
 * and, for comparison, what building it from every record costs, which must give the same report.
 * Exits 1 if it differs, or if a report reads more than MAX_READ_FACTOR × what it needs: the
 * records it lists plus the register entries its incidents name.
 */
const SERVICES = Number(process.env.BENCH_SERVICES ?? 20_000);
const EXEMPTIONS = Number(process.env.BENCH_EXEMPTIONS ?? 500);
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 1_000);
const REJECTED = Number(process.env.BENCH_REJECTED ?? 1_000);
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

  // A request rejected (four in five) or closed by its Departmental Head, when it was, in its outcome index as `transition` puts it there.
  const rejected = (i: number): { request: RequestRecord; at: string } => {
    const at = spread(i, REJECTED, 11);
    const request = RequestRecordSchema.parse({
      requestId: `OFF-REJ${i}`,
      status: i % 5 === 4 ? 'CLOSED' : 'REJECTED',
      round: 1,
      request: { ...singleAreaRequest(), serviceName: `Rejected ${i}`, businessAreas: [AREAS[i % AREAS.length]!] },
      requiredApprovers: [],
      lateNotice: false,
      noticeDays: 60,
      submittedAt: at,
      updatedAt: at,
      submittedBy: { kind: 'SERVICE_OWNER', email: 'priya.shah@justice.gov.uk' },
      version: 2,
    });
    return { request, at };
  };
  const requestItem = ({ request, at }: { request: RequestRecord; at: string }) => ({
    ...keys.request(request.requestId),
    ...keys.ownerLookup(request.request.serviceOwner.email, request.submittedAt),
    ...keys.requestOutcome(at, request.requestId),
    entity: 'REQUEST',
    ...request,
  });

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
  const rejections = Array.from({ length: REJECTED }, (_, i) => rejected(i));
  await write(rejections.map(requestItem));
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

  // The report built from every exemption, incident and register entry, and every rejected or closed
  // request loaded (no filter: each item read is returned): what it costs, and that the period's reads
  // miss nothing it lists.
  const everythingStart = performance.now();
  const everything = await Promise.all([store.listExemptions(), store.incidents.list(), store.register.listEntries()]);
  const everythingMs = performance.now() - everythingStart;
  const areaNames = Object.fromEntries(Object.entries(stack.runtime.directory.businessAreas).map(([code, a]) => [code, a.name]));

  const measure = async (period: ReportPeriod) => {
    const times: number[] = [];
    let last: Awaited<ReturnType<typeof governanceReportRead>> | undefined;
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now();
      last = await governanceReportRead(stack.runtime, period);
      times.push(performance.now() - start);
    }
    const { report, itemsRead } = last!;
    const csvStart = performance.now();
    const csv = governanceReportCsv(report);
    const csvMs = performance.now() - csvStart;

    // What the report needs: each record it lists once, and each register entry its incidents name that it does not list.
    const listed = new Set(report.areas.flatMap((a) => a.items.map((i) => `${i.kind}#${i.reference}`)));
    const listedServices = new Set(
      report.areas.flatMap((a) =>
        a.items.flatMap((i) => (i.kind === 'APPROVAL' ? [serviceId(Number(i.reference.slice(9)))] : i.kind === 'NON_COMPLIANT' ? [i.reference] : [])),
      ),
    );
    const inPeriod = (iso: string) => iso.slice(0, 10) >= period.from && iso.slice(0, 10) <= period.to;
    const incidentServices = new Set(
      Array.from({ length: INCIDENTS }, (_, i) => incident(i))
        .filter((i) => inPeriod(i.reportedAt) && i.serviceId)
        .map((i) => i.serviceId!),
    );
    const consulted = [...incidentServices].filter((id) => !listedServices.has(id)).length;
    const needed = listed.size + consulted;

    const fromEverything = buildGovernanceReport(period, {
      exemptions: everything[0],
      incidents: everything[1],
      services: everything[2],
      rejectedOrClosed: rejections,
      today: today.toISOString().slice(0, 10),
      areaNames,
    });
    const sameReport = governanceReportCsv(fromEverything) === csv;
    const sorted = [...times].sort((a, b) => a - b);
    return {
      period: period.id,
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
      sameReport,
    };
  };

  const reports = [await measure(calendarYear(LAST_YEAR)), await measure(financialYear(LAST_YEAR - 1))];
  const result = {
    machine: `${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    loaded: { services: SERVICES, exemptions: EXEMPTIONS, incidents: INCIDENTS, rejectedOrClosed: REJECTED, years: `${FIRST_YEAR}-${LAST_YEAR}` },
    reports,
    fromEverything: { itemsRead: everything.reduce((n, list) => n + list.length, 0) + REJECTED, readMs: Math.round(everythingMs) },
    oneOffKeyingPass: { unkeyed: UNKEYED, ...keyed },
    loadMs: Math.round(loadMs),
  };
  console.log(JSON.stringify(result, null, 2));
  for (const r of reports) {
    if (!r.sameReport) throw new Error(`The report for ${r.period} differs from the one built from every record`);
    if (r.itemsRead > MAX_READ_FACTOR * r.needed)
      throw new Error(`Read ${r.itemsRead} items for the ${r.period} report needing ${r.needed}: more than ${MAX_READ_FACTOR}× what it needs`);
  }
} finally {
  await stack.close();
}
