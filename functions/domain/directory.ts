import * as z from 'zod';
import type { Context } from 'aws-lambda';
import { ApproverDirectorySchema, directoryInForce, type ApproverDirectory } from '#platform/directory';
import type { Runtime } from '#platform/runtime';
import { logger } from '#platform/observability';
import { StaleState, TransactionConflict } from '#store/errors';
import type { DirectoryChange, DirectoryVersion } from '#store/directory';
import { SYSTEM, type Actor } from '#store/records';
import { Conflict, ValidationFailed } from '#web/errors';
import { DEPARTMENT_HQ } from './offshoring-policy.ts';
import { PersonSchema, text, toFieldErrors } from './request.ts';

/**
 * The approver directory as data (Offshoring Policy, Process 1: approval comes from named people in
 * named roles): the security team saves whole versions, each with who, when, why and what changed;
 * requests are routed by the current one. A request's approvals keep the names and addresses they
 * were asked at, so a later version never changes who was asked.
 */

/**
 * A directory the security team may save: the configuration's schema (every business area has its
 * SIRO with an escalation contact and a Departmental Head; every MoJ-wide role is held) and the
 * policy's reading of MoJ HQ.
 */
export const DirectorySchema = ApproverDirectorySchema.superRefine((directory, ctx) => {
  const hq = directory.businessAreas[DEPARTMENT_HQ];
  // Offshoring Policy, Process 1(a): MoJ HQ is the department, whose Departmental SIRO is the MoJ SIRO.
  if (hq && hq.siro.email.toLowerCase() !== directory.roles.MOJ_SIRO.email.toLowerCase()) {
    ctx.addIssue({
      code: 'custom',
      path: ['businessAreas', DEPARTMENT_HQ, 'siro', 'email'],
      message: `must be the MoJ SIRO (${directory.roles.MOJ_SIRO.email}): MoJ HQ is the department, and its SIRO is the MoJ SIRO`,
    });
  }
  // Offshoring Policy, Compliance: exemptions and changes to the policy need two approvals, the SSA's
  // and the CISO's; one person in both roles would give both (separation of duties).
  if (directory.roles.SSA.email.toLowerCase() === directory.roles.CISO.email.toLowerCase()) {
    ctx.addIssue({
      code: 'custom',
      path: ['roles', 'CISO', 'email'],
      message: `must not be the Senior Security Advisor's (${directory.roles.SSA.email}): the SSA and the CISO approve exemptions separately, so they are two people`,
    });
  }
});

/** `PUT /directory/versions`-style body: a whole new version, the version it edits, and why. */
export const DirectoryEditSchema = z.strictObject({
  basedOnVersion: z.number('must be the version you edited').int().min(1),
  note: text(2000),
  directory: DirectorySchema,
});
export type DirectoryEdit = z.infer<typeof DirectoryEditSchema>;

const SEED_NOTE = 'The first version: the directory the service was deployed with (APPROVER_DIRECTORY, else config/approver-directory.json).';

/**
 * The version in force. Before any is saved, the runtime's seed is saved as version 1 (`seed`), or
 * answered unsaved where the caller may not write (a read-only function).
 */
export async function currentDirectoryVersion(runtime: Runtime, options: { seed?: boolean } = {}): Promise<DirectoryVersion> {
  const current = await runtime.store.directory.current();
  if (current) return current;
  const first: DirectoryVersion = {
    version: 1,
    directory: runtime.directorySeed,
    changedBy: SYSTEM,
    changedAt: runtime.clock().toISOString(),
    note: SEED_NOTE,
    changes: [],
  };
  if (options.seed === false) return first;
  try {
    await runtime.store.directory.saveVersion(first);
    logger.info('Approver directory seeded', { version: 1 });
    return first;
  } catch (error) {
    if (!(error instanceof StaleState || error instanceof TransactionConflict)) throw error;
    // Another invocation seeded it at the same moment: theirs is the first version.
    const seeded = await runtime.store.directory.current();
    if (!seeded) throw error;
    return seeded;
  }
}

/**
 * Runs a handler with the current directory as `runtime.directory`, read once per invocation:
 * routing, validation and the pages see the version in force when the invocation began.
 */
export function withCurrentDirectory<E, R>(
  runtime: Runtime,
  handler: (event: E, context: Context) => Promise<R>,
  options: { seed?: boolean } = {},
): (event: E, context: Context) => Promise<R> {
  return (event, context) => inCurrentDirectory(runtime, () => handler(event, context), options);
}

/** Does `work` with the current directory as `runtime.directory` (withCurrentDirectory, for work that is not a handler). */
export async function inCurrentDirectory<T>(runtime: Runtime, work: () => Promise<T>, options: { seed?: boolean } = {}): Promise<T> {
  const { directory, version } = await currentDirectoryVersion(runtime, options);
  return directoryInForce.run({ directory, version }, work);
}

/** Every version, newest first (the first saved before any is read, so the history is never empty). */
export async function directoryHistory(runtime: Runtime): Promise<{ current: DirectoryVersion; versions: DirectoryVersion[] }> {
  const current = await currentDirectoryVersion(runtime);
  const versions = await runtime.store.directory.history();
  return { current, versions };
}

/** Each leaf of the directory by its dotted path: `roles.CISO.email` → `ciso@…`. */
function leaves(value: unknown, path: string[] = [], into: Map<string, string> = new Map()): Map<string, string> {
  if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) leaves(inner, [...path, key], into);
  } else if (value !== undefined) {
    into.set(path.join('.'), String(value));
  }
  return into;
}

/** What changed from one version to the next, field by field, in the order of the newer one. */
export function directoryChanges(before: ApproverDirectory, after: ApproverDirectory): DirectoryChange[] {
  const was = leaves(before);
  const now = leaves(after);
  const changes: DirectoryChange[] = [];
  for (const [path, to] of now) {
    const from = was.get(path);
    if (from !== to) changes.push({ path, ...(from === undefined ? {} : { from }), to });
  }
  for (const [path, from] of was) if (!now.has(path)) changes.push({ path, from });
  return changes;
}

/** The refusal of an edit made to a version that is no longer current, naming the version that is. */
function editOfStaleVersion(current: DirectoryVersion, basedOn: number): Conflict {
  const who = current.changedBy.name ?? current.changedBy.email ?? 'the service';
  return new Conflict(
    `Version ${current.version} of the approver directory is current (saved by ${who} at ${current.changedAt}), ` +
      `but this change was made to version ${basedOn}. Reload the directory and make the change again.`,
    { currentVersion: current.version, changedBy: current.changedBy, changedAt: current.changedAt, basedOnVersion: basedOn },
  );
}

/**
 * Saves a new version made from `basedOnVersion`: refused (409, naming the current version) if
 * another version was saved since, and (400) if it changes nothing. Two edits of the same version
 * at once: the store's condition lets one through, and the other is told which won.
 */
export async function saveDirectoryVersion(runtime: Runtime, actor: Actor, edit: DirectoryEdit): Promise<DirectoryVersion> {
  const current = await currentDirectoryVersion(runtime);
  if (edit.basedOnVersion !== current.version) throw editOfStaleVersion(current, edit.basedOnVersion);
  const changes = directoryChanges(current.directory, edit.directory);
  if (changes.length === 0) {
    throw new ValidationFailed([{ path: 'directory', message: `is the same as version ${current.version}: there is nothing to save` }]);
  }
  const next: DirectoryVersion = {
    version: current.version + 1,
    directory: edit.directory,
    changedBy: actor,
    changedAt: runtime.clock().toISOString(),
    note: edit.note,
    changes,
    basedOn: current.version,
  };
  try {
    await runtime.store.directory.saveVersion(next);
  } catch (error) {
    // Lost to another edit: a failed condition, or DynamoDB cancelling both transactions' overlap.
    if (!(error instanceof StaleState || error instanceof TransactionConflict)) throw error;
    const winner = (await runtime.store.directory.current()) ?? current;
    if (winner.version === current.version) {
      throw new Conflict('Another change to the approver directory was being saved at the same moment. Reload the directory and try again.', {
        currentVersion: winner.version,
      });
    }
    throw editOfStaleVersion(winner, edit.basedOnVersion);
  }
  logger.info('Approver directory saved', { version: next.version, changes: changes.map((c) => c.path) });
  return next;
}

/** Parses an API body into an edit, or 400 with each problem's field path. */
export function parseDirectoryEdit(body: unknown): DirectoryEdit {
  const parsed = DirectoryEditSchema.safeParse(body);
  if (!parsed.success) throw new ValidationFailed(toFieldErrors(parsed.error));
  return parsed.data;
}

/**
 * One entry of the directory, as the edit page changes it: a MoJ-wide role, a business area's
 * SIRO or Departmental Head, or the security team (who receives monitoring).
 */
export type DirectoryEntry =
  | { kind: 'role'; role: keyof ApproverDirectory['roles'] }
  | { kind: 'siro'; area: string }
  | { kind: 'departmentalHead'; area: string }
  | { kind: 'accountingOfficer'; area: string }
  | { kind: 'securityTeam' };

const ROLE_KEYS = ['MOJ_SIRO', 'SSA', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL'] as const;

/** The entry an id names (`role.CISO`, `siro.HMCTS`, `departmentalHead.HMCTS`, `accountingOfficer.HMCTS`, `securityTeam`), if the directory has it. */
export function directoryEntry(id: string, directory: ApproverDirectory): DirectoryEntry | undefined {
  const [kind, code] = id.split('.');
  if (kind === 'role') return (ROLE_KEYS as readonly string[]).includes(code ?? '') ? { kind, role: code as (typeof ROLE_KEYS)[number] } : undefined;
  if ((kind === 'siro' || kind === 'departmentalHead' || kind === 'accountingOfficer') && code && Object.hasOwn(directory.businessAreas, code)) {
    // MoJ HQ's SIRO is the MoJ SIRO's entry (Process 1(a)): it is changed there.
    if (kind === 'siro' && code === DEPARTMENT_HQ) return undefined;
    return { kind, area: code };
  }
  if (kind === 'securityTeam' && code === undefined) return { kind };
  return undefined;
}

/** Every entry the edit page may change, by id, in the directory's order. */
export function directoryEntryIds(directory: ApproverDirectory): string[] {
  const areas = Object.keys(directory.businessAreas);
  return [
    ...ROLE_KEYS.map((role) => `role.${role}`),
    ...areas.flatMap((area) => [...(area === DEPARTMENT_HQ ? [] : [`siro.${area}`]), `departmentalHead.${area}`, `accountingOfficer.${area}`]),
    'securityTeam',
  ];
}

/** Who holds an entry: a person, with the escalation contact where the entry approves. */
export const EntryHolderSchema = PersonSchema.extend({ escalationContact: PersonSchema.optional() });
export type EntryHolder = z.infer<typeof EntryHolderSchema>;

export function entryHolder(entry: DirectoryEntry, directory: ApproverDirectory): EntryHolder | undefined {
  switch (entry.kind) {
    case 'role':
      return directory.roles[entry.role];
    case 'siro':
      return directory.businessAreas[entry.area]!.siro;
    case 'departmentalHead':
      return directory.businessAreas[entry.area]!.departmentalHead;
    case 'accountingOfficer':
      // A directory saved before areas named their Accounting Officer has none yet.
      return directory.businessAreas[entry.area]!.accountingOfficer;
    case 'securityTeam':
      return directory.securityTeam;
  }
}

/** Whether the entry approves, and so has an escalation contact to chase when its holder is silent. */
export const entryApproves = (entry: DirectoryEntry) => entry.kind === 'role' || entry.kind === 'siro' || entry.kind === 'accountingOfficer';

/** The directory with one entry's holder replaced; the MoJ SIRO carries MoJ HQ's SIRO with it (Process 1(a)). */
export function withEntryHolder(directory: ApproverDirectory, entry: DirectoryEntry, holder: EntryHolder): ApproverDirectory {
  const next = structuredClone(directory);
  const person = { name: holder.name, email: holder.email };
  switch (entry.kind) {
    case 'role': {
      next.roles[entry.role] = { ...person, escalationContact: holder.escalationContact ?? next.roles[entry.role].escalationContact };
      const hq = next.businessAreas[DEPARTMENT_HQ];
      if (entry.role === 'MOJ_SIRO' && hq) hq.siro = structuredClone(next.roles.MOJ_SIRO);
      break;
    }
    case 'siro': {
      const area = next.businessAreas[entry.area]!;
      area.siro = { ...person, escalationContact: holder.escalationContact ?? area.siro.escalationContact };
      break;
    }
    case 'departmentalHead':
      next.businessAreas[entry.area]!.departmentalHead = person;
      break;
    case 'accountingOfficer': {
      const area = next.businessAreas[entry.area]!;
      const escalationContact = holder.escalationContact ?? area.accountingOfficer?.escalationContact;
      if (!escalationContact)
        throw new ValidationFailed([{ path: 'escalationContact', message: 'must be given: whom to chase when the Accounting Officer is silent' }]);
      area.accountingOfficer = { ...person, escalationContact };
      break;
    }
    case 'securityTeam':
      next.securityTeam = person;
      break;
  }
  return next;
}
