import { describe, expect, it } from 'vitest';
import { requestChanges } from '../../functions/domain/round-changes.ts';
import { OffshoringRequestSchema } from '../../functions/domain/request.ts';
import { findingInWords } from '../../functions/web/security-team-pages.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

describe('what an adjusted request changes, in words', () => {
  const before = OffshoringRequestSchema.parse(singleAreaRequest());

  it('is nothing when the request is sent again unchanged', () => {
    expect(requestChanges(before, OffshoringRequestSchema.parse(singleAreaRequest()))).toEqual([]);
  });

  it('names each field that changed, before and after, with codes and dates in words', () => {
    const after = OffshoringRequestSchema.parse({
      ...singleAreaRequest(),
      supplierName: 'Southwind Ltd',
      plannedStartDate: '2027-04-01',
      offshoreLocations: [{ country: 'IE', activities: ['HOSTING'] }],
      dataCategories: ['PERSONAL'],
    });
    expect(requestChanges(before, after)).toEqual([
      { what: 'Supplier', before: before.supplierName, after: 'Southwind Ltd' },
      { what: 'Kinds of data', before: 'Legal data, Personal data', after: 'Personal data' },
      { what: 'Offshore locations and activities', before: 'India: Processing, Access to the data', after: 'Ireland: Hosting' },
      { what: 'Planned start date', before: '1 March 2027', after: '1 April 2027' },
    ]);
  });
});

describe("a monitoring finding's summary, in words", () => {
  it('says ISO dates and times, statuses and roles as people read them', () => {
    expect(findingInWords('Request OFF-1 is PENDING_APPROVAL since 2026-11-23T18:47:00.000Z; review due 2027-01-05 (BUSINESS_AREA_SIRO)')).toBe(
      'Request OFF-1 is waiting for approval since 6:47pm on 23 November 2026 (UK time); review due 5 January 2027 (Agency or Departmental Senior Information Risk Officer (SIRO))',
    );
  });
});
