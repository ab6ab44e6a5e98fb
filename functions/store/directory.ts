import * as z from 'zod';
import { ApproverDirectorySchema } from '../platform/directory.ts';
import { keys, SK_PREFIX } from './keys.ts';
import { queryAll } from './paging.ts';
import { ActorSchema } from './records.ts';
import { isNew, type Condition, type Table } from './table.ts';

/**
 * The approver directory as data: every version kept, append-only, beside a copy of the current
 * one (what routing reads, in one strongly consistent GetItem). A new version replaces the current
 * one only if the current one is still the version it was edited from.
 */

/** One field the version changed, by its dotted path in the directory (e.g. `roles.CISO.email`). */
export const DirectoryChangeSchema = z.object({
  path: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
});
export type DirectoryChange = z.infer<typeof DirectoryChangeSchema>;

export const DirectoryVersionSchema = z.object({
  version: z.number().int().min(1),
  directory: ApproverDirectorySchema,
  /** Who saved it, and when. */
  changedBy: ActorSchema,
  changedAt: z.string(),
  /** Why, in the editor's words. */
  note: z.string(),
  /** What it changed from the version before it (empty for the first). */
  changes: z.array(DirectoryChangeSchema),
  /** The version it was edited from. */
  basedOn: z.number().int().min(1).optional(),
});
export type DirectoryVersion = z.infer<typeof DirectoryVersionSchema>;

const stillAtVersion = (version: number): Condition => ({
  expression: '#version = :basedOn',
  names: { '#version': 'version' },
  values: { ':basedOn': version },
});

export class DirectoryStore {
  readonly #table: Table;

  constructor(table: Table) {
    this.#table = table;
  }

  /** The version in force, or undefined before the first is saved. */
  async current(): Promise<DirectoryVersion | undefined> {
    const item = await this.#table.get(keys.directoryCurrent());
    return item ? DirectoryVersionSchema.parse(item) : undefined;
  }

  /** One version by its number, or undefined if it was never saved. */
  async version(version: number): Promise<DirectoryVersion | undefined> {
    const item = await this.#table.get(keys.directoryVersion(version));
    return item ? DirectoryVersionSchema.parse(item) : undefined;
  }

  /** Every version, newest first. */
  async history(): Promise<DirectoryVersion[]> {
    const { items } = await queryAll(this.#table, {
      key: {
        expression: 'pk = :pk AND begins_with(sk, :version)',
        values: { ':pk': keys.directoryCurrent().pk, ':version': SK_PREFIX.version },
      },
      descending: true,
    });
    return items.map((item) => DirectoryVersionSchema.parse(item));
  }

  /**
   * Saves a version and makes it current, all or nothing. The version item is new (a version is
   * never rewritten); the current copy must still be at `basedOn`, or not exist for the first
   * version. Throws StaleState when another version was saved first.
   */
  async saveVersion(version: DirectoryVersion): Promise<void> {
    await this.#table.transact([
      this.#table.putItem({ ...keys.directoryVersion(version.version), entity: 'DIRECTORY_VERSION', ...version }, isNew),
      this.#table.putItem(
        { ...keys.directoryCurrent(), entity: 'DIRECTORY', ...version },
        version.basedOn === undefined ? isNew : stillAtVersion(version.basedOn),
      ),
    ]);
  }
}
