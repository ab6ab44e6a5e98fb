import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/**
 * The pages' static assets: GOV.UK Frontend's and MoJ Frontend's fonts and images where their CSS
 * expects them (`/assets/fonts/…`, `/assets/images/…`), and the service's stylesheet and script
 * under content-hashed names, so a browser or CloudFront may cache them for ever. `manifest.json`
 * maps each logical name to its hashed file; the pages read it to link them. `npm start` serves this
 * folder; on AWS it is copied to the assets bucket behind CloudFront.
 */

const ROOT = path.resolve(import.meta.dirname, '..');
export const ASSETS_OUT_DIR = path.join(ROOT, 'dist', 'assets');
const GOVUK = path.join(ROOT, 'node_modules', 'govuk-frontend', 'dist', 'govuk');
const MOJ = path.join(ROOT, 'node_modules', '@ministryofjustice', 'frontend', 'moj');

export type AssetManifest = Record<'application.css' | 'application.js', string>;

const hashed = (name: string, content: string | Uint8Array) => {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 12);
  const ext = path.extname(name);
  return `${path.basename(name, ext)}-${hash}${ext}`;
};

/**
 * Each file is written beside its place and renamed into it, so a process reading the folder while
 * another builds it (a test run and `npm start`) sees the old file or the new one, never half of one.
 */
function writeAtomically(file: string, content: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

export async function buildAssets(outDir = ASSETS_OUT_DIR): Promise<AssetManifest> {
  mkdirSync(outDir, { recursive: true });
  cpSync(path.join(GOVUK, 'assets', 'fonts'), path.join(outDir, 'fonts'), { recursive: true });
  cpSync(path.join(GOVUK, 'assets', 'images'), path.join(outDir, 'images'), { recursive: true });
  cpSync(path.join(MOJ, 'assets', 'images'), path.join(outDir, 'images'), { recursive: true });
  cpSync(path.join(GOVUK, 'assets', 'manifest.json'), path.join(outDir, 'manifest.webmanifest'));

  // Source maps' comments are dropped: they would point at files not published.
  const withoutSourceMap = (css: string) => css.replace(/\/\*# sourceMappingURL=.*?\*\//g, '');
  const css = [
    withoutSourceMap(readFileSync(path.join(GOVUK, 'govuk-frontend.min.css'), 'utf8')),
    withoutSourceMap(readFileSync(path.join(MOJ, 'moj-frontend.min.css'), 'utf8')),
    readFileSync(path.join(import.meta.dirname, 'application.css'), 'utf8'),
  ].join('\n');
  const script = await build({
    entryPoints: [path.join(import.meta.dirname, 'application.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    write: false,
    legalComments: 'none',
  });
  const js = script.outputFiles[0]!.contents;

  const manifest: AssetManifest = { 'application.css': hashed('application.css', css), 'application.js': hashed('application.js', js) };
  writeAtomically(path.join(outDir, manifest['application.css']), css);
  writeAtomically(path.join(outDir, manifest['application.js']), js);
  writeAtomically(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // Earlier builds' stylesheets and scripts, from sources since changed, are no longer linked.
  const current = new Set(Object.values(manifest));
  for (const name of readdirSync(outDir)) {
    if (/^application-[0-9a-f]{12}\.(css|js)$/.test(name) && !current.has(name)) rmSync(path.join(outDir, name), { force: true });
  }
  return manifest;
}

if (import.meta.main) {
  const manifest = await buildAssets();
  console.log(`Assets built in ${path.relative(process.cwd(), ASSETS_OUT_DIR)}: ${Object.values(manifest).join(', ')}`);
}
