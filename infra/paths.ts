import path from 'node:path';

/** The repository root: catalogue entries, the ASL file and the lock file are all relative to it. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/** A repository-relative path (as the catalogue writes them) made absolute. */
export function fromRepoRoot(relativePath: string): string {
  return path.resolve(REPO_ROOT, relativePath);
}
