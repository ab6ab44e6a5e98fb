import type { OffshoringRequest, Person } from './request.ts';
import type { ServiceChange } from './service-change.ts';
import { CHANGE_TYPE_WORDS, DATA_CATEGORY_WORDS, locationInWords, ukDate } from './words.ts';

const person = (p: Person | undefined) => (p ? `${p.name} (${p.email})` : 'None named');
const listed = (items: readonly string[]) => (items.length ? items.join('; ') : 'None');

/** The request's fields in words, in the order people read them. */
const FIELDS: [string, (r: OffshoringRequest) => string][] = [
  ['Service name', (r) => r.serviceName],
  ['Supplier', (r) => r.supplierName],
  ['What is proposed', (r) => r.description],
  ['Type of change', (r) => CHANGE_TYPE_WORDS[r.changeType]],
  ['Business areas', (r) => [...r.businessAreas].sort().join(', ')],
  ['Data classification', (r) => r.dataClassification],
  [
    'Kinds of data',
    (r) =>
      [...r.dataCategories]
        .sort()
        .map((c) => DATA_CATEGORY_WORDS[c])
        .join(', '),
  ],
  [
    'Offshore locations and activities',
    (r) =>
      [...r.offshoreLocations]
        .sort((a, b) => a.country.localeCompare(b.country))
        .map(locationInWords)
        .join('; '),
  ],
  ['Planned start date', (r) => ukDate(r.plannedStartDate)],
  ['Contract manager', (r) => person(r.contractManager)],
  ['Mitigations', (r) => listed(r.mitigations)],
];

/** A request as a round's approvers were asked to approve it, field by field, in words. */
export function requestInWords(request: OffshoringRequest): { what: string; value: string }[] {
  return FIELDS.map(([what, read]) => ({ what, value: read(request) }));
}

/**
 * What an adjusted request (Offshoring Policy, Process 3: "Adjust plans so that approval is
 * granted") changes from the one the previous round's approvers saw, field by field, in words.
 * Empty when it was sent again unchanged.
 */
export function requestChanges(before: OffshoringRequest, after: OffshoringRequest): ServiceChange[] {
  return FIELDS.map(([what, read]) => ({ what, before: read(before), after: read(after) })).filter((c) => c.before !== c.after);
}
