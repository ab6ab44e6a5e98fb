import { cpSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The `templates/` folder a page-rendering function finds beside its bundle's index.mjs: nunjucks
 * loads templates from files at run time, so they travel with the code. Only `.njk` files are
 * copied from the design systems (their CSS, JS and images are served from the assets bucket).
 * Run by the bundling hook (infra/bundling.ts) as
 * `node infra/page-templates.ts <bundle output dir> <asset manifest.json>`: no CDK import, so it starts fast.
 */

const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/** Folder under `templates/` → where it is copied from (repository-relative). */
export const TEMPLATE_FOLDERS: Readonly<Record<string, string>> = {
  app: 'functions/web/templates',
  'govuk-frontend/dist/govuk': 'node_modules/govuk-frontend/dist/govuk',
  '@ministryofjustice/frontend/moj': 'node_modules/@ministryofjustice/frontend/moj',
};

/** Where the pages read which hashed files to link (assets/build.ts writes it as manifest.json). */
export const ASSET_MANIFEST_FILE = 'asset-manifest.json';

export function copyPageTemplates(outputDir: string, assetManifest: string): void {
  const templates = path.join(outputDir, 'templates');
  for (const [folder, source] of Object.entries(TEMPLATE_FOLDERS)) {
    const from = path.join(REPO_ROOT, source);
    if (!existsSync(from)) throw new Error(`Page templates: ${source} is missing (npm ci installs the design systems)`);
    cpSync(from, path.join(templates, folder), {
      recursive: true,
      filter: (file) => statSync(file).isDirectory() || file.endsWith('.njk'),
    });
  }
  mkdirSync(templates, { recursive: true });
  cpSync(assetManifest, path.join(templates, ASSET_MANIFEST_FILE));
}

if (import.meta.main) {
  const [outputDir, assetManifest] = process.argv.slice(2);
  if (!outputDir || !assetManifest) throw new Error('usage: node infra/page-templates.ts <bundle output dir> <asset manifest.json>');
  copyPageTemplates(outputDir, assetManifest);
}
