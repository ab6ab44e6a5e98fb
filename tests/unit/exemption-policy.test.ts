import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accountingOfficerOf, exemptionApprovers, exemptionInForce } from '../../functions/domain/offshoring-policy.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';
import { DirectorySchema, directoryEntry, directoryEntryIds, withEntryHolder } from '../../functions/domain/directory.ts';
import { ExemptionRequestSchema } from '../../functions/domain/exemption-request.ts';
import { buildGovernanceReport, calendarYear, governanceReportCsv, MOJ_WIDE } from '../../functions/domain/governance-report.ts';
import type { ExemptionRecord } from '../../functions/store/exemptions.ts';
import type { IncidentRecord, RegisterEntry } from '../../functions/store/records.ts';

const directory = loadApproverDirectory();
const AREAS = Object.keys(directory.businessAreas);

describe('exemptionApprovers (Offshoring Policy, Compliance; Corporate Security Policy: variations)', () => {
  it('asks exactly the MoJ Senior Security Adviser and the CISO for an exemption, from the directory', () => {
    expect(exemptionApprovers({}, directory).map(({ role, email }) => ({ role, email }))).toEqual([
      { role: 'SSA', email: directory.roles.SSA.email },
      { role: 'CISO', email: directory.roles.CISO.email },
    ]);
  });

  it('adds the business area’s own Accounting Officer for a variation, and nobody else, for every area', () => {
    fc.assert(
      fc.property(fc.constantFrom(...AREAS), (area) => {
        const approvers = exemptionApprovers({ variation: { businessArea: area } }, directory);
        expect(approvers.map((a) => a.role)).toEqual(['SSA', 'CISO', 'ACCOUNTING_OFFICER']);
        expect(approvers[2]).toMatchObject({ businessArea: area, email: accountingOfficerOf(directory, area)!.email });
      }),
    );
  });

  it('asks the Accounting Officer the bundled directory names for each area, chased through their own escalation contact', () => {
    for (const area of AREAS) {
      const named = directory.businessAreas[area]!.accountingOfficer;
      expect(named, area).toBeDefined();
      expect(named!.email).not.toBe(directory.businessAreas[area]!.departmentalHead.email);
      const { name, email, escalationContact } = named!;
      expect(exemptionApprovers({ variation: { businessArea: area } }, directory)[2]).toEqual({
        role: 'ACCOUNTING_OFFICER',
        businessArea: area,
        name,
        email,
        escalationContact,
      });
    }
    // The department's Principal Accounting Officer agrees MoJ HQ's variations.
    expect(directory.businessAreas.MOJ_HQ!.accountingOfficer!.name).toMatch(/Permanent Secretary/);
  });

  it('takes the Accounting Officer the directory names, else the area’s Departmental Head, chased through the security team', () => {
    const unnamed = structuredClone(directory);
    delete unnamed.businessAreas.LAA!.accountingOfficer;
    expect(accountingOfficerOf(unnamed, 'LAA')).toEqual({
      ...directory.businessAreas.LAA!.departmentalHead,
      escalationContact: directory.securityTeam,
    });
    expect(exemptionApprovers({ variation: { businessArea: 'LAA' } }, unnamed)[2]).toMatchObject({
      role: 'ACCOUNTING_OFFICER',
      businessArea: 'LAA',
      email: directory.businessAreas.LAA!.departmentalHead.email,
    });
    // Another area keeps its own.
    expect(accountingOfficerOf(unnamed, 'HMCTS')).toEqual(directory.businessAreas.HMCTS!.accountingOfficer);
    expect(() => exemptionApprovers({ variation: { businessArea: 'toString' } }, directory)).toThrow(/not in the approver directory/);
    expect(accountingOfficerOf(directory, 'NOWHERE')).toBeUndefined();
  });

  it('keeps an exemption in force to the end of its end date, and ended from the day after', () => {
    expect(exemptionInForce('2027-06-30', '2027-06-30')).toBe('ACTIVE');
    expect(exemptionInForce('2027-06-30', '2027-07-01')).toBe('EXPIRED');
  });
});

describe('the exemption’s schema', () => {
  it('refuses unknown fields, a blank clause or justification and a date that is not one, each by its path', () => {
    const parsed = ExemptionRequestSchema.safeParse({ policyClause: ' ', justification: '', endDate: '2027-02-29', variation: {}, other: 1 });
    expect(parsed.success).toBe(false);
    const paths = parsed.error!.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['', 'endDate', 'justification', 'policyClause', 'variation.businessArea']);
  });
});

describe('the approver directory’s Accounting Officers', () => {
  it('validates a directory naming an area’s Accounting Officer, and one naming none', () => {
    expect(DirectorySchema.safeParse(directory).success).toBe(true);
    const unnamed = structuredClone(directory);
    delete unnamed.businessAreas.HMCTS!.accountingOfficer;
    expect(DirectorySchema.safeParse(unnamed).success).toBe(true);
    const named = structuredClone(directory);
    named.businessAreas.HMCTS!.accountingOfficer = {
      name: 'A',
      email: 'a@justice.gov.uk',
      escalationContact: { name: 'B', email: 'b@justice.gov.uk' },
    };
    expect(DirectorySchema.safeParse(named).success).toBe(true);
    named.businessAreas.HMCTS!.accountingOfficer = { name: 'A', email: 'not-an-email' } as never;
    expect(
      DirectorySchema.safeParse(named)
        .error?.issues.map((i) => i.path.join('.'))
        .sort(),
    ).toEqual(['businessAreas.HMCTS.accountingOfficer.email', 'businessAreas.HMCTS.accountingOfficer.escalationContact']);
  });

  it('lets the security team name an area’s Accounting Officer as one entry, with whom to chase', () => {
    expect(directoryEntryIds(directory)).toContain('accountingOfficer.HMCTS');
    const entry = directoryEntry('accountingOfficer.HMCTS', directory)!;
    const contact = { name: 'HMCTS Finance Director', email: 'fd@hmcts.justice.gov.uk' };
    const next = withEntryHolder(directory, entry, { name: 'New Officer', email: 'new.officer@justice.gov.uk', escalationContact: contact });
    expect(next.businessAreas.HMCTS!.accountingOfficer).toEqual({
      name: 'New Officer',
      email: 'new.officer@justice.gov.uk',
      escalationContact: contact,
    });
    // Renamed later without a contact: the one named before stays.
    const renamed = withEntryHolder(next, entry, { name: 'Newer Officer', email: 'newer@justice.gov.uk' });
    expect(renamed.businessAreas.HMCTS!.accountingOfficer!.escalationContact).toEqual(contact);
    // The first one an area is given needs one.
    const unnamed = structuredClone(directory);
    delete unnamed.businessAreas.HMCTS!.accountingOfficer;
    expect(() => withEntryHolder(unnamed, entry, { name: 'No Contact', email: 'x@justice.gov.uk' })).toThrow();
    expect(directoryEntry('accountingOfficer.NOWHERE', directory)).toBeUndefined();
  });
});

const exemptionRecord = (
  over: Partial<Omit<ExemptionRecord, 'exemption'>> & { exemption?: Partial<ExemptionRecord['exemption']> },
): ExemptionRecord => ({
  kind: 'EXEMPTION',
  requestId: 'OFF-1',
  status: 'APPROVED',
  round: 1,
  requester: { name: 'Priya Shah', email: 'priya.shah@justice.gov.uk' },
  requiredApprovers: [],
  submittedAt: '2026-03-01T10:00:00Z',
  updatedAt: '2026-03-02T10:00:00Z',
  submittedBy: { kind: 'SERVICE_OWNER' },
  approvedAt: '2026-03-02T10:00:00Z',
  version: 2,
  ...over,
  exemption: { requestType: 'EXEMPTION', policyClause: 'Process 1(c)', justification: 'Because', endDate: '2027-01-31', ...over.exemption },
});

describe('the governance report', () => {
  const services = [
    {
      serviceId: 'SVC-1',
      requestId: 'OFF-S1',
      serviceName: 'Courts',
      supplierName: 'Acme',
      businessAreas: ['HMCTS'],
      approvedAt: '2026-05-01T00:00:00Z',
    },
    { serviceId: 'SVC-2', requestId: 'OFF-S2', serviceName: 'Old', supplierName: 'Acme', businessAreas: ['LAA'], approvedAt: '2025-05-01T00:00:00Z' },
  ] as RegisterEntry[];
  const incidents = [
    {
      incidentId: 'INC-1',
      kind: 'PERSONAL_DATA_BREACH',
      serviceId: 'SVC-1',
      serviceName: 'Courts',
      reportedAt: '2026-06-01T00:00:00Z',
      status: 'OPEN',
    },
    { incidentId: 'INC-2', kind: 'SECURITY_INCIDENT', reportedAt: '2026-07-01T00:00:00Z', status: 'CLOSED' },
  ] as IncidentRecord[];
  const exemptions = [
    exemptionRecord({ requestId: 'OFF-V', exemption: { variation: { businessArea: 'LAA' } } }),
    exemptionRecord({ requestId: 'OFF-E', service: { serviceId: 'SVC-1', serviceName: 'Courts', businessAreas: ['HMCTS'] } }),
    exemptionRecord({ requestId: 'OFF-W', exemption: { policyClause: '=HYPERLINK("http://x")' } }),
    // Asked and ended in an earlier year: not in 2026's report.
    exemptionRecord({
      requestId: 'OFF-OLD',
      submittedAt: '2024-01-01T00:00:00Z',
      approvedAt: '2024-01-02T00:00:00Z',
      exemption: { endDate: '2025-01-01' },
    }),
  ];
  const report = buildGovernanceReport(calendarYear(2026), {
    exemptions,
    incidents,
    services,
    today: '2026-11-23',
    areaNames: { HMCTS: 'Courts service', LAA: 'Legal Aid' },
  });
  const byArea = Object.fromEntries(report.areas.map((a) => [a.businessArea, a.items.map((i) => `${i.kind} ${i.reference}`)]));

  it('puts each variation, exemption, incident and approval of the year under its business area, the rest MoJ-wide', () => {
    expect(byArea).toEqual({
      HMCTS: ['EXEMPTION OFF-E', 'INCIDENT INC-1', 'APPROVAL OFF-S1'],
      LAA: ['VARIATION OFF-V'],
      [MOJ_WIDE]: ['EXEMPTION OFF-W', 'INCIDENT INC-2'],
    });
    expect(report.areas.find((a) => a.businessArea === 'HMCTS')!.counts).toEqual({
      VARIATION: 0,
      EXEMPTION: 1,
      INCIDENT: 1,
      APPROVAL: 1,
      NON_COMPLIANT: 0,
      REJECTED_OR_CLOSED: 0,
    });
  });

  it('writes CSV a spreadsheet reads as text: every cell quoted, quotes doubled, no formula', () => {
    const csv = governanceReportCsv(report);
    expect(csv.endsWith('\r\n')).toBe(true);
    const line = csv.split('\r\n').find((l) => l.includes('OFF-W'))!;
    expect(line).toContain(`"'=HYPERLINK(""http://x"") — the whole Offshoring Policy"`);
    expect(csv.split('\r\n')[1]).toMatch(/^"Calendar year 2026","HMCTS","Courts service","Exemption from the Offshoring Policy","OFF-E",/);
  });
});
