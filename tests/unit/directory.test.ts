import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DirectoryEditSchema,
  DirectorySchema,
  currentDirectoryVersion,
  directoryChanges,
  directoryEntry,
  saveDirectoryVersion,
  withCurrentDirectory,
  withEntryHolder,
} from '../../functions/domain/directory.ts';
import { requiredApprovers } from '../../functions/domain/offshoring-policy.ts';
import { toFieldErrors } from '../../functions/domain/request.ts';
import { loadApproverDirectory, type ApproverDirectory } from '../../functions/platform/directory.ts';
import { createRuntime } from '../../functions/platform/runtime.ts';
import { Conflict, ValidationFailed } from '../../functions/web/errors.ts';
import { fixedClock } from '../fixtures/index.ts';

const seed = loadApproverDirectory();
const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());
const runtime = () => createRuntime({ tableName: 'offshore-test', clock: fixedClock() });
const stored = (version: number, directory: ApproverDirectory = seed, by = 'SYSTEM') => ({
  pk: 'DIRECTORY',
  sk: 'CURRENT',
  version,
  directory,
  changedBy: by === 'SYSTEM' ? { kind: 'SYSTEM' } : { kind: 'SECURITY_TEAM', name: by },
  changedAt: '2026-11-20T09:00:00.000Z',
  note: 'n',
  changes: [],
});
const cancelledBy = (code: string) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: code }] });
const SAM = { kind: 'SECURITY_TEAM' as const, email: 'sam.security@justice.gov.uk', name: 'Sam Security' };
const withCiso = (email: string) => {
  const next = structuredClone(seed);
  next.roles.CISO.email = email;
  return next;
};

describe('DirectorySchema: what the security team may save', () => {
  const problems = (directory: unknown) => {
    const result = DirectorySchema.safeParse(directory);
    return result.success ? [] : toFieldErrors(result.error).map((e) => e.path);
  };

  it('accepts the default directory', () => {
    expect(problems(seed)).toEqual([]);
  });

  it('needs every business area to have a SIRO with an escalation contact, and a Departmental Head', () => {
    const broken = structuredClone(seed) as Record<string, any>;
    delete broken.businessAreas.LAA.siro.escalationContact;
    delete broken.businessAreas.OPG.siro;
    delete broken.businessAreas.CICA.departmentalHead;
    expect(problems(broken)).toEqual(
      expect.arrayContaining(['businessAreas.LAA.siro.escalationContact', 'businessAreas.OPG.siro', 'businessAreas.CICA.departmentalHead']),
    );
  });

  it('needs each MoJ-wide role held, with an escalation contact', () => {
    const broken = structuredClone(seed) as Record<string, any>;
    delete broken.roles.SSA;
    broken.roles.DPO.escalationContact.email = 'not an address';
    expect(problems(broken)).toEqual(expect.arrayContaining(['roles.SSA', 'roles.DPO.escalationContact.email']));
  });

  it('refuses a MoJ HQ SIRO other than the MoJ SIRO (Process 1(a): MoJ HQ is the department)', () => {
    const separate = structuredClone(seed);
    separate.businessAreas.MOJ_HQ!.siro = { ...seed.roles.SSA };
    expect(problems(separate)).toEqual(['businessAreas.MOJ_HQ.siro.email']);
  });

  it('refuses one person as both the SSA and the CISO, who approve exemptions separately (separation of duties)', () => {
    const same = structuredClone(seed);
    same.roles.CISO = { ...seed.roles.CISO, email: seed.roles.SSA.email.toUpperCase() };
    const result = DirectorySchema.safeParse(same);
    expect(result.success ? [] : toFieldErrors(result.error)).toEqual([
      { path: 'roles.CISO.email', message: expect.stringContaining(`must not be the Senior Security Advisor's (${seed.roles.SSA.email})`) },
    ]);
  });

  it('needs a change note and the version edited', () => {
    const result = DirectoryEditSchema.safeParse({ note: '  ', directory: seed });
    expect(result.success ? [] : toFieldErrors(result.error).map((e) => e.path)).toEqual(['basedOnVersion', 'note']);
  });
});

describe('directoryChanges: what a version changed', () => {
  it('lists each changed field by its path, from and to', () => {
    const next = withCiso('ada@justice.gov.uk');
    next.businessAreas.NEW_AREA = structuredClone(seed.businessAreas.LAA!);
    const changes = directoryChanges(seed, next);
    expect(changes).toContainEqual({ path: 'roles.CISO.email', from: seed.roles.CISO.email, to: 'ada@justice.gov.uk' });
    expect(changes).toContainEqual({ path: 'businessAreas.NEW_AREA.siro.email', to: seed.businessAreas.LAA!.siro.email });
    expect(directoryChanges(seed, structuredClone(seed))).toEqual([]);
  });
});

describe('entries the edit page changes', () => {
  it("carries MoJ HQ's SIRO with the MoJ SIRO, and never offers HQ's SIRO alone", () => {
    const entry = directoryEntry('role.MOJ_SIRO', seed)!;
    const holder = { name: 'New SIRO', email: 'new.siro@justice.gov.uk', escalationContact: { name: 'Deputy', email: 'deputy@justice.gov.uk' } };
    const next = withEntryHolder(seed, entry, holder);
    expect(next.roles.MOJ_SIRO).toEqual(holder);
    expect(next.businessAreas.MOJ_HQ!.siro).toEqual(holder);
    expect(DirectorySchema.safeParse(next).success).toBe(true);
    expect(requiredApprovers({ businessAreas: ['MOJ_HQ'] }, next)[0]).toMatchObject({ email: 'new.siro@justice.gov.uk' });
    expect(directoryEntry('siro.MOJ_HQ', seed)).toBeUndefined();
    expect(directoryEntry('siro.NOPE', seed)).toBeUndefined();
    expect(directoryEntry('role.toString', seed)).toBeUndefined();
    expect(directoryEntry('siro.LAA', seed)).toEqual({ kind: 'siro', area: 'LAA' });
  });
});

describe('currentDirectoryVersion and withCurrentDirectory: routing reads the table', () => {
  it('seeds the table with the runtime’s directory on first use, as version 1 written only if none exists', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    const first = await currentDirectoryVersion(runtime());
    expect(first).toMatchObject({ version: 1, directory: seed, changedBy: { kind: 'SYSTEM' }, changes: [] });
    const [put] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(put!.Put!.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('writes nothing where the function may only read', async () => {
    ddb.on(GetCommand).resolves({});
    expect((await currentDirectoryVersion(runtime(), { seed: false })).version).toBe(1);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('gives the handler the stored version as runtime.directory, once per invocation, and the seed outside one', async () => {
    ddb.on(GetCommand).resolves({ Item: stored(3, withCiso('ada@justice.gov.uk')) });
    const rt = runtime();
    const seen: string[] = [];
    const handler = withCurrentDirectory(rt, async () => {
      seen.push(rt.directory.roles.CISO.email);
      seen.push(requiredApprovers({ businessAreas: ['LAA'] }, rt.directory).find((a) => a.role === 'CISO')!.email);
    });
    await handler({}, {} as never);
    expect(seen).toEqual(['ada@justice.gov.uk', 'ada@justice.gov.uk']);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(1);
    expect(rt.directory.roles.CISO.email).toBe(seed.roles.CISO.email);
  });
});

describe('saveDirectoryVersion', () => {
  it('saves the next version with who, when, why and what changed', async () => {
    ddb.on(GetCommand).resolves({ Item: stored(2) });
    ddb.on(TransactWriteCommand).resolves({});
    const saved = await saveDirectoryVersion(runtime(), SAM, { basedOnVersion: 2, note: 'New CISO', directory: withCiso('ada@justice.gov.uk') });
    expect(saved).toEqual({
      version: 3,
      basedOn: 2,
      directory: withCiso('ada@justice.gov.uk'),
      changedBy: SAM,
      changedAt: '2026-11-23T10:00:00.000Z',
      note: 'New CISO',
      changes: [{ path: 'roles.CISO.email', from: seed.roles.CISO.email, to: 'ada@justice.gov.uk' }],
    });
  });

  it('refuses an edit of an earlier version with 409 naming the current one, writing nothing', async () => {
    ddb.on(GetCommand).resolves({ Item: stored(5, seed, 'Alex Admin') });
    const saving = saveDirectoryVersion(runtime(), SAM, { basedOnVersion: 4, note: 'x', directory: withCiso('ada@justice.gov.uk') });
    await expect(saving).rejects.toBeInstanceOf(Conflict);
    await expect(saving).rejects.toThrow(/Version 5 of the approver directory is current \(saved by Alex Admin .*made to version 4/);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('tells the edit that lost the race which version won', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: stored(2) })
      .resolves({ Item: stored(3, withCiso('b@justice.gov.uk'), 'Bea') });
    ddb.on(TransactWriteCommand).rejects(cancelledBy('ConditionalCheckFailed'));
    await expect(saveDirectoryVersion(runtime(), SAM, { basedOnVersion: 2, note: 'x', directory: withCiso('a@justice.gov.uk') })).rejects.toThrow(
      /Version 3 of the approver directory is current \(saved by Bea/,
    );
  });

  it('answers 409, never 500, when DynamoDB cancels two edits racing for the same items', async () => {
    ddb.on(GetCommand).resolves({ Item: stored(2) });
    ddb.on(TransactWriteCommand).rejects(cancelledBy('TransactionConflict'));
    await expect(saveDirectoryVersion(runtime(), SAM, { basedOnVersion: 2, note: 'x', directory: withCiso('a@justice.gov.uk') })).rejects.toThrow(
      /being saved at the same moment/,
    );
  });

  it('refuses a version that changes nothing (400)', async () => {
    ddb.on(GetCommand).resolves({ Item: stored(2) });
    await expect(saveDirectoryVersion(runtime(), SAM, { basedOnVersion: 2, note: 'x', directory: seed })).rejects.toBeInstanceOf(ValidationFailed);
  });
});
