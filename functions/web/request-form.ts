import { ISO_3166_ALPHA2, countryName } from '../domain/countries.ts';
import type { FieldError, OffshoringRequestInput } from '../domain/request.ts';
import type { ApproverDirectory } from '../platform/directory.ts';
import { checked, dateFromParts, errorsForPage } from './forms.ts';

/**
 * The request form: its fields are named as the API's body (`offshoreLocations[0][country]`,
 * `plannedStartDate[day]`), so the form becomes the body the JSON API takes and the same checks
 * (validateOffshoringRequest) judge both. What a person typed is kept as typed, to show it again.
 */

export interface LocationValues {
  country: string;
  activities: string[];
}

/** The form as typed: every field a string (or list of strings), ready to be shown again. */
export interface RequestFormValues {
  serviceName: string;
  supplierName: string;
  description: string;
  changeType: string;
  serviceId: string;
  businessAreas: string[];
  dataClassification: string;
  dataCategories: string[];
  offshoreLocations: LocationValues[];
  plannedStartDate: { day: string; month: string; year: string };
  serviceOwner: { name: string; email: string };
  contractManager: { name: string; email: string };
  /** One mitigation a line: a plain textarea works without JavaScript and shows every mitigation at once. */
  mitigations: string;
}

const str = (value: unknown) => (typeof value === 'string' ? value : '');
const record = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : []);

const blankLocation = (): LocationValues => ({ country: '', activities: [] });

/** A blank form, the service owner being the signed-in person. */
export function blankForm(owner: { name?: string; email: string }): RequestFormValues {
  return {
    serviceName: '',
    supplierName: '',
    description: '',
    changeType: '',
    serviceId: '',
    businessAreas: [],
    dataClassification: '',
    dataCategories: [],
    offshoreLocations: [blankLocation()],
    plannedStartDate: { day: '', month: '', year: '' },
    serviceOwner: { name: owner.name ?? '', email: owner.email },
    contractManager: { name: '', email: '' },
    mitigations: '',
  };
}

/** The POSTed form (read by readForm) as typed. */
export function formValues(form: Record<string, unknown>): RequestFormValues {
  const date = record(form.plannedStartDate);
  const owner = record(form.serviceOwner);
  const manager = record(form.contractManager);
  const locations = list(form.offshoreLocations).map((l) => ({ country: str(record(l).country), activities: checked(record(l).activities) }));
  return {
    serviceName: str(form.serviceName),
    supplierName: str(form.supplierName),
    description: str(form.description),
    changeType: str(form.changeType),
    serviceId: str(form.serviceId),
    businessAreas: checked(form.businessAreas),
    dataClassification: str(form.dataClassification),
    dataCategories: checked(form.dataCategories),
    offshoreLocations: locations.length > 0 ? locations : [blankLocation()],
    plannedStartDate: { day: str(date.day), month: str(date.month), year: str(date.year) },
    serviceOwner: { name: str(owner.name), email: str(owner.email) },
    contractManager: { name: str(manager.name), email: str(manager.email) },
    mitigations: str(form.mitigations),
  };
}

/**
 * A request (as the API takes or stores it) as the form shows it: for resubmitting, or bringing the
 * checked answers back. Read field by field, as anything posted may have been changed on the way.
 */
export function requestFormValues(request: unknown): RequestFormValues {
  const r = record(request);
  const [year = '', month = '', day = ''] = str(r.plannedStartDate).split('-');
  const number = (part: string) => (/^\d+$/.test(part) ? String(Number(part)) : part);
  const strings = (value: unknown) => list(value).filter((v): v is string => typeof v === 'string');
  const owner = record(r.serviceOwner);
  const manager = record(r.contractManager);
  return {
    serviceName: str(r.serviceName),
    supplierName: str(r.supplierName),
    description: str(r.description),
    changeType: str(r.changeType),
    serviceId: str(r.serviceId),
    businessAreas: strings(r.businessAreas),
    dataClassification: str(r.dataClassification),
    dataCategories: strings(r.dataCategories),
    offshoreLocations: list(r.offshoreLocations).map((l) => ({ country: str(record(l).country), activities: strings(record(l).activities) })),
    plannedStartDate: { day: number(day), month: number(month), year },
    serviceOwner: { name: str(owner.name), email: str(owner.email) },
    contractManager: { name: str(manager.name), email: str(manager.email) },
    mitigations: strings(r.mitigations).join('\n'),
  };
}

/** One mitigation a line; blank lines are not mitigations. */
export const mitigationLines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');

/**
 * The form as the API's body. Locations left wholly blank (an added one never filled in) are not
 * locations, unless none is filled in, when the first stays for the checks to say what it lacks. A
 * service id is sent only for a change (the field is hidden for other types). A contract manager is
 * optional: sent only when either field is filled in.
 */
export function requestBody(values: RequestFormValues): OffshoringRequestInput {
  const filled = values.offshoreLocations.filter((l) => l.country.trim() !== '' || l.activities.length > 0);
  const locations = filled.length > 0 ? filled : values.offshoreLocations.slice(0, 1);
  const manager = { name: values.contractManager.name, email: values.contractManager.email.trim() };
  const body: Record<string, unknown> = {
    serviceName: values.serviceName,
    supplierName: values.supplierName,
    description: values.description,
    ...(values.changeType ? { changeType: values.changeType } : {}),
    businessAreas: values.businessAreas,
    ...(values.dataClassification ? { dataClassification: values.dataClassification } : {}),
    dataCategories: values.dataCategories,
    offshoreLocations: locations.map((l) => ({ country: l.country, activities: l.activities })),
    plannedStartDate: dateFromParts(values.plannedStartDate) ?? '',
    ...(values.changeType === 'CHANGE' && values.serviceId.trim() !== '' ? { serviceId: values.serviceId.trim() } : {}),
    serviceOwner: { name: values.serviceOwner.name, email: values.serviceOwner.email.trim() },
    ...(manager.name.trim() !== '' || manager.email !== '' ? { contractManager: manager } : {}),
    mitigations: mitigationLines(values.mitigations),
  };
  return body as OffshoringRequestInput;
}

/** The form as posted, straight to the API's body. */
export const formToRequestBody = (form: Record<string, unknown>) => requestBody(formValues(form));

/** Each field's name in words, for the error summary ("Service name must not be empty"). */
export const REQUEST_FIELD_LABELS: Readonly<Record<string, string>> = {
  serviceName: 'Service name',
  supplierName: 'Supplier',
  description: 'Description',
  changeType: 'Type of change',
  serviceId: 'Service being changed',
  businessAreas: 'Business areas',
  dataClassification: 'Data classification',
  dataCategories: 'Kinds of data',
  offshoreLocations: 'Offshore locations',
  'offshoreLocations.*.country': 'Country',
  'offshoreLocations.*.activities': 'What happens in this country',
  plannedStartDate: 'Planned start date',
  'serviceOwner.name': "Service owner's name",
  'serviceOwner.email': "Service owner's email address",
  'contractManager.name': "Contract manager's name",
  'contractManager.email': "Contract manager's email address",
  mitigations: 'Mitigations',
};

/** Where an error's summary link goes when the field's id is not its path's: the first radio, box or input of a group. */
const ANCHORS: Readonly<Record<string, string>> = {
  plannedStartDate: 'plannedStartDate-day',
  offshoreLocations: 'offshoreLocations-0-country',
  serviceOwner: 'serviceOwner-name',
  contractManager: 'contractManager-name',
};

/**
 * The checks' messages as a person reads them. The schema's own words stay where they are words; a
 * message that names codes (an enum's options, a date format, an ISO standard) says what to do instead.
 */
function inWords(error: FieldError): FieldError {
  // A list of choices (boxes) and the lines of the mitigations are one field on the page.
  const item = /^(businessAreas|dataCategories|mitigations|offshoreLocations\.\d+\.activities)\.(\d+)$/.exec(error.path);
  const path = item ? item[1]! : error.path;
  let message = error.message;
  if (/^Invalid option/.test(message) || /^unknown business area/.test(message)) message = 'must be chosen from the options given';
  else if (/^Invalid input/.test(message)) message = 'must be given';
  else if (/ISO 3166/.test(message)) message = 'must be chosen from the list of countries';
  else if (path === 'plannedStartDate') message = 'must be a real date, for example 1 3 2027';
  else if (item && path === 'mitigations') message = `line ${Number(item[2]) + 1} ${message}`;
  return { path, message };
}

/** The checks' errors as the GOV.UK error summary and each field's inline message. */
export function requestFormErrors(errors: readonly FieldError[]) {
  return errorsForPage(errors.map(inWords), REQUEST_FIELD_LABELS, ANCHORS);
}

/** The country picker's options: every country but the UK, by name, after a prompt. */
export const COUNTRY_ITEMS = [
  { value: '', text: 'Choose a country' },
  ...[...ISO_3166_ALPHA2]
    .filter((code) => code !== 'GB')
    .map((code) => ({ value: code, text: countryName(code) }))
    .sort((a, b) => a.text.localeCompare(b.text, 'en-GB')),
];

/** The business areas' boxes, named as the directory names them. */
export const businessAreaItems = (directory: ApproverDirectory) =>
  Object.entries(directory.businessAreas).map(([code, area]) => ({ value: code, text: area.name }));

/** Adds an empty location (the "Add another location" button without JavaScript), or removes one. */
export function withLocationsChanged(values: RequestFormValues, form: Record<string, unknown>): RequestFormValues | undefined {
  if (form['offshoreLocations-add-another'] !== undefined) {
    return { ...values, offshoreLocations: [...values.offshoreLocations, blankLocation()] };
  }
  const remove = str(form.removeLocation);
  if (/^\d+$/.test(remove)) {
    const left = values.offshoreLocations.filter((_, index) => index !== Number(remove));
    return { ...values, offshoreLocations: left.length > 0 ? left : [blankLocation()] };
  }
  return undefined;
}
