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

export interface PersonValues {
  name: string;
  email: string;
}

type DateValues = { day: string; month: string; year: string };

/** For an existing contract (Offshoring Policy, Process: "For existing contracts ..."); its criticality is the service's. */
export interface ExistingContractValues {
  endOrBreakDate: DateValues;
  variationsRequired: string;
  variationCost: string;
  actionPlanDate: DateValues;
}

/** The form as typed: every field a string (or list of strings), ready to be shown again. */
export interface RequestFormValues {
  serviceName: string;
  supplierName: string;
  description: string;
  changeType: string;
  serviceId: string;
  businessCriticality: string;
  businessAreas: string[];
  dataClassification: string;
  dataCategories: string[];
  offshoreLocations: LocationValues[];
  plannedStartDate: { day: string; month: string; year: string };
  serviceOwner: { name: string; email: string };
  contractManager: { name: string; email: string };
  /** Optional: left blank, the service owner is the Information Asset Owner. */
  informationAssetOwner: PersonValues;
  /** Other interested parties, told and never asked: at least one row, so MoJ add-another has one to copy. */
  interestedParties: PersonValues[];
  existingContract: ExistingContractValues;
  /** One mitigation a line: a plain textarea works without JavaScript and shows every mitigation at once. */
  mitigations: string;
}

const str = (value: unknown) => (typeof value === 'string' ? value : '');
const record = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : []);

const blankLocation = (): LocationValues => ({ country: '', activities: [] });
const blankPerson = (): PersonValues => ({ name: '', email: '' });
const blankDate = (): DateValues => ({ day: '', month: '', year: '' });
const blankContract = (): ExistingContractValues => ({
  endOrBreakDate: blankDate(),
  variationsRequired: '',
  variationCost: '',
  actionPlanDate: blankDate(),
});
const dateParts = (value: unknown): DateValues => {
  const date = record(value);
  return { day: str(date.day), month: str(date.month), year: str(date.year) };
};
/** A stored YYYY-MM-DD as the date input shows it (1 3 2027). */
const isoDateParts = (value: unknown): DateValues => {
  const [year = '', month = '', day = ''] = str(value).split('-');
  const number = (part: string) => (/^\d+$/.test(part) ? String(Number(part)) : part);
  return { day: number(day), month: number(month), year };
};
const person = (value: unknown): PersonValues => ({ name: str(record(value).name), email: str(record(value).email) });
const people = (value: unknown): PersonValues[] => list(value).map(person);
const atLeastOne = <T>(items: T[], blank: () => T) => (items.length > 0 ? items : [blank()]);

/** A blank form, the service owner being the signed-in person. */
export function blankForm(owner: { name?: string; email: string }): RequestFormValues {
  return {
    serviceName: '',
    supplierName: '',
    description: '',
    changeType: '',
    serviceId: '',
    businessCriticality: '',
    businessAreas: [],
    dataClassification: '',
    dataCategories: [],
    offshoreLocations: [blankLocation()],
    plannedStartDate: { day: '', month: '', year: '' },
    serviceOwner: { name: owner.name ?? '', email: owner.email },
    contractManager: { name: '', email: '' },
    informationAssetOwner: blankPerson(),
    interestedParties: [blankPerson()],
    existingContract: blankContract(),
    mitigations: '',
  };
}

/** The POSTed form (read by readForm) as typed. */
export function formValues(form: Record<string, unknown>): RequestFormValues {
  const date = record(form.plannedStartDate);
  const contract = record(form.existingContract);
  const locations = list(form.offshoreLocations).map((l) => ({ country: str(record(l).country), activities: checked(record(l).activities) }));
  return {
    serviceName: str(form.serviceName),
    supplierName: str(form.supplierName),
    description: str(form.description),
    changeType: str(form.changeType),
    serviceId: str(form.serviceId),
    businessCriticality: str(form.businessCriticality),
    businessAreas: checked(form.businessAreas),
    dataClassification: str(form.dataClassification),
    dataCategories: checked(form.dataCategories),
    offshoreLocations: locations.length > 0 ? locations : [blankLocation()],
    plannedStartDate: { day: str(date.day), month: str(date.month), year: str(date.year) },
    serviceOwner: person(form.serviceOwner),
    contractManager: person(form.contractManager),
    informationAssetOwner: person(form.informationAssetOwner),
    interestedParties: atLeastOne(people(form.interestedParties), blankPerson),
    existingContract: {
      endOrBreakDate: dateParts(contract.endOrBreakDate),
      variationsRequired: str(contract.variationsRequired),
      variationCost: str(contract.variationCost),
      actionPlanDate: dateParts(contract.actionPlanDate),
    },
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
  const contract = record(r.existingContract);
  return {
    serviceName: str(r.serviceName),
    supplierName: str(r.supplierName),
    description: str(r.description),
    changeType: str(r.changeType),
    serviceId: str(r.serviceId),
    // A stored request may not say it; an existing contract's criticality is the same answer.
    businessCriticality: str(r.businessCriticality) || str(contract.criticality),
    businessAreas: strings(r.businessAreas),
    dataClassification: str(r.dataClassification),
    dataCategories: strings(r.dataCategories),
    offshoreLocations: list(r.offshoreLocations).map((l) => ({ country: str(record(l).country), activities: strings(record(l).activities) })),
    plannedStartDate: { day: number(day), month: number(month), year },
    serviceOwner: person(r.serviceOwner),
    contractManager: person(r.contractManager),
    informationAssetOwner: person(r.informationAssetOwner),
    interestedParties: atLeastOne(people(r.interestedParties), blankPerson),
    existingContract: {
      endOrBreakDate: isoDateParts(contract.endOrBreakDate),
      variationsRequired: str(contract.variationsRequired),
      variationCost: str(contract.variationCost),
      actionPlanDate: isoDateParts(contract.actionPlanDate),
    },
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
 * service id is sent only for a change (the field is hidden for other types), and the existing
 * contract's answers only for an existing contract. The contract manager is sent only when either
 * field is filled in, so one left blank is refused as missing, on the contract manager; each interested
 * party likewise (rows left blank are dropped). The Information Asset Owner is sent only when either
 * field is filled in: left blank, the service owner is the Information Asset Owner. An existing
 * contract's criticality is the service's, so it is not asked twice.
 */
export function requestBody(values: RequestFormValues): OffshoringRequestInput {
  const filled = values.offshoreLocations.filter((l) => l.country.trim() !== '' || l.activities.length > 0);
  const locations = filled.length > 0 ? filled : values.offshoreLocations.slice(0, 1);
  const manager = { name: values.contractManager.name, email: values.contractManager.email.trim() };
  const assetOwner = { name: values.informationAssetOwner.name, email: values.informationAssetOwner.email.trim() };
  const parties = values.interestedParties
    .map((p) => ({ name: p.name, email: p.email.trim() }))
    .filter((p) => p.name.trim() !== '' || p.email !== '');
  const contract = values.existingContract;
  const body: Record<string, unknown> = {
    serviceName: values.serviceName,
    supplierName: values.supplierName,
    description: values.description,
    ...(values.changeType ? { changeType: values.changeType } : {}),
    ...(values.businessCriticality ? { businessCriticality: values.businessCriticality } : {}),
    businessAreas: values.businessAreas,
    ...(values.dataClassification ? { dataClassification: values.dataClassification } : {}),
    dataCategories: values.dataCategories,
    offshoreLocations: locations.map((l) => ({ country: l.country, activities: l.activities })),
    plannedStartDate: dateFromParts(values.plannedStartDate) ?? '',
    ...(values.changeType === 'CHANGE' && values.serviceId.trim() !== '' ? { serviceId: values.serviceId.trim() } : {}),
    serviceOwner: { name: values.serviceOwner.name, email: values.serviceOwner.email.trim() },
    ...(manager.name.trim() !== '' || manager.email !== '' ? { contractManager: manager } : {}),
    ...(assetOwner.name.trim() !== '' || assetOwner.email !== '' ? { informationAssetOwner: assetOwner } : {}),
    ...(parties.length > 0 ? { interestedParties: parties } : {}),
    ...(values.changeType === 'EXISTING'
      ? {
          existingContract: {
            endOrBreakDate: dateFromParts(contract.endOrBreakDate) ?? '',
            variationsRequired: contract.variationsRequired,
            variationCost: contract.variationCost,
            actionPlanDate: dateFromParts(contract.actionPlanDate) ?? '',
          },
        }
      : {}),
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
  businessCriticality: 'How critical the service is to the MoJ',
  businessAreas: 'Business areas',
  dataClassification: 'Data classification',
  dataCategories: 'Kinds of data',
  offshoreLocations: 'Offshore locations',
  'offshoreLocations.*.country': 'Country',
  'offshoreLocations.*.activities': 'What happens in this country',
  plannedStartDate: 'Planned start date',
  'serviceOwner.name': "Service owner's name",
  'serviceOwner.email': "Service owner's email address",
  contractManager: 'Contract manager',
  'contractManager.name': "Contract manager's name",
  'contractManager.email': "Contract manager's email address",
  interestedParties: 'Interested parties',
  'interestedParties.*.name': "Interested party's name",
  'interestedParties.*.email': "Interested party's email address",
  informationAssetOwner: 'Information Asset Owner',
  'informationAssetOwner.name': "Information Asset Owner's name",
  'informationAssetOwner.email': "Information Asset Owner's email address",
  'existingContract.endOrBreakDate': "The contract's end or break date",
  'existingContract.variationsRequired': 'Variations the contract would need',
  'existingContract.variationCost': 'The cost of those variations',
  'existingContract.actionPlanDate': 'Action plan date',
  existingContract: 'Existing contract',
  mitigations: 'Controls and mitigations',
};

/** Where an error's summary link goes when the field's id is not its path's: the first radio, box or input of a group. */
const ANCHORS: Readonly<Record<string, string>> = {
  plannedStartDate: 'plannedStartDate-day',
  offshoreLocations: 'offshoreLocations-0-country',
  serviceOwner: 'serviceOwner-name',
  contractManager: 'contractManager-name',
  interestedParties: 'interestedParties-0-name',
  informationAssetOwner: 'informationAssetOwner-name',
  businessCriticality: 'businessCriticality',
  existingContract: 'existingContract-endOrBreakDate-day',
  'existingContract.endOrBreakDate': 'existingContract-endOrBreakDate-day',
  'existingContract.actionPlanDate': 'existingContract-actionPlanDate-day',
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
  else if (path === 'plannedStartDate' || path === 'existingContract.endOrBreakDate' || path === 'existingContract.actionPlanDate')
    message = 'must be a real date, for example 1 3 2027';
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

/**
 * Adds an empty location or interested party (MoJ add-another's button without JavaScript), or
 * removes one.
 */
export function withLocationsChanged(values: RequestFormValues, form: Record<string, unknown>): RequestFormValues | undefined {
  if (form['offshoreLocations-add-another'] !== undefined) {
    return { ...values, offshoreLocations: [...values.offshoreLocations, blankLocation()] };
  }
  if (form['interestedParties-add-another'] !== undefined) {
    return { ...values, interestedParties: [...values.interestedParties, blankPerson()] };
  }
  const removeParty = str(form.removeInterestedParty);
  if (/^\d+$/.test(removeParty)) {
    return {
      ...values,
      interestedParties: atLeastOne(
        values.interestedParties.filter((_, index) => index !== Number(removeParty)),
        blankPerson,
      ),
    };
  }
  const remove = str(form.removeLocation);
  if (/^\d+$/.test(remove)) {
    const left = values.offshoreLocations.filter((_, index) => index !== Number(remove));
    return { ...values, offshoreLocations: left.length > 0 ? left : [blankLocation()] };
  }
  return undefined;
}
