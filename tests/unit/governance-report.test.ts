import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildGovernanceReport } from '../../functions/domain/governance-report.ts';
import type { IncidentRecord, RegisterEntry } from '../../functions/store/records.ts';

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
  buildGovernanceReport(2026, { exemptions: [], incidents: i, services: s, today: '2026-11-23', areaNames: {} });

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
