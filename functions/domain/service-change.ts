import type { OffshoringRequest } from './request.ts';
import type { ServiceBeforeChange } from '#store/records';
import { countryName } from './countries.ts';

/** One thing a CHANGE alters in a registered service, in words, before and after. */
export interface ServiceChange {
  what: string;
  before: string;
  after: string;
}

const list = (codes: readonly string[]) => [...codes].map((c) => c.toLowerCase()).join(', ');
const locations = (all: OffshoringRequest['offshoreLocations']) =>
  [...all]
    .sort((a, b) => a.country.localeCompare(b.country))
    .map((l) => `${countryName(l.country)} (${l.country}): ${list([...l.activities].sort())}`)
    .join('; ');

/**
 * What a CHANGE alters in the registered service it names: locations, activities, data, supplier,
 * business areas, name (Offshoring Policy, Approval: a change to an offshored service is approved
 * like a new one, so its approvers see the before and after). Empty when nothing of these changes.
 */
export function serviceChanges(before: ServiceBeforeChange, after: OffshoringRequest): ServiceChange[] {
  const pairs: [string, string, string][] = [
    ['Service name', before.serviceName, after.serviceName],
    ['Supplier', before.supplierName, after.supplierName],
    ['Business areas', [...before.businessAreas].sort().join(', '), [...after.businessAreas].sort().join(', ')],
    [
      'Data',
      `${before.dataClassification}; ${list([...before.dataCategories].sort())}`,
      `${after.dataClassification}; ${list([...after.dataCategories].sort())}`,
    ],
    ['Offshore locations and activities', locations(before.offshoreLocations), locations(after.offshoreLocations)],
  ];
  return pairs.filter(([, b, a]) => b !== a).map(([what, b, a]) => ({ what, before: b, after: a }));
}

/** The register entry's fields a change is compared with, as they stand now. */
export function snapshotForChange(entry: ServiceBeforeChange): ServiceBeforeChange {
  const { serviceId, version, serviceName, supplierName, businessAreas, offshoreLocations, dataClassification, dataCategories } = entry;
  return { serviceId, version, serviceName, supplierName, businessAreas, offshoreLocations, dataClassification, dataCategories };
}
