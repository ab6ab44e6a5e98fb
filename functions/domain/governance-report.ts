import * as z from 'zod';
import type { Runtime } from '../platform/runtime.ts';
import { ValidationFailed } from '../web/errors.ts';
import { toFieldErrors } from './request.ts';
import { exemptionStanding } from './exemptions.ts';
import type { ExemptionRecord } from '../store/exemptions.ts';
import type { IncidentRecord, RegisterEntry, RequestRecord } from '../store/records.ts';
import { CHANGE_TYPE_WORDS, EXEMPTION_STANDING_WORDS } from './words.ts';
import type { governanceReaderOf } from './offshoring-policy.ts';

/**
 * The yearly governance report (Corporate Security Policy: a business area's variation "should be
 * agreed by the relevant Accounting Officer and reported in annual governance processes", the
 * annual Governance Statement): for each business area, its variations, the exemptions from the
 * Offshoring Policy that touch it, the breaches and incidents reported against its services, the
 * offshoring approvals it was given, its existing contracts listed as non-compliant, and its
 * offshoring requests rejected or closed. By financial year (1 April to 31 March, as the
 * Governance Statement is), or by calendar year.
 */

/** What does not belong to one business area: exemptions from the whole policy, incidents naming no service. */
export const MOJ_WIDE = 'MOJ_WIDE';

export const GOVERNANCE_KINDS = ['VARIATION', 'EXEMPTION', 'INCIDENT', 'APPROVAL', 'NON_COMPLIANT', 'REJECTED_OR_CLOSED'] as const;
export type GovernanceKind = (typeof GOVERNANCE_KINDS)[number];

export interface GovernanceItem {
  businessArea: string;
  kind: GovernanceKind;
  reference: string;
  /** What it is about, in words. */
  summary: string;
  /** The date it belongs to the period by (asked for, reported, approved, listed, rejected), YYYY-MM-DD. */
  date: string;
  /** Where it stands, in the report's words. */
  status: string;
}

/** The days a report covers: a financial year (`FY2026-27`) or a calendar year (`2026`). */
export interface ReportPeriod {
  /** As the query and the CSV's file name give it: `FY2026-27` or `2026`. */
  id: string;
  /** In words: "Financial year 2026 to 2027" or "Calendar year 2026". */
  name: string;
  /** First and last day, YYYY-MM-DD. */
  from: string;
  to: string;
}

export interface GovernanceReport {
  period: ReportPeriod;
  areas: { businessArea: string; name: string; counts: Record<GovernanceKind, number>; items: GovernanceItem[] }[];
}

export const calendarYear = (year: number): ReportPeriod => ({
  id: String(year),
  name: `Calendar year ${year}`,
  from: `${year}-01-01`,
  to: `${year}-12-31`,
});

/** The financial year that begins on 1 April of `start` and ends on 31 March after it. */
export const financialYear = (start: number): ReportPeriod => ({
  id: `FY${start}-${String((start + 1) % 100).padStart(2, '0')}`,
  name: `Financial year ${start} to ${start + 1}`,
  from: `${start}-04-01`,
  to: `${start + 1}-03-31`,
});

/** The financial year a moment falls in. */
export const financialYearOf = (now: Date) => financialYear(now.getUTCMonth() >= 3 ? now.getUTCFullYear() : now.getUTCFullYear() - 1);

const FINANCIAL_YEAR = /^FY(\d{4})-(\d{2})$/;

export const GovernancePeriodSchema = z
  .strictObject({
    period: z
      .string()
      .regex(FINANCIAL_YEAR, 'must be a financial year, e.g. FY2026-27')
      .refine((p) => {
        // Runs after a failed pattern too: such a value is already refused by it.
        const [, start, end] = FINANCIAL_YEAR.exec(p) ?? [];
        return start === undefined || (Number(start) >= 2000 && Number(start) <= 2099 && Number(end) === (Number(start) + 1) % 100);
      }, 'must be a financial year from 1 April to 31 March of the next year, e.g. FY2026-27, from FY2000-01 to FY2099-00')
      .optional(),
    year: z.coerce
      .number('must be a year, e.g. 2026')
      .int('must be a whole year')
      .min(2000, 'must be 2000 or later')
      .max(2100, 'must be 2100 or earlier')
      .optional(),
    /** The CSV asked for by parameter (GET /governance-report?format=csv). */
    format: z.string().optional(),
  })
  .refine((q) => q.period === undefined || q.year === undefined, { path: ['period'], message: 'give a financial year or a calendar year, not both' });

/**
 * The query's period: `period=FY2026-27` (1 April 2026 to 31 March 2027), or `year=2026` (the
 * calendar year, as links made before financial years kept asking for), else the financial year
 * the clock is in; 400 with the field's path for anything else.
 */
export function reportPeriod(query: Record<string, string | undefined> | undefined, now: Date): ReportPeriod {
  const parsed = GovernancePeriodSchema.safeParse(query ?? {});
  if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
  const { period, year } = parsed.data;
  if (period) return financialYear(Number(period.slice(2, 6)));
  if (year !== undefined) return calendarYear(year);
  return financialYearOf(now);
}

const inPeriod = (iso: string | undefined, p: ReportPeriod) => iso !== undefined && iso.slice(0, 10) >= p.from && iso.slice(0, 10) <= p.to;

/** An exemption belongs to a period it was asked for in, or was in force for part of. */
function exemptionInPeriod(e: ExemptionRecord, p: ReportPeriod): boolean {
  if (inPeriod(e.submittedAt, p)) return true;
  return e.status === 'APPROVED' && !!e.approvedAt && e.approvedAt.slice(0, 10) <= p.to && (e.exemption.endDate ?? p.to) >= p.from;
}

/** An existing contract is reported as non-compliant in a period it was so listed by the period's end (its current listing). */
const nonCompliantBy = (s: RegisterEntry, p: ReportPeriod) =>
  s.compliance === 'NON_COMPLIANT' && s.complianceSince !== undefined && s.complianceSince.slice(0, 10) <= p.to;

/** A rejected or closed request's status now: what became of it after. */
const OUTCOME_WORDS: Record<RequestRecord['status'], string> = {
  REJECTED: 'Rejected',
  ESCALATED: 'Rejected, escalated to the Departmental Head',
  CLOSED: 'Closed: the Departmental Head did not support it',
  PENDING_APPROVAL: 'Rejected, since sent for approval again',
  APPROVED: 'Rejected, since approved',
  WITHDRAWN: 'Rejected, since withdrawn',
  ERROR: 'Rejected, since in error',
};

/** Builds the period's report from the records given (pure: tested alone). */
export function buildGovernanceReport(
  period: ReportPeriod,
  sources: {
    exemptions: readonly ExemptionRecord[];
    incidents: readonly IncidentRecord[];
    services: readonly RegisterEntry[];
    /** Requests rejected or closed, each with when it last was. */
    rejectedOrClosed?: readonly { request: RequestRecord; at: string }[];
    today: string;
    areaNames: Record<string, string>;
  },
): GovernanceReport {
  const items: GovernanceItem[] = [];
  const areasOfService = new Map(sources.services.map((s) => [s.serviceId, s.businessAreas]));
  for (const e of sources.exemptions.filter((x) => exemptionInPeriod(x, period))) {
    const common = {
      reference: e.requestId,
      date: e.submittedAt.slice(0, 10),
      status: `${EXEMPTION_STANDING_WORDS[exemptionStanding(e, sources.today)].text}${e.exemption.endDate ? ` (ends ${e.exemption.endDate})` : ''}`,
    };
    const scope = e.service ? `${e.service.serviceName} (${e.service.serviceId})` : 'the whole Offshoring Policy';
    if (e.exemption.variation) {
      items.push({
        ...common,
        businessArea: e.exemption.variation.businessArea,
        kind: 'VARIATION',
        summary: `${e.exemption.policyClause} — ${scope}`,
      });
    } else {
      const areas = e.service?.businessAreas.length ? e.service.businessAreas : [MOJ_WIDE];
      // A change to the policy is reported with the exemptions it is asked for beside (Compliance names them together).
      const summary =
        e.exemption.requestType === 'POLICY_CHANGE' ? `Change to the policy: ${e.exemption.policyClause}` : `${e.exemption.policyClause} — ${scope}`;
      for (const area of areas) items.push({ ...common, businessArea: area, kind: 'EXEMPTION', summary });
    }
  }
  for (const i of sources.incidents.filter((x) => inPeriod(x.reportedAt, period))) {
    const areas = (i.serviceId && areasOfService.get(i.serviceId)) || [MOJ_WIDE];
    for (const area of areas) {
      items.push({
        businessArea: area,
        kind: 'INCIDENT',
        reference: i.incidentId,
        summary: `${i.kind === 'PERSONAL_DATA_BREACH' ? 'Personal data breach' : i.kind === 'SECURITY_INCIDENT' ? 'Security incident' : 'Personal data breach and security incident'}${i.serviceName ? ` — ${i.serviceName}` : ''}`,
        date: i.reportedAt.slice(0, 10),
        status: i.status === 'OPEN' ? 'Open' : i.status === 'CONTAINED' ? 'Contained' : 'Closed',
      });
    }
  }
  // One entry may be given twice (approved in the period and named by an incident): each is reported once.
  const services = [...new Map(sources.services.map((s) => [s.serviceId, s])).values()];
  for (const s of services.filter((x) => inPeriod(x.approvedAt, period))) {
    for (const area of s.businessAreas) {
      items.push({
        businessArea: area,
        kind: 'APPROVAL',
        reference: s.requestId,
        summary: `${s.serviceName} (${s.serviceId}), ${s.supplierName}`,
        date: s.approvedAt!.slice(0, 10),
        status: 'Approved',
      });
    }
  }
  for (const s of services.filter((x) => nonCompliantBy(x, period))) {
    const plan = s.existingContract?.actionPlanDate;
    for (const area of s.businessAreas) {
      items.push({
        businessArea: area,
        kind: 'NON_COMPLIANT',
        reference: s.serviceId,
        summary: `${s.serviceName}, ${s.supplierName} (request ${s.requestId})`,
        date: s.complianceSince!.slice(0, 10),
        status: plan ? `Non-compliant: action plan by ${plan}${plan < sources.today ? ', overdue' : ''}` : 'Non-compliant',
      });
    }
  }
  for (const { request: r, at } of (sources.rejectedOrClosed ?? []).filter((x) => inPeriod(x.at, period))) {
    for (const area of r.request.businessAreas) {
      items.push({
        businessArea: area,
        kind: 'REJECTED_OR_CLOSED',
        reference: r.requestId,
        summary: `${r.request.serviceName}, ${r.request.supplierName} (${CHANGE_TYPE_WORDS[r.request.changeType]})`,
        date: at.slice(0, 10),
        status: OUTCOME_WORDS[r.status],
      });
    }
  }
  const codes = [...new Set(items.map((i) => i.businessArea))].sort((a, b) => (a === MOJ_WIDE ? 1 : b === MOJ_WIDE ? -1 : a.localeCompare(b)));
  return {
    period,
    areas: codes.map((code) => {
      const mine = items
        .filter((i) => i.businessArea === code)
        // By reference within a day: the report is the same whatever order the table returned its sources in.
        .sort(
          (a, b) =>
            GOVERNANCE_KINDS.indexOf(a.kind) - GOVERNANCE_KINDS.indexOf(b.kind) ||
            a.date.localeCompare(b.date) ||
            a.reference.localeCompare(b.reference),
        );
      const counts = Object.fromEntries(GOVERNANCE_KINDS.map((k) => [k, mine.filter((i) => i.kind === k).length])) as Record<GovernanceKind, number>;
      return {
        businessArea: code,
        name: code === MOJ_WIDE ? 'MoJ-wide (no one business area)' : (sources.areaNames[code] ?? code),
        counts,
        items: mine,
      };
    }),
  };
}

/** The report restricted to some business areas (what their Accounting Officer or Departmental Head reads). */
export function governanceReportFor(report: GovernanceReport, reader: ReturnType<typeof governanceReaderOf>): GovernanceReport {
  if (reader.all) return report;
  return { ...report, areas: report.areas.filter((a) => reader.areas.includes(a.businessArea)) };
}

/**
 * The report for a period, from the table, with the items DynamoDB read for it: only what can
 * belong to its days (its exemptions, incidents, approvals and rejected or closed requests, the
 * register entries its incidents name, and the non-compliant existing contracts), never every
 * record ever stored.
 */
export async function governanceReportRead(runtime: Runtime, period: ReportPeriod): Promise<{ report: GovernanceReport; itemsRead: number }> {
  const { store } = runtime;
  const [exemptions, incidents, approved, nonCompliant, rejectedOrClosed] = await Promise.all([
    store.exemptionsBetween(period.from, period.to),
    store.incidents.reportedBetween(period.from, period.to),
    store.governance.approvedBetween(period.from, period.to),
    store.governance.nonCompliantContracts(),
    store.requestsRejectedOrClosedBetween(period.from, period.to),
  ]);
  const known = new Set([...approved.entries, ...nonCompliant.entries].map((s) => s.serviceId));
  const named = await store.register.entries(incidents.incidents.flatMap((i) => (i.serviceId && !known.has(i.serviceId) ? [i.serviceId] : [])));
  const areaNames = Object.fromEntries(Object.entries(runtime.directory.businessAreas).map(([code, a]) => [code, a.name]));
  const report = buildGovernanceReport(period, {
    exemptions: exemptions.exemptions,
    incidents: incidents.incidents,
    services: [...approved.entries, ...nonCompliant.entries, ...named.entries],
    rejectedOrClosed: rejectedOrClosed.requests,
    today: runtime.clock().toISOString().slice(0, 10),
    areaNames,
  });
  return {
    report,
    itemsRead:
      exemptions.itemsRead + incidents.itemsRead + approved.itemsRead + nonCompliant.itemsRead + rejectedOrClosed.itemsRead + named.itemsRead,
  };
}

/** The report for a period, from the table. */
export async function governanceReport(runtime: Runtime, period: ReportPeriod): Promise<GovernanceReport> {
  return (await governanceReportRead(runtime, period)).report;
}

const KIND_WORDS: Record<GovernanceKind, string> = {
  VARIATION: 'Variation agreed by the Accounting Officer',
  EXEMPTION: 'Exemption from the Offshoring Policy',
  INCIDENT: 'Breach or security incident',
  APPROVAL: 'Offshoring approval',
  NON_COMPLIANT: 'Existing contract listed as non-compliant',
  REJECTED_OR_CLOSED: 'Offshoring request rejected or closed',
};
export const governanceKindInWords = (kind: GovernanceKind) => KIND_WORDS[kind];

/** A spreadsheet cell: quoted, and never read as a formula (a leading =, +, -, @ or tab is prefixed with '). */
function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The report as CSV (RFC 4180): one line per item, by business area. */
export function governanceReportCsv(report: GovernanceReport): string {
  const head = ['Period', 'Business area', 'Business area name', 'Kind', 'Reference', 'Summary', 'Date', 'Status'];
  const lines = report.areas.flatMap((area) =>
    area.items.map((i) => [report.period.name, area.businessArea, area.name, KIND_WORDS[i.kind], i.reference, i.summary, i.date, i.status]),
  );
  return `${[head, ...lines].map((line) => line.map(cell).join(',')).join('\r\n')}\r\n`;
}
