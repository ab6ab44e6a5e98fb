import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildGovernanceReport,
  calendarYear,
  financialYear,
  governanceReportCsv,
  governanceReportFor,
  MOJ_WIDE,
  reportPeriod,
} from '../../functions/domain/governance-report.ts';
import { governanceReaderOf } from '../../functions/domain/offshoring-policy.ts';
import { ValidationFailed } from '../../functions/web/errors.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';
import type { IncidentRecord, RegisterEntry, RequestRecord } from '../../functions/store/records.ts';

/**
 * The governance report's store reads return their sources in whatever order their indexes hold
 * them (by approval year, by when reported, by end date): the report must not depend on it.
 */
const service = (n: number, approvedAt: string): RegisterEntry => ({
  serviceId: `SVC-${n}`,
  version: 1,
  requestId: `OFF-${n}`,
  round: 1,
  serviceName: `Service ${n}`,
  supplierName: 'Supplier',
  changeType: 'NEW',
  businessAreas: ['HMCTS'],
  offshoreLocations: [{ country: 'IE', activities: ['HOSTING'] }],
  dataClassification: 'OFFICIAL',
  dataCategories: ['OTHER'],
  serviceOwner: { name: 'Owner', email: 'owner@justice.gov.uk' },
  approvals: [],
  approvedAt,
  reviewDue: '2027-09-01',
});
const incident = (n: number, reportedAt: string): IncidentRecord => ({
  incidentId: `INC-${n}`,
  kind: 'SECURITY_INCIDENT',
  serviceId: 'SVC-1',
  description: 'Lost laptop',
  discoveredAt: reportedAt.slice(0, 10),
  reporter: { name: 'Priya Shah', email: 'priya.shah@justice.gov.uk' },
  reportedBy: { kind: 'SECURITY_TEAM' },
  reportedAt,
  status: 'OPEN',
  updates: [],
  notifications: [],
  version: 1,
});

// Several on one day, at different times, and on other days.
const services = [1, 2, 3, 4, 5].map((n) => service(n, `2026-03-0${n % 2 ? 1 : 2}T${10 + n}:00:00.000Z`));
const incidents = [1, 2, 3, 4].map((n) => incident(n, `2026-05-0${n % 2 ? 1 : 2}T${15 - n}:00:00.000Z`));
const report = (s: RegisterEntry[], i: IncidentRecord[]) =>
  buildGovernanceReport(calendarYear(2026), { exemptions: [], incidents: i, services: s, today: '2026-11-23', areaNames: {} });

describe('buildGovernanceReport', () => {
  it('lists a day’s items by reference, whatever order its sources come in', () => {
    const expected = report(services, incidents);
    expect(expected.areas[0]!.items.map((i) => i.reference)).toEqual([
      'INC-1',
      'INC-3',
      'INC-2',
      'INC-4',
      'OFF-1',
      'OFF-3',
      'OFF-5',
      'OFF-2',
      'OFF-4',
    ]);
    fc.assert(
      fc.property(fc.shuffledSubarray(services, { minLength: 5 }), fc.shuffledSubarray(incidents, { minLength: 4 }), (s, i) => {
        expect(report(s, i)).toEqual(expected);
      }),
    );
  });
});

describe('the governance report’s period', () => {
  const refusal = (query: Record<string, string>) => {
    try {
      reportPeriod(query, new Date('2026-11-23T09:00:00Z'));
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      return error.errors.map((e) => e.path);
    }
    return 'accepted';
  };

  it('is the financial year the clock is in, from 1 April to 31 March, unless asked for', () => {
    expect(reportPeriod({}, new Date('2026-03-31T23:59:59Z'))).toEqual({
      id: 'FY2025-26',
      name: 'Financial year 2025 to 2026',
      from: '2025-04-01',
      to: '2026-03-31',
    });
    expect(reportPeriod(undefined, new Date('2026-04-01T00:00:00Z')).id).toBe('FY2026-27');
    expect(reportPeriod({ format: 'csv' }, new Date('2027-01-15T09:00:00Z')).id).toBe('FY2026-27');
    expect(reportPeriod({ period: 'FY2099-00' }, new Date()).to).toBe('2100-03-31');
    // A year is the calendar year, as links made before financial years ask for.
    expect(reportPeriod({ year: '2026' }, new Date('2026-11-23T09:00:00Z'))).toEqual({
      id: '2026',
      name: 'Calendar year 2026',
      from: '2026-01-01',
      to: '2026-12-31',
    });
  });

  it('refuses what is not a financial or calendar year, or both at once, naming the field', () => {
    expect(refusal({ period: 'FY2026-27' })).toBe('accepted');
    expect(refusal({ period: 'FY2026-28' })).toEqual(['period']);
    expect(refusal({ period: '2026-27' })).toEqual(['period']);
    expect(refusal({ period: 'FY1999-00' })).toEqual(['period']);
    expect(refusal({ period: 'FY2026-27', year: '2026' })).toEqual(['period']);
    expect(refusal({ year: '1999' })).toEqual(['year']);
    expect(refusal({ quarter: '2' })).toEqual(['']);
  });
});

describe('a financial year’s report', () => {
  const approved = (n: number, at: string, area = 'HMCTS') => ({ ...service(n, at), businessAreas: [area] });
  const nonCompliant = (n: number, since: string, actionPlanDate: string): RegisterEntry => {
    const { approvedAt: _, ...rest } = service(n, since);
    return {
      ...rest,
      changeType: 'EXISTING',
      businessAreas: ['LAA'],
      compliance: 'NON_COMPLIANT',
      complianceSince: since,
      existingContract: {
        criticality: 'HIGH',
        endOrBreakDate: '2028-03-31',
        variationsRequired: 'UK hosting',
        variationCost: 'Unknown',
        actionPlanDate,
      },
    };
  };
  const request = (id: string, status: RequestRecord['status']) =>
    ({
      requestId: id,
      status,
      request: { serviceName: `Service ${id}`, supplierName: 'Acme', changeType: 'NEW', businessAreas: ['HMCTS', 'LAA'] },
    }) as RequestRecord;
  const fy = buildGovernanceReport(financialYear(2026), {
    exemptions: [],
    incidents: [incident(1, '2026-03-31T22:00:00.000Z'), incident(2, '2026-04-01T00:30:00.000Z'), incident(3, '2027-03-31T12:00:00.000Z')],
    services: [
      approved(1, '2026-03-31T22:00:00.000Z'),
      approved(2, '2026-04-01T00:30:00.000Z'),
      approved(3, '2027-03-31T12:00:00.000Z'),
      approved(4, '2027-04-01T00:00:00.000Z'),
      nonCompliant(5, '2026-06-01T10:00:00.000Z', '2026-12-31'),
      nonCompliant(6, '2027-02-01T10:00:00.000Z', '2027-09-30'),
      nonCompliant(7, '2027-04-02T10:00:00.000Z', '2027-09-30'),
    ],
    rejectedOrClosed: [
      { request: request('OFF-R1', 'REJECTED'), at: '2026-05-01T10:00:00.000Z' },
      { request: request('OFF-R2', 'CLOSED'), at: '2026-12-01T10:00:00.000Z' },
      { request: request('OFF-R3', 'APPROVED'), at: '2027-01-05T10:00:00.000Z' },
      { request: request('OFF-R4', 'REJECTED'), at: '2026-03-31T10:00:00.000Z' },
    ],
    today: '2027-01-15',
    areaNames: { HMCTS: 'HM Courts and Tribunals Service', LAA: 'Legal Aid Agency' },
  });
  const of = (kind: string) =>
    fy.areas.flatMap((a) => a.items.filter((i) => i.kind === kind).map((i) => `${a.businessArea} ${i.reference} ${i.status}`));

  it('holds what happened from 1 April to 31 March', () => {
    expect(of('APPROVAL')).toEqual(['HMCTS OFF-2 Approved', 'HMCTS OFF-3 Approved']);
    expect(of('INCIDENT')).toEqual(['HMCTS INC-2 Open', 'HMCTS INC-3 Open']);
  });

  it('lists each existing contract non-compliant by the year’s end under its area, saying when its action plan is overdue', () => {
    expect(of('NON_COMPLIANT')).toEqual([
      'LAA SVC-5 Non-compliant: action plan by 2026-12-31, overdue',
      'LAA SVC-6 Non-compliant: action plan by 2027-09-30',
    ]);
  });

  it('lists each request rejected or closed in it under each of its areas, with what became of it', () => {
    const expected = ['OFF-R1 Rejected', 'OFF-R2 Closed: the Departmental Head did not support it', 'OFF-R3 Rejected, since approved'];
    expect(of('REJECTED_OR_CLOSED')).toEqual([...expected.map((e) => `HMCTS ${e}`), ...expected.map((e) => `LAA ${e}`)]);
    expect(fy.areas.find((a) => a.businessArea === 'LAA')!.counts).toEqual({
      VARIATION: 0,
      EXEMPTION: 0,
      INCIDENT: 0,
      APPROVAL: 0,
      NON_COMPLIANT: 2,
      REJECTED_OR_CLOSED: 3,
    });
  });

  it('names the period in its CSV’s first column, with the new kinds in words', () => {
    const lines = governanceReportCsv(fy).trim().split('\r\n');
    expect(lines[0]!.startsWith('"Period",')).toBe(true);
    expect(lines.slice(1).every((l) => l.startsWith('"Financial year 2026 to 2027",'))).toBe(true);
    expect(lines).toContainEqual(expect.stringContaining('"LAA","Legal Aid Agency","Existing contract listed as non-compliant","SVC-5"'));
    expect(lines).toContainEqual(
      expect.stringContaining('"HMCTS","HM Courts and Tribunals Service","Offshoring request rejected or closed","OFF-R2"'),
    );
  });

  it('is read by the security team whole, and by an area’s Accounting Officer or Departmental Head for their areas alone', () => {
    const directory = loadApproverDirectory();
    const laaOfficer = directory.businessAreas.LAA!.accountingOfficer!.email;
    const hmctsHead = directory.businessAreas.HMCTS!.departmentalHead.email;
    expect(governanceReaderOf(directory, { email: 'x@justice.gov.uk', securityTeam: true })).toEqual({ all: true });
    expect(governanceReaderOf(directory, { email: laaOfficer.toUpperCase(), securityTeam: false })).toEqual({ all: false, areas: ['LAA'] });
    expect(governanceReaderOf(directory, { email: hmctsHead, securityTeam: false })).toEqual({ all: false, areas: ['HMCTS'] });
    expect(governanceReaderOf(directory, { email: 'owner@justice.gov.uk', securityTeam: false })).toEqual({ all: false, areas: [] });
    expect(governanceReaderOf(directory, undefined)).toEqual({ all: false, areas: [] });
    const withMojWide = { ...fy, areas: [...fy.areas, { ...fy.areas[0]!, businessArea: MOJ_WIDE }] };
    expect(governanceReportFor(withMojWide, { all: false, areas: ['LAA'] }).areas.map((a) => a.businessArea)).toEqual(['LAA']);
    expect(governanceReportFor(withMojWide, { all: true }).areas).toHaveLength(3);
  });
});
