import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fromRepoRoot } from './paths.ts';

let built: string | undefined;

/**
 * The pages' assets (assets/build.ts: fonts, images, hashed application CSS and JS, manifest.json),
 * built once per synth process into a folder of its own: the assets bucket is deployed from it,
 * and the page-rendering bundles take its manifest, so both always name the same hashed files.
 * Built in a child process because the build is asynchronous and a CDK app is built synchronously.
 */
export function pageAssetsDir(): string {
  if (built) return built;
  const dir = mkdtempSync(path.join(tmpdir(), 'offshore-assets-'));
  const script = `const { buildAssets } = await import(${JSON.stringify(pathToFileURL(fromRepoRoot('assets/build.ts')).href)});
    await buildAssets(process.env.OFFSHORE_ASSETS_DIR);`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, OFFSHORE_ASSETS_DIR: dir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  built = dir;
  return dir;
}

/** The manifest of the built assets. */
export function pageAssetManifest(): string {
  return path.join(pageAssetsDir(), 'manifest.json');
}
