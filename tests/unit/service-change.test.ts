import { describe, expect, it } from 'vitest';
import { serviceChanges } from '../../functions/domain/service-change.ts';
import { validateOffshoringRequest } from '../../functions/domain/request-checks.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

const request = validateOffshoringRequest(singleAreaRequest(), loadApproverDirectory());
const before = {
  serviceId: 'SVC-1',
  version: 3,
  serviceName: request.serviceName,
  supplierName: request.supplierName,
  businessAreas: [...request.businessAreas],
  offshoreLocations: request.offshoreLocations.map((l) => ({ ...l, activities: [...l.activities] })),
  dataClassification: request.dataClassification,
  dataCategories: [...request.dataCategories],
};

describe('what a CHANGE alters in its registered service', () => {
  it('is nothing when the request says what the register says, whatever the order of lists', () => {
    expect(
      serviceChanges(
        { ...before, offshoreLocations: [...before.offshoreLocations].reverse(), dataCategories: [...before.dataCategories].reverse() },
        request,
      ),
    ).toEqual([]);
  });

  it('names each changed field with its before and after, in words', () => {
    const after = { ...request, supplierName: 'New Supplier Ltd', offshoreLocations: [{ country: 'IE', activities: ['HOSTING' as const] }] };
    const changes = serviceChanges(before, after);
    expect(changes.map((c) => c.what)).toEqual(['Supplier', 'Offshore locations and activities']);
    expect(changes[0]).toEqual({ what: 'Supplier', before: request.supplierName, after: 'New Supplier Ltd' });
    expect(changes[1]!.after).toBe('Ireland (IE): hosting');
  });
});

describe('a CHANGE names its register entry', () => {
  const problems = (body: unknown) => {
    try {
      validateOffshoringRequest(body, loadApproverDirectory());
      return [];
    } catch (error) {
      return (error as { errors: { path: string }[] }).errors.map((e) => e.path);
    }
  };

  it('refuses a CHANGE without serviceId on that field, listed with every other problem', () => {
    expect(problems({ ...singleAreaRequest(), changeType: 'CHANGE' })).toEqual(['serviceId']);
    expect(problems({ ...singleAreaRequest(), changeType: 'CHANGE', serviceName: '' })).toEqual(['serviceName', 'serviceId']);
  });

  it('takes a CHANGE naming one, and a NEW or EXISTING request without one', () => {
    expect(problems({ ...singleAreaRequest(), changeType: 'CHANGE', serviceId: 'SVC-ABC123' })).toEqual([]);
    expect(problems({ ...singleAreaRequest(), changeType: 'NEW' })).toEqual([]);
  });
});
