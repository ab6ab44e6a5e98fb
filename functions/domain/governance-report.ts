import * as z from 'zod';
import type { Runtime } from '../platform/runtime.ts';
import { ValidationFailed } from '../web/errors.ts';
import { toFieldErrors } from './request.ts';
import { exemptionStanding } from './exemptions.ts';
import type { ExemptionRecord } from '../store/exemptions.ts';
import type { IncidentRecord, RegisterEntry } from '../store/records.ts';

/**
 * The yearly governance report (Corporate Security Policy: a business area's variation "should be
 * agreed by the relevant Accounting Officer and reported in annual governance processes"): for
 * each business area, its variations, the exemptions from the Offshoring Policy that touch it, the
 * breaches and incidents reported against its services, and the offshoring approvals it was given.
 */

/** What does not belong to one business area: exemptions from the whole policy, incidents naming no service. */
export const MOJ_WIDE = 'MOJ_WIDE';

export const GOVERNANCE_KINDS = ['VARIATION', 'EXEMPTION', 'INCIDENT', 'APPROVAL'] as const;
export type GovernanceKind = (typeof GOVERNANCE_KINDS)[number];

export interface GovernanceItem {
  businessArea: string;
  kind: GovernanceKind;
  reference: string;
  /** What it is about, in words. */
  summary: string;
  /** The date it belongs to the year by (asked for, reported, approved), YYYY-MM-DD. */
  date: string;
  /** Where it stands, in the report's words. */
  status: string;
}

export interface GovernanceReport {
  year: number;
  areas: { businessArea: string; name: string; counts: Record<GovernanceKind, number>; items: GovernanceItem[] }[];
}

export const GovernanceYearSchema = z.strictObject({
  year: z.coerce
    .number('must be a year, e.g. 2026')
    .int('must be a whole year')
    .min(2000, 'must be 2000 or later')
    .max(2100, 'must be 2100 or earlier'),
});

/** The query's year, defaulting to the clock's; 400 with `year` for anything else. */
export function reportYear(query: Record<string, string | undefined> | undefined, now: Date): number {
  const { year = String(now.getUTCFullYear()), ...rest } = query ?? {};
  delete rest.format;
  const parsed = GovernanceYearSchema.safeParse({ year, ...rest });
  if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
  return parsed.data.year;
}

const inYear = (iso: string | undefined, year: number) => iso !== undefined && iso.slice(0, 4) === String(year);

/** An exemption belongs to a year it was asked for in, or was in force for part of. */
function exemptionInYear(e: ExemptionRecord, year: number): boolean {
  if (inYear(e.submittedAt, year)) return true;
  return (
    e.status === 'APPROVED' &&
    !!e.approvedAt &&
    e.approvedAt.slice(0, 10) <= `${year}-12-31` &&
    (e.exemption.endDate ?? `${year}-12-31`) >= `${year}-01-01`
  );
}

const STANDING_WORDS = {
  PENDING_APPROVAL: 'Waiting for approval',
  REJECTED: 'Rejected',
  ACTIVE: 'In force',
  EXPIRED: 'Ended',
  AGREED: 'Agreed change to the policy',
  WITHDRAWN: 'Withdrawn',
  ERROR: 'In error',
};

/** Builds the year's report from the exemptions, incidents and register entries given (pure: tested alone). */
export function buildGovernanceReport(
  year: number,
  sources: {
    exemptions: readonly ExemptionRecord[];
    incidents: readonly IncidentRecord[];
    services: readonly RegisterEntry[];
    today: string;
    areaNames: Record<string, string>;
  },
): GovernanceReport {
  const items: GovernanceItem[] = [];
  const areasOfService = new Map(sources.services.map((s) => [s.serviceId, s.businessAreas]));
  for (const e of sources.exemptions.filter((x) => exemptionInYear(x, year))) {
    const common = {
      reference: e.requestId,
      date: e.submittedAt.slice(0, 10),
      status: `${STANDING_WORDS[exemptionStanding(e, sources.today)]}${e.exemption.endDate ? ` (ends ${e.exemption.endDate})` : ''}`,
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
  for (const i of sources.incidents.filter((x) => inYear(x.reportedAt, year))) {
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
  for (const s of sources.services.filter((x) => inYear(x.approvedAt, year))) {
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
  const codes = [...new Set(items.map((i) => i.businessArea))].sort((a, b) => (a === MOJ_WIDE ? 1 : b === MOJ_WIDE ? -1 : a.localeCompare(b)));
  return {
    year,
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

/**
 * The report for a year, from the table, with the items DynamoDB read for it: only what can belong
 * to the year (its exemptions, incidents and approvals, and the register entries its incidents
 * name), never every record ever stored.
 */
export async function governanceReportRead(runtime: Runtime, year: number): Promise<{ report: GovernanceReport; itemsRead: number }> {
  const { store } = runtime;
  const [exemptions, incidents, approved] = await Promise.all([
    store.exemptionsForYear(year),
    store.incidents.reportedIn(year),
    store.register.approvedIn(year),
  ]);
  const known = new Set(approved.entries.map((s) => s.serviceId));
  const named = await store.register.entries(incidents.incidents.flatMap((i) => (i.serviceId && !known.has(i.serviceId) ? [i.serviceId] : [])));
  const areaNames = Object.fromEntries(Object.entries(runtime.directory.businessAreas).map(([code, a]) => [code, a.name]));
  const report = buildGovernanceReport(year, {
    exemptions: exemptions.exemptions,
    incidents: incidents.incidents,
    services: [...approved.entries, ...named.entries],
    today: runtime.clock().toISOString().slice(0, 10),
    areaNames,
  });
  return { report, itemsRead: exemptions.itemsRead + incidents.itemsRead + approved.itemsRead + named.itemsRead };
}

/** The report for a year, from the table. */
export async function governanceReport(runtime: Runtime, year: number): Promise<GovernanceReport> {
  return (await governanceReportRead(runtime, year)).report;
}

const KIND_WORDS: Record<GovernanceKind, string> = {
  VARIATION: 'Variation agreed by the Accounting Officer',
  EXEMPTION: 'Exemption from the Offshoring Policy',
  INCIDENT: 'Breach or security incident',
  APPROVAL: 'Offshoring approval',
};
export const governanceKindInWords = (kind: GovernanceKind) => KIND_WORDS[kind];

/** A spreadsheet cell: quoted, and never read as a formula (a leading =, +, -, @ or tab is prefixed with '). */
function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The report as CSV (RFC 4180): one line per item, by business area. */
export function governanceReportCsv(report: GovernanceReport): string {
  const head = ['Year', 'Business area', 'Business area name', 'Kind', 'Reference', 'Summary', 'Date', 'Status'];
  const lines = report.areas.flatMap((area) =>
    area.items.map((i) => [String(report.year), area.businessArea, area.name, KIND_WORDS[i.kind], i.reference, i.summary, i.date, i.status]),
  );
  return `${[head, ...lines].map((line) => line.map(cell).join(',')).join('\r\n')}\r\n`;
}
