import fc from 'fast-check';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { apiRoutes, type ApiRoute } from '../../functions/catalogue.ts';
import { MAX_BODY_BYTES } from '../../functions/web/http.ts';
import { ISO_3166_ALPHA2 } from '../../functions/domain/countries.ts';
import { MAX_BODY_BYTES as LOCAL_SERVER_MAX_BODY_BYTES } from '../../local/api-server.ts';
import { form, linkIn, SECURITY_TEAM, type Harness } from './harness.ts';
import { signedIn, type PageVisitor } from './pages.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';

/**
 * Property-based bad input for every write route of the function catalogue (every POST route, the
 * approver's decision form included), shared by the workflow test (CI) and `npm run bench`. Each
 * generated body is refused: 400 naming the fields (JSON `errors[].path`, or the form page's list),
 * 413 or 415; never 2xx, never 5xx; and the table is the same, item for item, before and after.
 *
 * Routes come from the catalogue, so a new POST route is covered by the route-independent classes
 * (not JSON, JSON that is not an object, unknown and prototype keys, deep nesting, wrong content
 * types, bodies around the size limits) as soon as it exists; BODY_CONTRACTS adds its own fields.
 */

export const writeRoutes: readonly ApiRoute[] = apiRoutes.filter((route) => route.method === 'POST');
export const routeKey = (route: ApiRoute) => `${route.method} ${route.path}`;

/** What a bad body targets: real records, so that a body wrongly accepted would change something. */
export interface Targets {
  owner: string;
  /** APPROVED, and its register entry. */
  approvedRequestId: string;
  serviceId: string;
  /** REJECTED: the rejection routes' target. */
  rejectedRequestId: string;
  /** PENDING_APPROVAL: the withdrawal's target, and the decision form's (one of its approvals, with its link token). */
  pendingRequestId: string;
  approval: { approvalId: string; token: string };
  /** A reported incident: the security team's updates' target. */
  incidentId: string;
  /** An exemption waiting for its approvals: its withdrawal's target. */
  pendingExemptionId: string;
  /** A rejected exemption (not a variation): asking for it again is its target. */
  rejectedExemptionId: string;
}

/** API callers send a bearer token; page callers ('…Session') a session cookie, and the session's CSRF token in every form. */
type Caller = 'owner' | 'securityTeam' | 'approvalLink' | 'ownerSession' | 'securityTeamSession';

type Json = unknown;

interface JsonBodyContract {
  kind: 'json';
  /** A body the route accepts (sent only with a wrong content type, where it must be refused). */
  valid: () => Record<string, Json>;
  /** Dotted paths that must be present. */
  required: string[];
  /** Values that are wrong for a field whatever the rest of the body holds, by dotted path. */
  invalid: Record<string, fc.Arbitrary<Json>>;
  /** Objects in the body (dotted path, '' for the body) and the keys each may have. */
  objects: Record<string, string[]>;
  /** Which record the route acts on, and who may call it. */
  target?: (t: Targets) => Record<string, string>;
  caller?: Caller;
}

interface FormBodyContract {
  kind: 'form';
  valid: () => Record<string, string>;
  /** Whole forms that are wrong (the form schema ignores fields it does not know, so extra fields are not wrong). */
  invalid: fc.Arbitrary<Record<string, string | string[]>>;
  target?: (t: Targets) => Record<string, string>;
  caller?: Caller;
}

type BodyContract = JsonBodyContract | FormBodyContract;

// ---- Values -------------------------------------------------------------------------------------

const CONTROL_CHARACTERS = ['\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f'];
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'];
/** Keys that mean something to JavaScript objects: a body naming them must be refused like any unknown key. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  '__lookupGetter__',
];

/** A string with `inserted` strictly inside `base` (at either end, whitespace would be trimmed away). */
const withInside = (base: string, inserted: fc.Arbitrary<string>) =>
  fc.tuple(inserted, fc.integer({ min: 1, max: base.length - 1 })).map(([s, at]) => base.slice(0, at) + s + base.slice(at));

const notAString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);

/** Longer than `max` characters (code points, as the schema counts them), in ASCII, accented or astral characters. */
const tooLong = (max: number) =>
  fc.tuple(fc.constantFrom('x', 'é', '😀', 'ab '), fc.integer({ min: 1, max: 3 * max + 200 })).map(([unit, extra]) => {
    const count = Math.ceil((max + extra) / Array.from(unit).length);
    return `y${unit.repeat(count)}`;
  });

/** Text that is wrong in any text field: control characters and lone surrogates never belong in typed text. */
const badCharacters = (base: string) => withInside(base, fc.constantFrom(...CONTROL_CHARACTERS, ...LONE_SURROGATES));

/** Wrong for a text field with this maximum: wrong types, too long, bad characters and (if required) blank. */
function badText(max: number, { blankAllowed = false } = {}): fc.Arbitrary<Json> {
  return fc.oneof(
    notAString,
    tooLong(max),
    badCharacters('Some typed text'),
    ...(blankAllowed ? [] : [fc.constantFrom('', ' ', '\t', ' \n\r\t ', '\u00a0\u2003')]),
  );
}

const badEmail = fc.oneof(
  notAString,
  fc.constantFrom(
    '',
    'not-an-email',
    'a@b',
    'a@@justice.gov.uk',
    '@justice.gov.uk',
    'priya shah@justice.gov.uk',
    'priya.shah@justice.gov.uk\r\nBcc: x@evil.example',
    'priya.shah@justice.gov.uk>, <x@evil.example',
    '"x"@justice.gov.uk',
  ),
  badCharacters('priya.shah@justice.gov.uk'),
  fc.integer({ min: 255, max: 2000 }).map((n) => `${'p'.repeat(n)}@justice.gov.uk`),
);

const badPerson = fc.oneof(
  notAString.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
  fc.constant({}),
  fc.record({ name: fc.constant('Priya Shah') }),
);

const badDate = fc.oneof(
  notAString,
  fc.constantFrom(
    '',
    '2027-02-30',
    '2027-02-29',
    '2027-13-01',
    '2027-00-10',
    '2027-04-31',
    '27-03-01',
    '2027-3-1',
    '2027/03/01',
    '01/03/2027',
    '2027-03-01T00:00:00Z',
    '2027-03-01 ',
    'tomorrow',
    '2027-03-01\u0000',
    '２０２７-03-01',
    '+02027-03-01',
    '-2027-03-01',
  ),
);

const countryCodes = [...ISO_3166_ALPHA2];
// Not ISO 3166-1 alpha-2: user-assigned (XX, ZZ, AA, QM), reserved (UK, EU), three letters, names, digits.
const badCountry = fc.oneof(
  notAString,
  fc.constantFrom('', 'XX', 'ZZ', 'AA', 'QM', 'UK', 'EU', 'IND', 'India', 'I', 'I N', '12', 'IN\u0000', 'İN'),
  // Offshoring Policy, Introduction: the UK is not offshore, however it is written.
  fc.constantFrom('GB', 'gb', ' GB ', 'Gb', '\tgb\n'),
);

const badLocations = fc.oneof(
  notAString.filter((v) => !Array.isArray(v)),
  fc.constant([]),
  badCountry.map((country) => [{ country, activities: ['HOSTING'] }]),
  fc.constantFrom<Json>(
    [{ country: 'IN' }],
    [{ activities: ['HOSTING'] }],
    [{ country: 'IN', activities: [] }],
    [{ country: 'IN', activities: ['MINING'] }],
    [{ country: 'IN', activities: ['hosting'] }],
    [{ country: 'IN', activities: ['HOSTING', 'HOSTING'] }],
    [{ country: 'IN', activities: 'HOSTING' }],
    [
      { country: 'IN', activities: ['HOSTING'] },
      { country: 'in', activities: ['SUPPORT'] },
    ],
    [
      { country: 'IN', activities: ['HOSTING'] },
      { country: 'GB', activities: ['SUPPORT'] },
    ],
    ['IN'],
    [null],
  ),
  // More than 50 locations.
  fc.constant(
    countryCodes
      .filter((c) => c !== 'GB')
      .slice(0, 51)
      .map((country) => ({ country, activities: ['HOSTING'] })),
  ),
);

const badEnum = (allowed: readonly string[]) =>
  fc.oneof(
    notAString,
    fc
      .constantFrom('', ...allowed.map((a) => a.toLowerCase()), ...allowed.map((a) => `${a} `), ...allowed.map((a) => ` ${a}`), 'SECRET', 'UNKNOWN')
      .filter((v) => !allowed.includes(v)),
    fc.string({ maxLength: 20 }).filter((v) => !allowed.includes(v)),
  );

const badList = (item: fc.Arbitrary<Json>, good: string) =>
  fc.oneof(
    notAString.filter((v) => !Array.isArray(v)),
    fc.constant([]),
    fc.constant(good),
    item.map((v) => [v]),
    item.map((v) => [good, v]),
    fc.constant([good, good]),
  );

// ---- Contracts ----------------------------------------------------------------------------------

/** The offshoring request (intake and resubmission): functions/domain/request.ts. */
function offshoringRequestContract(target: JsonBodyContract['target']): JsonBodyContract {
  return {
    kind: 'json',
    // An Information Asset Owner is optional: named here, so their fields are tried too.
    valid: () =>
      ({ ...singleAreaRequest(), informationAssetOwner: { name: 'Grace Okafor', email: 'grace.okafor@justice.gov.uk' } }) as Record<string, Json>,
    required: [
      'serviceName',
      'supplierName',
      'description',
      'changeType',
      'businessCriticality',
      'businessAreas',
      'dataClassification',
      'dataCategories',
      'offshoreLocations',
      'plannedStartDate',
      'serviceOwner',
      'serviceOwner.name',
      'serviceOwner.email',
      'offshoreLocations.0.country',
      'offshoreLocations.0.activities',
      'contractManager',
      'contractManager.name',
      'contractManager.email',
      'mitigations',
    ],
    invalid: {
      serviceName: badText(200),
      supplierName: badText(200),
      description: badText(5000),
      changeType: badEnum(['NEW', 'CHANGE', 'EXISTING']),
      businessCriticality: badEnum(['LOW', 'MEDIUM', 'HIGH']),
      // Codes are trimmed and upper-cased, so only codes the directory lacks (or blanks) are wrong.
      businessAreas: badList(
        fc.oneof(notAString, fc.constantFrom('', ' \t', 'NARNIA', 'HMCTS_', 'MOJ', 'HM CTS', 'HMCTS\u0000', '__proto__', 'constructor')),
        'HMCTS',
      ),
      dataClassification: badEnum(['OFFICIAL', 'OFFICIAL-SENSITIVE']),
      dataCategories: badList(badEnum(['PERSONAL', 'FINANCIAL', 'LEGAL', 'OTHER']), 'PERSONAL'),
      offshoreLocations: badLocations,
      'offshoreLocations.0.country': badCountry,
      plannedStartDate: badDate,
      serviceOwner: badPerson,
      'serviceOwner.name': badText(200),
      'serviceOwner.email': badEmail,
      contractManager: badPerson,
      'contractManager.name': badText(200),
      'contractManager.email': badEmail,
      informationAssetOwner: badPerson,
      'informationAssetOwner.name': badText(200),
      'informationAssetOwner.email': badEmail,
      mitigations: fc.oneof(
        notAString.filter((v) => !Array.isArray(v)),
        fc.constant([]),
        badText(2000).map((m) => [m]),
        fc.constant(Array.from({ length: 51 }, (_, i) => `Mitigation ${i}`)),
      ),
      // A register id that is malformed, or names no service (this body is a NEW request, which names none).
      serviceId: fc.oneof(notAString, fc.constantFrom('', 'svc-1', 'SVC-', 'SVC-1/../x', 'SVC-ABC', 'SVC-NOPE123', ' SVC-1')),
    },
    objects: {
      '': [
        'serviceName',
        'supplierName',
        'description',
        'changeType',
        'businessCriticality',
        'businessAreas',
        'dataClassification',
        'dataCategories',
        'offshoreLocations',
        'plannedStartDate',
        'serviceId',
        'serviceOwner',
        'contractManager',
        'informationAssetOwner',
        'mitigations',
      ],
      serviceOwner: ['name', 'email'],
      contractManager: ['name', 'email'],
      informationAssetOwner: ['name', 'email'],
      'offshoreLocations.0': ['country', 'activities'],
    },
    ...(target ? { target } : {}),
    caller: 'owner',
  };
}

/** The owner's request form, filled in from the fixture, in the form's own field names. */
function ownerRequestForm(): Record<string, string | string[]> {
  const r = singleAreaRequest();
  return {
    serviceName: r.serviceName,
    supplierName: r.supplierName,
    description: r.description,
    changeType: r.changeType,
    businessCriticality: r.businessCriticality,
    businessAreas: r.businessAreas,
    dataClassification: r.dataClassification,
    dataCategories: r.dataCategories,
    'offshoreLocations[0][country]': r.offshoreLocations[0]!.country,
    'offshoreLocations[0][activities]': [...r.offshoreLocations[0]!.activities],
    'plannedStartDate[day]': '1',
    'plannedStartDate[month]': '3',
    'plannedStartDate[year]': '2027',
    'serviceOwner[name]': r.serviceOwner.name,
    'serviceOwner[email]': r.serviceOwner.email,
    'contractManager[name]': r.contractManager.name,
    'contractManager[email]': r.contractManager.email,
    mitigations: (r.mitigations ?? []).join('\n'),
  };
}
const OWNER_FORM_FIELDS = [
  'serviceName',
  'supplierName',
  'description',
  'changeType',
  'businessCriticality',
  'businessAreas',
  'dataClassification',
  'dataCategories',
  'offshoreLocations[0][country]',
  'offshoreLocations[0][activities]',
  'plannedStartDate[day]',
  'serviceOwner[name]',
  'serviceOwner[email]',
  'contractManager[name]',
  'contractManager[email]',
  'mitigations',
] as const;
/** One value a field (what `valid` gives): a form sending one box of each group. */
const singleValued = (fields: Record<string, string | string[]>): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, [v].flat()[0] ?? '']));
const dropField = (fields: Record<string, string | string[]>, field: string) =>
  Object.fromEntries(Object.entries(fields).filter(([k]) => k !== field));

/** Typed text that is wrong as a form sends it: too long, or with a control character inside. */
const typedTextWrong = (max: number) => fc.oneof(tooLong(max), withInside('Some typed text', fc.constantFrom(...CONTROL_CHARACTERS)));

/** One field of the owner's form wrong as a form can make it wrong (strings only). */
const badOwnerFormValue: fc.Arbitrary<Record<string, string | string[]>> = fc.oneof(
  typedTextWrong(200).map((serviceName) => ({ ...ownerRequestForm(), serviceName })),
  typedTextWrong(5000).map((description) => ({ ...ownerRequestForm(), description })),
  fc.constantFrom('', 'new', 'SECRET', 'NEW ').map((changeType) => ({ ...ownerRequestForm(), changeType })),
  fc.constantFrom('', 'high', 'VITAL', 'HIGH ').map((businessCriticality) => ({ ...ownerRequestForm(), businessCriticality })),
  // An Information Asset Owner is optional, but one named needs a name and an email address.
  fc
    .constantFrom<[string, string]>(['Grace Okafor', ''], ['', 'grace.okafor@justice.gov.uk'], ['Grace Okafor', 'not-an-email'])
    .map(([name, email]) => ({ ...ownerRequestForm(), 'informationAssetOwner[name]': name, 'informationAssetOwner[email]': email })),
  fc.constantFrom('NARNIA', 'HMCTS\u0000').map((area) => ({ ...ownerRequestForm(), businessAreas: area })),
  fc.constantFrom('', 'GB', 'XX', 'India').map((country) => ({ ...ownerRequestForm(), 'offshoreLocations[0][country]': country })),
  fc.constantFrom('MINING', 'hosting').map((activity) => ({ ...ownerRequestForm(), 'offshoreLocations[0][activities]': activity })),
  fc.constantFrom('31', '0', 'x', '').map((day) => ({ ...ownerRequestForm(), 'plannedStartDate[day]': day, 'plannedStartDate[month]': '2' })),
  fc.constantFrom('not-an-email', 'a@b', 'x@justice.gov.uk').map((email) => ({ ...ownerRequestForm(), 'serviceOwner[email]': email })),
  typedTextWrong(2000).map((line) => ({ ...ownerRequestForm(), mitigations: `A real mitigation\n${line}` })),
);

/**
 * Each write route's body, by route key. A POST route missing here still gets every
 * route-independent class; the test also insists it is described here.
 */
export const BODY_CONTRACTS: Record<string, BodyContract> = {
  'POST /requests': offshoringRequestContract(undefined),
  'POST /requests/{requestId}/resubmissions': offshoringRequestContract((t) => ({ requestId: t.rejectedRequestId })),
  'POST /requests/{requestId}/mitigations': {
    kind: 'json',
    valid: () => ({ mitigations: ['Supplier staff work on MoJ-managed devices'], replaceExisting: false }),
    required: ['mitigations'],
    invalid: {
      mitigations: fc.oneof(
        notAString.filter((v) => !Array.isArray(v)),
        fc.constant([]),
        badText(2000).map((m) => [m]),
        badText(2000).map((m) => ['A real mitigation', m]),
        fc.constant(Array.from({ length: 51 }, (_, i) => `Mitigation ${i}`)),
      ),
      replaceExisting: fc.oneof(fc.constantFrom('true', 'false', 0, 1, null, 'yes', [], {}), fc.string({ maxLength: 5 })),
    },
    objects: { '': ['mitigations', 'replaceExisting'] },
    target: (t) => ({ requestId: t.rejectedRequestId }),
    caller: 'owner',
  },
  'POST /requests/{requestId}/escalations': {
    kind: 'json',
    valid: () => ({
      caseForApproval: 'The service cannot run without this supplier',
      risksRectified: 'A DPIA is done and approved by the DPO',
      residualRisksRectified: true,
      businessArea: 'HMCTS',
    }),
    required: ['caseForApproval', 'risksRectified'],
    invalid: {
      caseForApproval: badText(5000),
      // Offshoring Policy, Process 3(b): what residual or inherent risk was rectified, in words.
      risksRectified: badText(5000),
      // Optional beside the text, and then `true` and nothing else.
      residualRisksRectified: fc.constantFrom(false, 'true', 'yes', 1, 0, null, [], {}, [true]),
      // The rejected request is HMCTS's alone: any other area, or none, is wrong.
      businessArea: fc.oneof(notAString, fc.constantFrom('', ' ', 'HMPPS', 'LAA', 'NARNIA', 'HMCTS\u0000', '__proto__')),
    },
    objects: { '': ['caseForApproval', 'risksRectified', 'residualRisksRectified', 'businessArea'] },
    target: (t) => ({ requestId: t.rejectedRequestId }),
    caller: 'owner',
  },
  'POST /requests/{requestId}/withdrawal': {
    kind: 'json',
    valid: () => ({ reason: 'No longer needed' }),
    required: [],
    invalid: { reason: badText(2000, { blankAllowed: true }) },
    objects: { '': ['reason'] },
    target: (t) => ({ requestId: t.pendingRequestId }),
    caller: 'owner',
  },
  // A review needing actions: its outcome, notes and each action (what, and a date today or later; the clock is fixed on 23 November 2026).
  'POST /services/{serviceId}/reviews': {
    kind: 'json',
    valid: () => ({
      outcome: 'ACTIONS_NEEDED',
      notes: 'Access reviews are late',
      actions: [{ what: 'Complete the quarterly access review', dueBy: '2027-01-31' }],
    }),
    required: ['outcome', 'notes', 'actions', 'actions.0.what', 'actions.0.dueBy'],
    invalid: {
      outcome: badEnum(['SATISFACTORY', 'ACTIONS_NEEDED']),
      notes: badText(5000),
      actions: fc.oneof(
        notAString.filter((v) => !Array.isArray(v)),
        fc.constantFrom<Json>([], ['Renew the certificate'], [null], [{}], [{ what: 'Renew the certificate' }], [{ dueBy: '2027-01-31' }]),
        fc.integer({ min: 21, max: 40 }).map((n) => Array.from({ length: n }, () => ({ what: 'Renew the certificate', dueBy: '2027-01-31' }))),
      ),
      'actions.0.what': badText(1000),
      'actions.0.dueBy': fc.oneof(badDate, fc.constantFrom('2026-11-22', '2020-01-01')),
    },
    objects: { '': ['outcome', 'notes', 'actions'], 'actions.0': ['what', 'dueBy'] },
    target: (t) => ({ serviceId: t.serviceId }),
    caller: 'securityTeam',
  },
  // A run takes no options: no body, or `{}`; anything else is refused.
  'POST /monitoring/runs': { kind: 'json', valid: () => ({}), required: [], invalid: {}, objects: { '': [] }, caller: 'securityTeam' },
  // The approver directory: a whole new version, as the API takes it, and one entry as its page's form.
  'POST /directory/versions': {
    kind: 'json',
    valid: () => ({ basedOnVersion: 1, note: 'Ada Lovelace is the CISO', directory: directoryWithCiso() }),
    required: [
      'basedOnVersion',
      'note',
      'directory',
      'directory.businessAreas',
      'directory.roles',
      'directory.securityTeam',
      'directory.roles.CISO',
      'directory.roles.CISO.email',
      'directory.roles.CISO.escalationContact',
      'directory.roles.CISO.escalationContact.email',
      'directory.businessAreas.HMCTS.name',
      'directory.businessAreas.HMCTS.siro',
      'directory.businessAreas.HMCTS.siro.escalationContact',
      'directory.businessAreas.HMCTS.departmentalHead',
      'directory.securityTeam.email',
    ],
    invalid: {
      basedOnVersion: fc.oneof(fc.integer({ max: 0 }), fc.constantFrom<Json>(1.5, '1', '', null, true, [], {}, [1])),
      note: badText(2000),
      'directory.roles.CISO.name': badText(200),
      'directory.roles.CISO.email': badEmail,
      'directory.roles.CISO.escalationContact': badPerson,
      'directory.roles.SSA': badPerson,
      'directory.businessAreas': fc.constantFrom<Json>({}, [], 'HMCTS', null, { hmcts: {} }, { 'NEW AREA': {} }),
      'directory.businessAreas.HMCTS.name': badText(200),
      'directory.businessAreas.HMCTS.siro.email': badEmail,
      'directory.businessAreas.HMCTS.departmentalHead': badPerson,
      // Offshoring Policy, Process 1(a): MoJ HQ's SIRO is the MoJ SIRO, never someone else.
      'directory.businessAreas.MOJ_HQ.siro.email': fc.constantFrom('someone.else@justice.gov.uk', 'ciso@justice.local'),
      'directory.securityTeam.email': badEmail,
    },
    objects: {
      '': ['basedOnVersion', 'note', 'directory'],
      directory: ['businessAreas', 'roles', 'securityTeam'],
      'directory.roles': ['MOJ_SIRO', 'SSA', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL'],
      'directory.roles.CISO': ['name', 'email', 'escalationContact'],
      'directory.roles.CISO.escalationContact': ['name', 'email'],
      'directory.businessAreas.HMCTS': ['name', 'siro', 'departmentalHead'],
      'directory.businessAreas.HMCTS.siro': ['name', 'email', 'escalationContact'],
      'directory.securityTeam': ['name', 'email'],
    },
    caller: 'securityTeam',
  },
  'POST /directory/edit': {
    kind: 'form',
    valid: directoryEntryForm,
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string | string[]>>(
        {},
        { ...directoryEntryForm(), entry: '' },
        { ...directoryEntryForm(), entry: 'role.NOPE' },
        // MoJ HQ's SIRO is changed as the MoJ SIRO (Process 1(a)).
        { ...directoryEntryForm(), entry: 'siro.MOJ_HQ' },
        { ...directoryEntryForm(), entry: 'role.__proto__' },
        { ...directoryEntryForm(), entry: 'siro.toString' },
        { ...directoryEntryForm(), entry: ['role.CISO', 'role.SSA'] },
        { ...directoryEntryForm(), basedOnVersion: '0' },
        { ...directoryEntryForm(), basedOnVersion: 'one' },
        { ...directoryEntryForm(), basedOnVersion: '' },
        { ...directoryEntryForm(), basedOnVersion: ['1', '1'] },
        { ...directoryEntryForm(), name: '' },
        { ...directoryEntryForm(), name: ['Ada', 'Lovelace'] },
        { ...directoryEntryForm(), email: 'not-an-email' },
        { ...directoryEntryForm(), email: 'ada@justice.gov.uk\r\nBcc: x@evil.example' },
        { ...directoryEntryForm(), 'escalationContact[email]': '' },
        { ...directoryEntryForm(), 'escalationContact[name]': '   ' },
        { ...directoryEntryForm(), note: '' },
        { ...directoryEntryForm(), note: ' \t\r\n' },
      ),
      fc.integer({ min: 2001, max: 60_000 }).map((n) => ({ ...directoryEntryForm(), note: 'n'.repeat(n) })),
      withInside('Ada Lovelace', fc.constantFrom(...CONTROL_CHARACTERS)).map((name) => ({ ...directoryEntryForm(), name })),
    ),
    caller: 'securityTeamSession',
  },
  'POST /approvals/{approvalId}': {
    kind: 'form',
    valid: () => ({ decision: 'APPROVE' }),
    invalid: fc.oneof(
      fc.constant({}),
      fc.constantFrom<Record<string, string | string[]>>(
        { decision: '' },
        { decision: 'approve' },
        { decision: 'Approve' },
        { decision: 'APPROVED' },
        { decision: 'APPROVE ' },
        { decision: ' REJECT' },
        { decision: 'YES' },
        { decision: 'APPROVE\u0000' },
        { decision: ['APPROVE', 'REJECT'] },
        { decision: ['APPROVE', 'APPROVE'] },
        { decision: 'REJECT' },
        { decision: 'REJECT', reason: '' },
        { decision: 'REJECT', reason: '   \t\r\n' },
        { decision: '__proto__' },
        { constructor: 'APPROVE', toString: 'APPROVE' },
      ),
      fc
        .tuple(fc.constantFrom('APPROVE', 'REJECT'), fc.integer({ min: 5001, max: 60_000 }))
        .map(([decision, n]) => ({ decision, reason: 'r'.repeat(n) })),
      // Control characters in the reason, whichever the decision (a form is UTF-8: a lone surrogate arrives as U+FFFD, which is text).
      fc
        .tuple(fc.constantFrom('APPROVE', 'REJECT'), withInside('Needs a DPIA first', fc.constantFrom(...CONTROL_CHARACTERS)))
        .map(([decision, reason]) => ({ decision, reason })),
      fc
        .string({ maxLength: 30 })
        .filter((d) => d !== 'APPROVE' && d !== 'REJECT')
        .map((decision) => ({ decision })),
    ),
    target: (t) => ({ approvalId: t.approval.approvalId }),
    caller: 'approvalLink',
  },
  'POST /register/{serviceId}/reviews': {
    kind: 'form',
    valid: () => ({ outcome: 'SATISFACTORY', notes: 'Reviewed the supplier controls with the owner' }),
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string | string[]>>(
        {},
        { outcome: 'SATISFACTORY', notes: '' },
        { outcome: 'GOOD', notes: 'Reviewed' },
        { outcome: 'ACTIONS_NEEDED', notes: 'Reviewed' },
        {
          outcome: 'ACTIONS_NEEDED',
          notes: 'Reviewed',
          'actions[0][what]': '',
          'actions[0][dueBy][day]': '',
          'actions[0][dueBy][month]': '',
          'actions[0][dueBy][year]': '',
        },
        {
          outcome: 'ACTIONS_NEEDED',
          notes: 'Reviewed',
          'actions[0][what]': 'Renew',
          'actions[0][dueBy][day]': '31',
          'actions[0][dueBy][month]': '2',
          'actions[0][dueBy][year]': '2027',
        },
        {
          outcome: 'ACTIONS_NEEDED',
          notes: 'Reviewed',
          'actions[0][what]': 'Renew',
          'actions[0][dueBy][day]': '1',
          'actions[0][dueBy][month]': '1',
          'actions[0][dueBy][year]': '2020',
        },
        {
          outcome: 'ACTIONS_NEEDED',
          notes: 'Reviewed',
          'actions[0][what]': '',
          'actions[0][dueBy][day]': '1',
          'actions[0][dueBy][month]': '1',
          'actions[0][dueBy][year]': '2027',
        },
        { outcome: 'ACTIONS_NEEDED', notes: 'Reviewed', actions: 'Renew' },
        {
          outcome: 'SATISFACTORY',
          notes: 'Reviewed',
          'actions[0][what]': 'Renew',
          'actions[0][dueBy][day]': '1',
          'actions[0][dueBy][month]': '1',
          'actions[0][dueBy][year]': '2027',
        },
        { notes: 'Reviewed' },
        { notes: '' },
        { notes: '   \t\r\n' },
        { notes: ['Reviewed', 'twice'] },
        { notes: 'Reviewed', serviceId: 'SVC-OTHER' },
        { notes: 'Reviewed', version: '7' },
        { constructor: 'Reviewed', toString: 'Reviewed' },
        { '__proto__[notes]': 'Reviewed' },
        { 'notes[0]': 'Reviewed' },
      ),
      fc.integer({ min: 5001, max: 60_000 }).map((n) => ({ notes: 'n'.repeat(n) })),
      withInside('Reviewed the supplier controls', fc.constantFrom(...CONTROL_CHARACTERS)).map((notes) => ({ notes })),
    ),
    target: (t) => ({ serviceId: t.serviceId }),
    caller: 'securityTeamSession',
  },
  // The service owner's pages: each form refused is shown again with the error summary, and nothing is stored.
  'POST /offshoring-requests/new': {
    kind: 'form',
    valid: () => singleValued(ownerRequestForm()),
    invalid: fc.oneof(
      fc.constant({}),
      fc.constantFrom(...OWNER_FORM_FIELDS).map((field) => dropField(ownerRequestForm(), field)),
      badOwnerFormValue,
      // Answers from the check page that are not there whole.
      fc.constantFrom<Record<string, string>>({ answers: '' }, { answers: 'not json' }, { answers: '[1]' }, { answers: 'null' }),
    ),
    caller: 'ownerSession',
  },
  'POST /offshoring-requests/new/check': {
    kind: 'form',
    valid: () => ({ formId: 'FORM-0123456789', answers: JSON.stringify(singleAreaRequest()) }),
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string>>(
        {},
        { formId: 'FORM-0123456789' },
        { answers: JSON.stringify(singleAreaRequest()) },
        { formId: 'x', answers: JSON.stringify(singleAreaRequest()) },
        { formId: 'FORM-0123456789', answers: 'not json' },
        { formId: 'FORM-0123456789', answers: 'null' },
        { formId: 'FORM-0123456789', answers: '{}' },
        { formId: 'FORM-0123456789', answers: JSON.stringify({ ...singleAreaRequest(), offshoreLocations: 5 }) },
        { formId: 'FORM-0123456789', answers: JSON.stringify({ ...singleAreaRequest(), serviceName: '' }) },
        { formId: 'FORM-0123456789', answers: JSON.stringify({ ...singleAreaRequest(), serviceOwner: { name: 'X', email: 'x@justice.gov.uk' } }) },
      ),
      badText(5000).map((description) => ({ formId: 'FORM-0123456789', answers: JSON.stringify({ ...singleAreaRequest(), description }) })),
    ),
    caller: 'ownerSession',
  },
  'POST /offshoring-requests/{requestId}/resubmit': {
    kind: 'form',
    valid: () => singleValued(ownerRequestForm()),
    invalid: fc.oneof(
      fc.constant({}),
      fc.constantFrom(...OWNER_FORM_FIELDS).map((field) => dropField(ownerRequestForm(), field)),
      badOwnerFormValue,
    ),
    target: (t) => ({ requestId: t.rejectedRequestId }),
    caller: 'ownerSession',
  },
  'POST /offshoring-requests/{requestId}/mitigations': {
    kind: 'form',
    valid: () => ({ mitigations: 'Supplier staff work on MoJ-managed devices', replaceExisting: 'false' }),
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string>>({}, { mitigations: '' }, { mitigations: ' \r\n\t' }, { replaceExisting: 'true' }),
      typedTextWrong(2000).map((mitigations) => ({ mitigations, replaceExisting: 'false' })),
    ),
    target: (t) => ({ requestId: t.rejectedRequestId }),
    caller: 'ownerSession',
  },
  'POST /offshoring-requests/{requestId}/escalate': {
    kind: 'form',
    valid: () => ({ caseForApproval: 'The service cannot run without this supplier', risksRectified: 'A DPIA is done' }),
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string>>(
        {},
        { caseForApproval: 'The service cannot run without this supplier' },
        { caseForApproval: 'The service cannot run without this supplier', residualRisksRectified: 'true' },
        { caseForApproval: 'The service cannot run without this supplier', risksRectified: ' \r\n' },
        { caseForApproval: 'The service cannot run without this supplier', risksRectified: 'A DPIA is done', businessArea: 'HMPPS' },
        { caseForApproval: 'The service cannot run without this supplier', risksRectified: 'A DPIA is done', businessArea: 'NARNIA' },
        { caseForApproval: '', risksRectified: 'A DPIA is done' },
      ),
      typedTextWrong(5000).map((caseForApproval) => ({ caseForApproval, risksRectified: 'A DPIA is done' })),
      typedTextWrong(5000).map((risksRectified) => ({ caseForApproval: 'The service cannot run without this supplier', risksRectified })),
    ),
    target: (t) => ({ requestId: t.rejectedRequestId }),
    caller: 'ownerSession',
  },
  'POST /offshoring-requests/{requestId}/withdraw': {
    kind: 'form',
    valid: () => ({ reason: 'No longer needed' }),
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string>>({}, { reason: '' }, { reason: ' \r\n ' }),
      typedTextWrong(2000).map((reason) => ({ reason })),
    ),
    target: (t) => ({ requestId: t.pendingRequestId }),
    caller: 'ownerSession',
  },
  // Breaches and incidents: a report, as the API takes it and as its page's form, and the security team's updates.
  'POST /incidents': {
    kind: 'json',
    valid: () => ({
      kind: 'SECURITY_INCIDENT',
      description: 'Odd logins to the supplier portal',
      discoveredAt: '2026-11-22',
      reporter: { name: 'Priya Shah', email: 'priya.shah@justice.gov.uk' },
    }),
    required: ['kind', 'description', 'discoveredAt', 'reporter.name', 'reporter.email'],
    invalid: {
      kind: fc.oneof(notAString, fc.constantFrom('', 'BREACH', 'personal_data_breach', 'BOTH ', '__proto__')),
      serviceId: fc.oneof(notAString, fc.constantFrom('', 'SVC-NOSUCH', 'svc-1', 'SVC-', 'OFF-1')),
      description: badText(5000),
      // Not a date, not a real one, or later than now (the clock is fixed on 23 November 2026).
      discoveredAt: fc.oneof(
        notAString,
        fc.constantFrom('', 'yesterday', '2026-02-31', '22/11/2026', '2026-11-24', '2099-01-01', '2026-11-23T10:01:00Z'),
      ),
      reporter: fc.oneof(
        notAString.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
        fc.constant({}),
      ),
      'reporter.name': badText(200),
      'reporter.email': badEmail,
    },
    objects: { '': ['kind', 'serviceId', 'description', 'discoveredAt', 'reporter'], reporter: ['name', 'email'] },
    caller: 'owner',
  },
  // Exemptions (Offshoring Policy, Compliance) and variations (Corporate Security Policy), as the API takes them.
  'POST /exemptions': {
    kind: 'json',
    valid: () => ({
      policyClause: 'Policy: all MoJ data stays in UK data centres',
      justification: 'The only disaster-recovery site is in Ireland until the UK one opens',
      endDate: '2027-06-30',
      variation: { businessArea: 'HMCTS' },
    }),
    required: ['policyClause', 'justification', 'endDate'],
    invalid: {
      // An exemption (the default) or a change to the policy, nothing else.
      requestType: fc.oneof(notAString, fc.constantFrom('', 'exemption', 'POLICY', 'AMENDMENT', 'EXEMPTION ')),
      policyClause: badText(2000),
      justification: badText(5000),
      serviceId: fc.oneof(notAString, fc.constantFrom('', 'SVC-NOSUCH', 'svc-1', 'SVC-', 'OFF-1')),
      // Not a date, not a real one, or not after today (the clock is fixed on 23 November 2026).
      endDate: fc.oneof(notAString, fc.constantFrom('', 'next year', '2027-02-29', '30/06/2027', '2026-11-23', '2020-01-01')),
      variation: fc.oneof(
        notAString.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
        fc.constant({}),
      ),
      'variation.businessArea': fc.oneof(notAString, fc.constantFrom('', ' ', 'NOWHERE', 'HMCTS, LAA')),
    },
    objects: { '': ['requestType', 'policyClause', 'justification', 'serviceId', 'endDate', 'variation'], variation: ['businessArea'] },
    caller: 'owner',
  },
  'POST /exemptions/{requestId}/withdrawal': {
    kind: 'json',
    valid: () => ({ reason: 'No longer needed' }),
    required: [],
    invalid: { reason: badText(2000, { blankAllowed: true }) },
    objects: { '': ['reason'] },
    target: (t) => ({ requestId: t.pendingExemptionId }),
    caller: 'owner',
  },
  // A rejected exemption asked for again: the exemption revised, its scope (service, variation) unchanged.
  'POST /exemptions/{requestId}/resubmissions': {
    kind: 'json',
    valid: () => ({
      policyClause: 'Process 1(c)',
      justification: 'A framework contract, with Legal’s advice attached',
      endDate: '2027-06-30',
    }),
    required: ['policyClause', 'justification', 'endDate'],
    invalid: {
      // The rejected one is an exemption: asked again, it stays one.
      requestType: fc.oneof(notAString, fc.constantFrom('', 'POLICY_CHANGE', 'exemption')),
      policyClause: badText(2000),
      justification: badText(5000),
      // The rejected exemption is from the whole policy: naming any service is another exemption.
      serviceId: fc.oneof(notAString, fc.constantFrom('', 'SVC-NOSUCH', 'svc-1', 'SVC-', 'OFF-1')),
      endDate: fc.oneof(notAString, fc.constantFrom('', 'next year', '2027-02-29', '30/06/2027', '2026-11-23', '2020-01-01')),
      // Not a variation: naming one, of any area, is another exemption.
      variation: fc.oneof(
        notAString,
        fc.constantFrom({}, { businessArea: '' }, { businessArea: 'HMCTS' }, { businessArea: 'NOWHERE' }, { businessArea: 7 }),
      ),
    },
    // Not a variation, so the valid body has no `variation` to add unknown keys to.
    objects: { '': ['requestType', 'policyClause', 'justification', 'serviceId', 'endDate', 'variation'] },
    target: (t) => ({ requestId: t.rejectedExemptionId }),
    caller: 'owner',
  },
  'POST /exemptions/{requestId}/ask-again': {
    kind: 'form',
    valid: () => {
      const { serviceId: _, 'variation[businessArea]': __, ...revised } = exemptionForm();
      return revised;
    },
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string | string[]>>(
        {},
        { policyClause: '', justification: 'Revised', 'endDate[day]': '30', 'endDate[month]': '6', 'endDate[year]': '2027' },
        { policyClause: 'Process 1(c)', justification: ' \r\n\t', 'endDate[day]': '30', 'endDate[month]': '6', 'endDate[year]': '2027' },
        { policyClause: 'Process 1(c)', justification: 'Revised', 'endDate[day]': '31', 'endDate[month]': '2', 'endDate[year]': '2027' },
        { policyClause: 'Process 1(c)', justification: 'Revised', 'endDate[day]': '23', 'endDate[month]': '11', 'endDate[year]': '2026' },
        { policyClause: 'Process 1(c)', justification: 'Revised', 'endDate[day]': '', 'endDate[month]': '', 'endDate[year]': '' },
      ),
      typedTextWrong(5000).map((justification) => ({
        policyClause: 'Process 1(c)',
        justification,
        'endDate[day]': '30',
        'endDate[month]': '6',
        'endDate[year]': '2027',
      })),
    ),
    target: (t) => ({ requestId: t.rejectedExemptionId }),
    caller: 'ownerSession',
  },
  'POST /exemptions/{requestId}/withdraw': {
    kind: 'form',
    valid: () => ({ reason: 'No longer needed' }),
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string>>({}, { reason: '' }, { reason: ' \r\n ' }),
      typedTextWrong(2000).map((reason) => ({ reason })),
    ),
    target: (t) => ({ requestId: t.pendingExemptionId }),
    caller: 'ownerSession',
  },
  'POST /exemptions/new': {
    kind: 'form',
    valid: () => exemptionForm(),
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string | string[]>>(
        {},
        { ...exemptionForm(), policyClause: '' },
        { ...exemptionForm(), justification: ' \r\n\t' },
        { ...exemptionForm(), serviceId: 'SVC-NOSUCH' },
        { ...exemptionForm(), 'endDate[day]': '' },
        { ...exemptionForm(), 'endDate[day]': '31', 'endDate[month]': '2' },
        { ...exemptionForm(), 'endDate[year]': '2026', 'endDate[month]': '11', 'endDate[day]': '23' },
        { ...exemptionForm(), 'variation[businessArea]': 'NOWHERE' },
        { ...exemptionForm(), 'variation[businessArea]': ['HMCTS', 'LAA'] },
        { ...exemptionForm(), variation: 'HMCTS' },
      ),
      typedTextWrong(5000).map((justification) => ({ ...exemptionForm(), justification })),
    ),
    caller: 'ownerSession',
  },
  'POST /incidents/{incidentId}/updates': {
    kind: 'json',
    valid: () => ({ status: 'CONTAINED', note: 'Accounts reset' }),
    required: ['status', 'note'],
    invalid: { status: fc.oneof(notAString, fc.constantFrom('', 'open', 'FIXED', 'CLOSED ', '__proto__')), note: badText(5000) },
    objects: { '': ['status', 'note'] },
    target: (t) => ({ incidentId: t.incidentId }),
    caller: 'securityTeam',
  },
  'POST /report-an-incident': {
    kind: 'form',
    valid: () => incidentForm(),
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string | string[]>>(
        {},
        { ...incidentForm(), kind: '' },
        { ...incidentForm(), kind: 'BREACH' },
        { ...incidentForm(), kind: ['SECURITY_INCIDENT', 'BOTH'] },
        { ...incidentForm(), description: '' },
        { ...incidentForm(), description: ' \r\n\t' },
        { ...incidentForm(), serviceId: 'SVC-NOSUCH' },
        { ...incidentForm(), 'discoveredAt[day]': '' },
        { ...incidentForm(), 'discoveredAt[day]': '31', 'discoveredAt[month]': '2' },
        { ...incidentForm(), 'discoveredAt[year]': '2099' },
        { ...incidentForm(), 'discoveredAt[time]': '25:00' },
        { ...incidentForm(), 'discoveredAt[time]': 'noon' },
        { ...incidentForm(), 'reporter[email]': 'not-an-email' },
        { ...incidentForm(), 'reporter[name]': '' },
        { ...incidentForm(), reporter: 'Priya' },
      ),
      typedTextWrong(5000).map((description) => ({ ...incidentForm(), description })),
    ),
    caller: 'ownerSession',
  },
  'POST /incident-reports/{incidentId}': {
    kind: 'form',
    valid: () => ({ status: 'CONTAINED', note: 'Accounts reset' }),
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string | string[]>>(
        {},
        { status: 'CONTAINED' },
        { note: 'Accounts reset' },
        { status: 'FIXED', note: 'Accounts reset' },
        { status: 'CLOSED', note: ' \r\n ' },
        { status: ['OPEN', 'CLOSED'], note: 'Accounts reset' },
        { status: 'OPEN', note: 'Accounts reset', version: '2' },
        { constructor: 'OPEN', toString: 'x' },
      ),
      typedTextWrong(5000).map((note) => ({ status: 'CONTAINED', note })),
    ),
    target: (t) => ({ incidentId: t.incidentId }),
    caller: 'securityTeamSession',
  },
  // "Run now" is its button's run=now and the CSRF token: any other form is refused, and never starts a run.
  'POST /monitoring': {
    kind: 'form',
    valid: () => ({ run: 'now' }),
    invalid: fc.oneof(
      fc.constantFrom<Record<string, string | string[]>>(
        {},
        { run: '' },
        { run: 'later' },
        { run: 'NOW' },
        { run: ['now', 'now'] },
        { run: 'now', date: '2020-01-01' },
        { constructor: 'now' },
        { 'run[0]': 'now' },
      ),
      fc
        .dictionary(
          fc.string({ minLength: 1, maxLength: 20 }).filter((k) => k !== '_csrf' && k !== 'run' && !/[[\]]/.test(k)),
          fc.string({ maxLength: 20 }),
          { minKeys: 1, maxKeys: 3 },
        )
        .map((fields) => ({ ...fields })),
    ),
    caller: 'securityTeamSession',
  },
};

/** The report-an-incident page's form, filled in as a person would. */
function exemptionForm(): Record<string, string> {
  return {
    policyClause: 'Policy: all MoJ data stays in UK data centres',
    justification: 'The only disaster-recovery site is in Ireland until the UK one opens',
    serviceId: '',
    'endDate[day]': '30',
    'endDate[month]': '6',
    'endDate[year]': '2027',
    'variation[businessArea]': '',
  };
}

function incidentForm(): Record<string, string> {
  return {
    kind: 'SECURITY_INCIDENT',
    serviceId: '',
    description: 'Odd logins to the supplier portal',
    'discoveredAt[day]': '22',
    'discoveredAt[month]': '11',
    'discoveredAt[year]': '2026',
    'discoveredAt[time]': '',
    'reporter[name]': 'Priya Shah',
    'reporter[email]': 'priya.shah@justice.gov.uk',
  };
}

/** The approver directory with a new CISO: a version the directory routes would save. */
function directoryWithCiso(): Record<string, Json> {
  const directory = structuredClone(loadApproverDirectory());
  directory.roles.CISO = { ...directory.roles.CISO, name: 'Ada Lovelace', email: 'ada.lovelace@justice.gov.uk' };
  return directory as unknown as Record<string, Json>;
}

/** The directory page's form for one entry, filled in as the security team would. */
function directoryEntryForm(): Record<string, string> {
  return {
    entry: 'role.CISO',
    basedOnVersion: '1',
    name: 'Ada Lovelace',
    email: 'ada.lovelace@justice.gov.uk',
    'escalationContact[name]': 'Grace Hopper',
    'escalationContact[email]': 'grace.hopper@justice.gov.uk',
    note: 'Ada Lovelace is the CISO',
  };
}

/** For a route BODY_CONTRACTS does not describe: its records by path parameter name, and a caller who may use it. */
function defaultTarget(route: ApiRoute, t: Targets): Record<string, string> {
  const byName: Record<string, string> = {
    requestId: t.rejectedRequestId,
    serviceId: t.serviceId,
    approvalId: t.approval.approvalId,
    incidentId: t.incidentId,
  };
  return Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name!, byName[name!] ?? 'UNKNOWN-PARAMETER']));
}

function contractOf(route: ApiRoute): BodyContract {
  return (
    BODY_CONTRACTS[routeKey(route)] ??
    (route.auth === 'approvalLink'
      ? { kind: 'form', valid: () => ({}), invalid: fc.constant({}) }
      : { kind: 'json', valid: () => ({}), required: [], invalid: {}, objects: { '': [] } })
  );
}

// ---- Bodies -------------------------------------------------------------------------------------

/** One generated bad request: what it is, and how to build it (large bodies are built only when sent). */
export interface BadInput {
  route: string;
  /** The class of bad input, e.g. `invalid value: serviceName` or `wrong content type`. */
  kind: string;
  /** null: no Content-Type header at all. */
  contentType: string | null;
  body: () => string;
  headers?: Record<string, string>;
}

/** A marker replaced by raw JSON text after JSON.stringify (deep nesting cannot be built as an object and stringified). */
const RAW = (id: number) => `\u2063RAW${id}\u2063`;

function deepJson(depth: number, shape: 'array' | 'object'): string {
  return shape === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** The object at a dotted path ('' for the body), if it is one. */
function objectAt(body: Record<string, Json>, path: string): Record<string, Json> | undefined {
  let node: unknown = body;
  for (const part of path ? path.split('.') : []) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return node && typeof node === 'object' ? (node as Record<string, Json>) : undefined;
}

/** Sets one key of the object at `parent`, as an own property (so `__proto__` is a key like any other). */
function setKey(body: Record<string, Json>, parent: string, key: string, value: Json): void {
  const node = objectAt(body, parent);
  if (node) Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Sets a value at a dotted path of known field names. */
function setAt(body: Record<string, Json>, path: string, value: Json): void {
  const parts = path.split('.');
  setKey(body, parts.slice(0, -1).join('.'), parts.at(-1)!, value);
}

function deleteAt(body: Record<string, Json>, path: string): void {
  const parts = path.split('.');
  const node = objectAt(body, parts.slice(0, -1).join('.'));
  if (node) delete node[parts.at(-1)!];
}

const jsonBody =
  (value: Json, raw: Record<string, string> = {}) =>
  () => {
    let text = JSON.stringify(value) ?? 'null';
    for (const [marker, replacement] of Object.entries(raw)) text = text.replace(JSON.stringify(marker), replacement);
    return text;
  };

/** `valid` with a field padded so the whole body is `bytes` long: just under, at or over a limit. */
function paddedJson(valid: Record<string, Json>, bytes: number) {
  return () => {
    const empty = JSON.stringify({ ...valid, pad: '' });
    return JSON.stringify({ ...valid, pad: 'p'.repeat(Math.max(0, bytes - Buffer.byteLength(empty))) });
  };
}

const sizeAroundLimits = fc.oneof(
  fc.integer({ min: MAX_BODY_BYTES - 4096, max: MAX_BODY_BYTES + 4096 }),
  fc.constantFrom(MAX_BODY_BYTES - 1, MAX_BODY_BYTES, MAX_BODY_BYTES + 1),
  fc.integer({ min: LOCAL_SERVER_MAX_BODY_BYTES - 1024, max: LOCAL_SERVER_MAX_BODY_BYTES + 1024 }),
  fc.integer({ min: LOCAL_SERVER_MAX_BODY_BYTES + 1, max: 3 * LOCAL_SERVER_MAX_BODY_BYTES }),
);

const JSON_CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8'];
const NOT_JSON_CONTENT_TYPES = [
  'text/plain',
  'text/html',
  'text/json',
  'application/jsonp',
  'application/json-seq',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----bad',
  'application/octet-stream',
  null,
];
const NOT_FORM_CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=----bad',
  'application/xml',
  'application/octet-stream',
  null,
];

const notJsonText = fc.oneof(
  fc.constantFrom(
    'not json',
    '{',
    '}',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    'NaN',
    'undefined',
    '[1,]',
    '{"a":01}',
    '{"a":"\u0000"}',
    '"unterminated',
    '{"a":1}}',
    '{"a":1} x',
    '--',
    '\u0000',
    '{"a":1}\n{"b":2}',
  ),
  fc.string({ minLength: 1, maxLength: 200 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
);

const notAnObject = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, '', 'x', [], [{}]),
  fc.jsonValue({ maxDepth: 2 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
);

const unknownKey = (known: string[]) =>
  fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ minLength: 0, maxLength: 30 })).filter((k) => !known.includes(k));

function jsonInputs(key: string, contract: JsonBodyContract): fc.Arbitrary<BadInput>[] {
  const input = (kind: string, body: () => string, contentType: string | null = 'application/json'): BadInput => ({
    route: key,
    kind,
    contentType,
    body,
  });
  const json = fc.constantFrom(...JSON_CONTENT_TYPES);
  const fieldPaths = Object.keys(contract.invalid);
  const objectPaths = Object.keys(contract.objects);
  const classes: fc.Arbitrary<BadInput>[] = [
    notJsonText.map((text) => input('not JSON', () => text)),
    fc.tuple(fc.nat(), json).map(([cut, type]) => {
      const text = JSON.stringify(contract.valid());
      return input('truncated JSON', () => text.slice(0, 1 + (cut % (text.length - 1))), type);
    }),
    notAnObject.map((value) => input('JSON that is not an object', jsonBody(value))),
    fc.tuple(fc.constantFrom(...NOT_JSON_CONTENT_TYPES), fc.boolean()).map(([type, asForm]) => {
      const valid = contract.valid();
      const encoded = new URLSearchParams(Object.entries(valid).map(([k, v]): [string, string] => [k, String(v)])).toString();
      // An empty body is no body, whatever its type (a route that takes none accepts it).
      const body = asForm && encoded ? encoded : JSON.stringify(valid);
      return input(`wrong content type: ${type ?? 'none'}`, () => body, type);
    }),
    fc
      .tuple(fc.integer({ min: 100, max: 120_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.boolean())
      .map(([depth, shape, inField]) => {
        const marker = RAW(depth);
        const field = inField ? contract.objects['']?.[0] : undefined;
        return field
          ? input(`deep nesting in ${field}`, jsonBody({ ...contract.valid(), [field]: marker }, { [marker]: deepJson(depth, shape) }))
          : input('deep nesting', () => deepJson(depth, shape));
      }),
    sizeAroundLimits.map((bytes) => input(`body of ${bytes} bytes`, paddedJson(contract.valid(), bytes))),
    // Unknown keys, prototype keys among them, at every object of the body.
    fc
      .constantFrom(...objectPaths)
      .chain((path) =>
        fc.tuple(
          fc.constant(path),
          fc.array(fc.tuple(unknownKey(contract.objects[path] ?? []), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 3 }),
        ),
      )
      .map(([path, extras]) => {
        const body = contract.valid();
        for (const [k, v] of extras) setKey(body, path, k, v);
        return input(`unknown key in ${path || 'the body'}: ${extras.map(([k]) => JSON.stringify(k)).join(', ')}`, jsonBody(body));
      }),
    // An object of unknown keys only.
    fc.array(fc.tuple(unknownKey(contract.objects[''] ?? []), fc.jsonValue({ maxDepth: 3 })), { minLength: 1, maxLength: 4 }).map((entries) => {
      const body: Record<string, Json> = {};
      for (const [k, v] of entries) setKey(body, '', k, v);
      return input('unknown keys only', jsonBody(body));
    }),
  ];
  if (fieldPaths.length) {
    classes.push(
      fc
        .constantFrom(...fieldPaths)
        .chain((path) => fc.tuple(fc.constant(path), contract.invalid[path]!, json))
        .map(([path, value, type]) => {
          const body = contract.valid();
          setAt(body, path, value);
          return input(`invalid value: ${path}`, jsonBody(body), type);
        }),
    );
  }
  if (fieldPaths.length >= 2) {
    classes.push(
      // Several fields wrong at once: every one is reported.
      fc
        .uniqueArray(fc.constantFrom(...fieldPaths), { minLength: 2, maxLength: Math.min(4, fieldPaths.length) })
        .chain((paths) => fc.tuple(fc.constant(paths), fc.tuple(...paths.map((p) => contract.invalid[p]!))))
        .map(([paths, values]) => {
          const body = contract.valid();
          for (const [i, path] of paths.entries()) setAt(body, path, values[i]);
          return input(`invalid values: ${paths.join(', ')}`, jsonBody(body));
        }),
    );
  }
  if (contract.required.length) {
    classes.push(
      fc.uniqueArray(fc.constantFrom(...contract.required), { minLength: 1, maxLength: Math.min(3, contract.required.length) }).map((paths) => {
        const body = contract.valid();
        for (const path of paths) deleteAt(body, path);
        return input(`missing: ${paths.join(', ')}`, jsonBody(body));
      }),
    );
  }
  return classes;
}

const encodeForm = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) params.append(k, one);
  return params.toString();
};

function formInputs(key: string, contract: FormBodyContract): fc.Arbitrary<BadInput>[] {
  const formType = 'application/x-www-form-urlencoded';
  const input = (kind: string, body: () => string, contentType: string | null = formType): BadInput => ({ route: key, kind, contentType, body });
  return [
    contract.invalid.map((fields) => input(`invalid form: ${Object.keys(fields).join(', ') || 'empty'}`, () => encodeForm(fields))),
    fc.constantFrom(...NOT_FORM_CONTENT_TYPES).map((type) => {
      const body = type?.includes('json') ? JSON.stringify(contract.valid()) : encodeForm(contract.valid());
      return input(`wrong content type: ${type ?? 'none'}`, () => body, type);
    }),
    // Text that is no form with a decision: malformed escapes, prototype keys, bracket nesting, JSON, binary.
    fc
      .oneof(
        fc.constantFrom(
          'decision=%E0%A4%A',
          'decision=%',
          'decision',
          '=APPROVE',
          '__proto__=APPROVE',
          'constructor=APPROVE&__proto__[decision]=APPROVE',
          'decision[]=APPROVE',
          'decision[0]=APPROVE',
          '{"decision":"APPROVE"}',
          '\u0000\u0001',
          '&&&',
          'decision=APPROVE%00',
        ),
        fc.string({ maxLength: 200 }).filter((s) => !/decision/i.test(s)),
      )
      .map((text) => input('not a decision form', () => text)),
    fc.integer({ min: 100, max: 60_000 }).map((depth) => input('deep nesting', () => `${'a['.repeat(depth)}]=1&decision=`)),
    sizeAroundLimits.map((bytes) =>
      input(`body of ${bytes} bytes`, () => `decision=APPROVE&reason=${'r'.repeat(Math.max(0, bytes - 'decision=APPROVE&reason='.length))}`),
    ),
  ];
}

/** Every class of bad input for every write route; the intake route also with an Idempotency-Key. */
export function badInputs(): fc.Arbitrary<BadInput> {
  const all = writeRoutes.flatMap((route) => {
    const key = routeKey(route);
    const contract = contractOf(route);
    return contract.kind === 'form' ? formInputs(key, contract) : jsonInputs(key, contract);
  });
  return fc
    .tuple(
      fc.oneof(...all),
      fc.option(fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 1, maxLength: 64 }), { freq: 2 }),
    )
    .map(([input, key]) =>
      input.route === 'POST /requests' && key
        ? { ...input, kind: `${input.kind} (with an Idempotency-Key)`, headers: { 'idempotency-key': key } }
        : input,
    );
}

// ---- Targets, sending, the table --------------------------------------------------------------

async function approverEmails(h: Harness, requestId: string, count: number) {
  return h.eventually(
    async () => {
      const mine = (await h.emails(requestId)).filter((e) => e.subject.includes('Offshoring approval needed'));
      return mine.length === count && mine;
    },
    `${count} approver emails for ${requestId}`,
    30_000,
  );
}

async function statusOf(h: Harness, requestId: string, status: string) {
  return h.eventually(
    async () => {
      const view = await h.status(requestId);
      return view.status === status && view;
    },
    `${requestId} to be ${status}`,
    30_000,
  );
}

/** One request approved (and registered), one rejected, one waiting: what the bad bodies aim at. */
export async function prepareTargets(h: Harness): Promise<Targets> {
  const request = singleAreaRequest();
  const owner = request.serviceOwner.email;
  const submit = async () => {
    const res = await h.submit(request);
    if (res.status !== 201) throw new Error(`Setting up: submission answered ${res.status}`);
    return { requestId: res.body.requestId as string, approvers: (res.body.requiredApprovers as unknown[]).length };
  };
  const decideAll = async (requestId: string, approvers: number, decision: 'APPROVE' | 'REJECT') => {
    for (const email of await approverEmails(h, requestId, approvers)) {
      const { approvalId, token } = linkIn(email);
      const fields: Record<string, string> = decision === 'REJECT' ? { token, decision, reason: 'Needs a DPIA first' } : { token, decision };
      const res = await h.api(`/approvals/${approvalId}`, form(fields));
      if (res.status !== 200) throw new Error(`Setting up: the decision answered ${res.status}`);
      if (decision === 'REJECT') return;
    }
  };

  const approved = await submit();
  await decideAll(approved.requestId, approved.approvers, 'APPROVE');
  await statusOf(h, approved.requestId, 'APPROVED');
  const serviceId: string = await h.eventually(
    async () => (await h.status(approved.requestId)).audit.find((e: { type: string }) => e.type === 'SERVICE_REGISTERED')?.details.serviceId,
    'the service to be registered',
    30_000,
  );

  const rejected = await submit();
  await decideAll(rejected.requestId, rejected.approvers, 'REJECT');
  await statusOf(h, rejected.requestId, 'REJECTED');

  const pending = await submit();
  const [first] = await approverEmails(h, pending.requestId, pending.approvers);
  const { approvalId, token } = linkIn(first!);
  const incident = await h.api(
    '/incidents',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'SECURITY_INCIDENT', description: 'Odd logins to the supplier portal', discoveredAt: '2026-11-22' }),
    },
    owner,
  );
  if (incident.status !== 201) throw new Error(`Setting up: the incident report answered ${incident.status}`);
  const exemption = await h.api(
    '/exemptions',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ policyClause: 'Process 1(c)', justification: 'A framework contract', endDate: '2027-06-30' }),
    },
    owner,
  );
  if (exemption.status !== 201) throw new Error(`Setting up: the exemption answered ${exemption.status}`);
  const toReject = await h.api(
    '/exemptions',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ policyClause: 'Process 1(b)', justification: 'One agency only', endDate: '2027-06-30' }),
    },
    owner,
  );
  if (toReject.status !== 201) throw new Error(`Setting up: the exemption to reject answered ${toReject.status}`);
  const rejectedExemptionId = toReject.body.requestId as string;
  const [asked] = await h.eventually(
    async () => {
      const mine = (await h.emails(rejectedExemptionId)).filter((e) => e.subject.includes('Exemption approval needed'));
      return mine.length > 0 && mine;
    },
    `an approver email for ${rejectedExemptionId}`,
    30_000,
  );
  const rejection = await h.api(
    `/approvals/${linkIn(asked!).approvalId}`,
    form({ token: linkIn(asked!).token, decision: 'REJECT', reason: 'Not justified' }),
  );
  if (rejection.status !== 200) throw new Error(`Setting up: the exemption's rejection answered ${rejection.status}`);
  await h.eventually(
    async () => (await h.stack.runtime.store.getCase(rejectedExemptionId))?.status === 'REJECTED',
    `${rejectedExemptionId} to be REJECTED`,
    30_000,
  );
  return {
    rejectedExemptionId,
    pendingExemptionId: exemption.body.requestId as string,
    owner,
    approvedRequestId: approved.requestId,
    serviceId,
    rejectedRequestId: rejected.requestId,
    pendingRequestId: pending.requestId,
    approval: { approvalId, token },
    incidentId: incident.body.incidentId as string,
  };
}

export interface Answer {
  status: number | 'no answer';
  contentType: string;
  text: string;
}

const visitors = new WeakMap<Harness, Map<string, Promise<PageVisitor>>>();
/** A signed-in person for the pages (null: the security team), one per harness and person. */
function pageVisitor(h: Harness, ownerEmail: string | null): Promise<PageVisitor> {
  const mine = visitors.get(h) ?? new Map<string, Promise<PageVisitor>>();
  visitors.set(h, mine);
  const key = ownerEmail ?? 'security team';
  let visitor = mine.get(key);
  if (!visitor) {
    visitor = signedIn(h.stack, ownerEmail ? { email: ownerEmail } : { email: SECURITY_TEAM.email, securityTeam: true });
    mine.set(key, visitor);
  }
  return visitor;
}

/** Sends one bad input to its route, as the caller the route expects, and reads the whole answer. */
export async function send(h: Harness, targets: Targets, input: BadInput, timeoutMs = 10_000): Promise<Answer> {
  const route = writeRoutes.find((r) => routeKey(r) === input.route)!;
  const contract = BODY_CONTRACTS[input.route];
  const params = contract?.target ? contract.target(targets) : defaultTarget(route, targets);
  let path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const caller = contract?.caller ?? (route.auth === 'approvalLink' ? 'approvalLink' : route.path.includes('{requestId}') ? 'owner' : 'securityTeam');
  const headers: Record<string, string> = { ...input.headers };
  let text = input.body();
  if (caller === 'approvalLink') path += `?token=${encodeURIComponent(targets.approval.token)}`;
  else if (caller === 'ownerSession' || caller === 'securityTeamSession') {
    const visitor = await pageVisitor(h, caller === 'ownerSession' ? targets.owner : null);
    headers.cookie = visitor.cookie;
    // Past the CSRF check, so the body itself is what is refused.
    text = `_csrf=${visitor.csrf}&${text}`;
  } else headers.authorization = `Bearer ${h.stack.tokenFor(caller === 'owner' ? { email: targets.owner } : SECURITY_TEAM)}`;
  if (input.contentType) headers['content-type'] = input.contentType;
  // Bytes, not a string: fetch would otherwise add a text/plain content type of its own.
  const body = Buffer.from(text, 'utf8');
  try {
    const res = await fetch(`${h.stack.apiUrl}${path}`, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { status: 'no answer', contentType: '', text: '' };
    throw error;
  }
}

export type Verdict = 'refused' | 'wrongly accepted' | '5xx' | 'stuck' | 'refused without field paths' | 'unexpected status';

/**
 * Refused as bad input: 400 naming the fields (JSON `errors[].path`; a page's error summary links
 * each problem to its field), 413 or 415. 401/403/404/409/410 would mean the body never reached validation.
 */
export function verdict(answer: Answer): Verdict {
  if (answer.status === 'no answer') return 'stuck';
  if (answer.status >= 500) return '5xx';
  if (answer.status < 400) return 'wrongly accepted';
  if (answer.status === 413 || answer.status === 415) return 'refused';
  if (answer.status !== 400) return 'unexpected status';
  if (answer.contentType.includes('json')) {
    try {
      const { errors } = JSON.parse(answer.text) as { errors?: { path?: unknown; message?: unknown }[] };
      const named =
        Array.isArray(errors) &&
        errors.length > 0 &&
        errors.every((e) => typeof e.path === 'string' && typeof e.message === 'string' && e.message.length > 0);
      return named ? 'refused' : 'refused without field paths';
    } catch {
      return 'refused without field paths';
    }
  }
  // A page: the GOV.UK error summary, each problem linking to its field.
  return /govuk-error-summary/.test(answer.text) && /<li>\s*<a href="#[\w-]+">[^<]+<\/a>/.test(answer.text)
    ? 'refused'
    : 'refused without field paths';
}

/** Every item in the table, by key, as canonical JSON: what "the table unchanged" compares. */
export async function tableSnapshot(h: Harness): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await h.stack.runtime.clients.documents.send(
      new ScanCommand({ TableName: h.stack.tableName, ConsistentRead: true, ExclusiveStartKey }),
    );
    for (const item of page.Items ?? []) items.set(`${item.pk} ${item.sk}`, canonical(item));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Set)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  if (value instanceof Set) return `Set(${[...value].map(canonical).sort().join(',')})`;
  return JSON.stringify(value) ?? 'undefined';
}

/** Waits until the table stops changing (the setup's executions have done their writes). */
export async function settledSnapshot(h: Harness, quietMs = 750, timeoutMs = 30_000): Promise<Map<string, string>> {
  const deadline = Date.now() + timeoutMs;
  let last = await tableSnapshot(h);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await tableSnapshot(h);
    if (diffTables(last, now).changed === 0) return now;
    last = now;
  }
  throw new Error('The table kept changing after the setup');
}

export function diffTables(before: Map<string, string>, after: Map<string, string>) {
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const modified = [...before.keys()].filter((k) => after.has(k) && after.get(k) !== before.get(k));
  return { added, removed, modified, changed: added.length + removed.length + modified.length };
}

export interface RunReport {
  seed: number;
  attempts: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  verdicts: Record<Verdict, number>;
  /** The first few inputs that were not refused as they must be, to reproduce. */
  failures: { route: string; kind: string; status: Answer['status']; verdict: Verdict; body: string; answer: string }[];
  table: { added: string[]; removed: string[]; modified: string[] };
  ms: number;
}

/**
 * Generates `attempts` bad inputs from `seed` and sends them one after another. Generation is in
 * batches, so large bodies are never all in memory at once; the same seed gives the same inputs.
 */
export interface RunOptions {
  attempts: number;
  seed: number;
  /** The table before the run (settledSnapshot after the setup). */
  before: Map<string, string>;
  /** Called after each answer, e.g. for progress. */
  onAnswer?: (input: BadInput, answer: Answer, verdict: Verdict, index: number) => void;
}

export async function runBadInputs(h: Harness, targets: Targets, { attempts, seed, before, onAnswer }: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const arbitrary = badInputs();
  const verdicts: Record<Verdict, number> = {
    refused: 0,
    'wrongly accepted': 0,
    '5xx': 0,
    stuck: 0,
    'refused without field paths': 0,
    'unexpected status': 0,
  };
  const byRoute: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const failures: RunReport['failures'] = [];
  const BATCH = 100;
  for (let done = 0, batch = 0; done < attempts; batch++) {
    const inputs = fc.sample(arbitrary, { numRuns: Math.min(BATCH, attempts - done), seed: seed + batch });
    for (const input of inputs) {
      const answer = await send(h, targets, input);
      const v = verdict(answer);
      onAnswer?.(input, answer, v, done + inputs.indexOf(input));
      verdicts[v]++;
      byRoute[input.route] = (byRoute[input.route] ?? 0) + 1;
      byStatus[String(answer.status)] = (byStatus[String(answer.status)] ?? 0) + 1;
      if (v !== 'refused' && failures.length < 20) {
        failures.push({
          route: input.route,
          kind: input.kind,
          status: answer.status,
          verdict: v,
          body: input.body().slice(0, 300),
          answer: answer.text.slice(0, 300),
        });
      }
    }
    done += inputs.length;
  }
  const { added, removed, modified } = diffTables(before, await tableSnapshot(h));
  return { seed, attempts, byRoute, byStatus, verdicts, failures, table: { added, removed, modified }, ms: Date.now() - started };
}

/** The figures docs/reliability.md reports: bodies accepted (or items added), 5xx, items lost or changed, answers that never came. */
export function figures(report: RunReport) {
  return {
    attempts: report.attempts,
    wronglyAccepted: report.verdicts['wrongly accepted'] + report.table.added.length,
    fiveHundreds: report.verdicts['5xx'],
    lost: report.table.removed.length + report.table.modified.length,
    stuck: report.verdicts.stuck,
  };
}
