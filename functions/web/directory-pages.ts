import * as z from 'zod';
import type { PageRoute, SignedInRequest } from './page-handler.ts';
import { redirect, renderPage } from './render.ts';
import { errorsForPage } from './forms.ts';
import { UnsupportedMediaType, ValidationFailed } from './errors.ts';
import type { HttpEvent } from './http.ts';
import { actorOf } from './identity.ts';
import { PersonSchema, toFieldErrors, type FieldError } from '../domain/request.ts';
import { DEPARTMENT_HQ, ROLE_TITLES } from '../domain/offshoring-policy.ts';
import {
  DirectoryEditSchema,
  directoryEntry,
  directoryEntryIds,
  directoryHistory,
  entryApproves,
  entryHolder,
  saveDirectoryVersion,
  withEntryHolder,
  type DirectoryEntry,
  type EntryHolder,
} from '../domain/directory.ts';
import { ukTime } from '../domain/words.ts';
import type { ApproverDirectory } from '../platform/directory.ts';
import type { DirectoryChange, DirectoryVersion } from '../store/directory.ts';

/**
 * The approver directory's pages, for the security team: the roles and business areas in words
 * with the version in force and its history (who changed what, when, and why), and a form per
 * entry to change who holds it. Each save is a new version through the same use case as the API.
 */

const ROLE_KEYS = ['MOJ_SIRO', 'SSA', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL'] as const;
const editLink = (id: string, what: string) => ({
  href: `/directory/edit?entry=${encodeURIComponent(id)}`,
  text: 'Change',
  visuallyHiddenText: what,
});
const person = (p: { name: string; email: string }) => `${p.name} (${p.email})`;
const byWhom = (v: DirectoryVersion) =>
  v.changedBy.kind === 'SYSTEM' ? 'the service, when first used' : (v.changedBy.name ?? v.changedBy.email ?? 'someone');

/** An entry in words: "MoJ Chief Information Security Officer (CISO)", "HM Courts & Tribunals Service: SIRO". */
function entryInWords(entry: DirectoryEntry, directory: ApproverDirectory): string {
  switch (entry.kind) {
    case 'role':
      return ROLE_TITLES[entry.role];
    case 'siro':
      return `${directory.businessAreas[entry.area]?.name ?? entry.area}: Agency or Departmental SIRO`;
    case 'departmentalHead':
      return `${directory.businessAreas[entry.area]?.name ?? entry.area}: Departmental Head`;
    case 'accountingOfficer':
      return `${directory.businessAreas[entry.area]?.name ?? entry.area}: Accounting Officer`;
    case 'securityTeam':
      return 'Security team (receives the monitoring digest)';
  }
}

const FIELD_WORDS: Record<string, string> = {
  name: 'name',
  email: 'email address',
  'escalationContact.name': 'escalation contact’s name',
  'escalationContact.email': 'escalation contact’s email address',
};

/** One change of a version, in words: "MoJ Legal, email address: legal@… to legal-team@…". */
export function changeInWords(change: DirectoryChange, directory: ApproverDirectory): string {
  const [top, code, ...rest] = change.path.split('.');
  let what: string;
  let field: string;
  if (top === 'roles') {
    what = ROLE_TITLES[code as keyof typeof ROLE_TITLES] ?? code ?? '';
    field = rest.join('.');
  } else if (top === 'businessAreas') {
    const [part, ...inner] = rest;
    const area = directory.businessAreas[code ?? '']?.name ?? code;
    const roleOf: Record<string, string> = { siro: 'SIRO', departmentalHead: 'Departmental Head', accountingOfficer: 'Accounting Officer' };
    what = part && roleOf[part] ? `${area}: ${roleOf[part]}` : `${area}`;
    field = part === 'name' ? 'name' : inner.join('.');
  } else {
    what = 'Security team';
    field = [code, ...rest].join('.');
  }
  const from = change.from === undefined ? 'none' : change.from;
  const to = change.to === undefined ? 'removed' : change.to;
  return `${what}, ${FIELD_WORDS[field] ?? field}: ${from} to ${to}`;
}

async function directoryPage({ event, runtime, view }: SignedInRequest) {
  const { current, versions } = await directoryHistory(runtime);
  const { directory } = current;
  const saved = new URLSearchParams(event.rawQueryString ?? '').get('saved');
  const areas = Object.entries(directory.businessAreas).map(([code, area]) => {
    const hq = code === DEPARTMENT_HQ;
    return {
      code,
      name: area.name,
      rows: [
        {
          key: { text: 'Agency or Departmental SIRO' },
          value: {
            text: hq ? `${person(area.siro)}: the MoJ SIRO, because MoJ HQ is the department (Offshoring Policy, Process 1(a))` : person(area.siro),
          },
          ...(hq ? {} : { actions: { items: [editLink(`siro.${code}`, `${area.name} SIRO`)] } }),
        },
        { key: { text: 'Chased when the SIRO is silent' }, value: { text: person(area.siro.escalationContact) } },
        {
          key: { text: 'Departmental Head' },
          value: { text: person(area.departmentalHead) },
          actions: { items: [editLink(`departmentalHead.${code}`, `${area.name} Departmental Head`)] },
        },
        {
          key: { text: 'Accounting Officer (agrees variations)' },
          value: {
            text: area.accountingOfficer
              ? person(area.accountingOfficer)
              : `${person(area.departmentalHead)}: the Departmental Head, as the head of the business area, until one is named`,
          },
          actions: { items: [editLink(`accountingOfficer.${code}`, `${area.name} Accounting Officer`)] },
        },
      ],
    };
  });
  return renderPage('directory/directory.njk', {
    ...view,
    section: 'directory',
    pageTitle: 'Approver directory',
    version: current.version,
    savedBy: byWhom(current),
    savedAt: `${ukTime(current.changedAt)} (UK time)`,
    note: current.note,
    success:
      saved && Number(saved) === current.version
        ? `Version ${current.version} of the approver directory saved. New requests go to the people it names.`
        : undefined,
    roles: ROLE_KEYS.map((role) => [
      { text: ROLE_TITLES[role] },
      { text: person(directory.roles[role]) },
      { text: person(directory.roles[role].escalationContact) },
      {
        html: `<a class="govuk-link" href="/directory/edit?entry=role.${role}">Change<span class="govuk-visually-hidden"> ${ROLE_TITLES[role]}</span></a>`,
      },
    ]),
    areas,
    securityTeam: [
      {
        key: { text: 'Security team' },
        value: { text: person(directory.securityTeam) },
        actions: { items: [editLink('securityTeam', 'security team')] },
      },
    ],
    history: versions.map((v) => ({
      version: v.version,
      when: `${ukTime(v.changedAt)} (UK time)`,
      who: byWhom(v),
      note: v.note,
      changes: v.changes.map((c) => changeInWords(c, v.directory)),
    })),
  });
}

/** The edit form's fields, in the page's names. */
const EntryFormSchema = z.object({
  basedOnVersion: z.coerce.number('must be the version you changed').int().min(1),
  name: PersonSchema.shape.name,
  email: PersonSchema.shape.email,
  escalationContact: PersonSchema.optional(),
  note: DirectoryEditSchema.shape.note,
});

const LABELS: Record<string, string> = {
  name: 'Name',
  email: 'Email address',
  'escalationContact.name': 'Escalation contact’s name',
  'escalationContact.email': 'Escalation contact’s email address',
  escalationContact: 'Escalation contact',
  note: 'What changed and why',
  basedOnVersion: 'The version changed',
  entry: 'The entry to change',
  '': 'The form',
};

interface EditState {
  values?: Partial<EntryHolder> & { note?: string; basedOnVersion?: number };
  errors?: FieldError[];
}

/** Which entry to change, as radios: where no entry (or one the directory does not have) was named. */
function choosePage({ view }: SignedInRequest, directory: ApproverDirectory, refused: boolean) {
  const error = refused
    ? errorsForPage([{ path: 'entry', message: 'must be one of the entries below: choose the one to change' }], LABELS)
    : undefined;
  return renderPage(
    'directory/choose.njk',
    {
      ...view,
      section: 'directory',
      pageTitle: 'Which entry do you want to change?',
      backLink: '/directory',
      items: directoryEntryIds(directory).map((id) => ({ value: id, text: entryInWords(directoryEntry(id, directory)!, directory) })),
      errorList: error?.errorList ?? [],
      fieldErrors: error?.fieldErrors ?? {},
    },
    { statusCode: refused ? 400 : 200 },
  );
}

async function editPage(request: SignedInRequest, id: string | null | undefined, state: EditState = {}) {
  const { runtime, view } = request;
  const { current } = await directoryHistory(runtime);
  const entry = id ? directoryEntry(id, current.directory) : undefined;
  if (!entry) return choosePage(request, current.directory, state.errors !== undefined);
  const holder = entryHolder(entry, current.directory);
  const values = state.values ?? { ...(holder ?? { name: '', email: '' }), basedOnVersion: current.version };
  const errors = errorsForPage(state.errors ?? [], LABELS);
  return renderPage(
    'directory/edit.njk',
    {
      ...view,
      section: 'directory',
      pageTitle: `Change ${entryInWords(entry, current.directory)}`,
      backLink: '/directory',
      heading: entryInWords(entry, current.directory),
      entryId: id,
      approves: entryApproves(entry),
      mojSiro: entry.kind === 'role' && entry.role === 'MOJ_SIRO',
      values,
      basedOnVersion: values.basedOnVersion ?? current.version,
      errorList: errors.errorList,
      fieldErrors: errors.fieldErrors,
    },
    { statusCode: state.errors ? 400 : 200 },
  );
}

function assertFormPost(event: HttpEvent): void {
  const type = (event.headers?.['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new UnsupportedMediaType('Send this form from its page.');
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

async function saveEntry(request: SignedInRequest) {
  const { event, runtime, caller, form } = request;
  assertFormPost(event);
  const id = text(form.entry);
  const { current } = await directoryHistory(runtime);
  const entry = id ? directoryEntry(id, current.directory) : undefined;
  if (!entry) return choosePage(request, current.directory, true);
  const escalation = form.escalationContact as Record<string, unknown> | undefined;
  const fields = {
    basedOnVersion: form.basedOnVersion,
    name: text(form.name) ?? '',
    email: text(form.email) ?? '',
    ...(entryApproves(entry) ? { escalationContact: { name: text(escalation?.name) ?? '', email: text(escalation?.email) ?? '' } } : {}),
    note: text(form.note) ?? '',
  };
  const typed = { ...fields, basedOnVersion: Number(fields.basedOnVersion) || undefined };
  const parsed = EntryFormSchema.safeParse(fields);
  if (!parsed.success) return editPage(request, id, { values: typed, errors: toFieldErrors(parsed.error) });
  const { basedOnVersion, note, ...holder } = parsed.data;
  // The edit applies to the version the form was shown with: a later version makes it stale (409).
  const edit = DirectoryEditSchema.safeParse({ basedOnVersion, note, directory: withEntryHolder(current.directory, entry, holder) });
  if (!edit.success) {
    // The whole directory's rules, said against the form: the entry's fields are the only ones changed.
    const errors = toFieldErrors(edit.error).map((e) => ({ path: '', message: `cannot be saved: ${e.path} ${e.message}` }));
    return editPage(request, id, { values: typed, errors });
  }
  try {
    const saved = await saveDirectoryVersion(runtime, actorOf(caller), edit.data);
    return redirect(`/directory?saved=${saved.version}`);
  } catch (error) {
    if (!(error instanceof ValidationFailed)) throw error;
    return editPage(request, id, { values: typed, errors: [{ path: '', message: 'changes nothing: the entry already holds these details' }] });
  }
}

export const directoryPages: Readonly<Record<string, PageRoute>> = {
  'GET /directory': { access: 'securityTeam', page: (request) => directoryPage(request) },
  'GET /directory/edit': {
    access: 'securityTeam',
    page: (request) => editPage(request, new URLSearchParams(request.event.rawQueryString ?? '').get('entry')),
  },
  'POST /directory/edit': { access: 'securityTeam', page: saveEntry },
};
