import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nunjucks from 'nunjucks';
import {
  ACTIVITY_WORDS,
  APPROVAL_STATUS_WORDS,
  CHANGE_TYPE_WORDS,
  DATA_CATEGORY_WORDS,
  CONTRACT_CRITICALITY_WORDS,
  COMPLIANCE_WORDS,
  REQUEST_STATUS_WORDS,
  locationInWords,
  roleInWords,
  ukDate,
  ukDeadline,
  ukTime,
} from '../domain/words.ts';
import { countryName } from '../domain/countries.ts';
import type { HttpResult } from './http.ts';

/**
 * Server-side pages on GOV.UK Frontend and MoJ Frontend, rendered with nunjucks and those libraries'
 * own macros (autoescape on: every value a person typed is escaped). Templates are files: in a
 * Lambda bundle under `templates/` next to the code (infra/bundling.ts copies them), in the
 * repository from functions/web/templates and the two packages.
 */

interface TemplateFolders {
  searchPaths: string[];
  manifest: string;
}

function templateFolders(): TemplateFolders {
  const bundled = path.join(import.meta.dirname, 'templates');
  if (existsSync(path.join(bundled, 'app'))) {
    return {
      searchPaths: [path.join(bundled, 'app'), path.join(bundled, 'govuk-frontend', 'dist'), path.join(bundled, '@ministryofjustice', 'frontend')],
      manifest: path.join(bundled, 'asset-manifest.json'),
    };
  }
  const root = path.resolve(import.meta.dirname, '..', '..');
  return {
    searchPaths: [
      path.join(root, 'functions', 'web', 'templates'),
      path.join(root, 'node_modules', 'govuk-frontend', 'dist'),
      path.join(root, 'node_modules', '@ministryofjustice', 'frontend'),
    ],
    manifest: path.join(root, 'dist', 'assets', 'manifest.json'),
  };
}

let environment: nunjucks.Environment | undefined;

function templates(): nunjucks.Environment {
  if (environment) return environment;
  const folders = templateFolders();
  if (!existsSync(folders.manifest)) {
    throw new Error(`No asset manifest at ${folders.manifest}: run npm run build:assets (npm start and npm test do it themselves)`);
  }
  const manifest = JSON.parse(readFileSync(folders.manifest, 'utf8')) as Record<string, string>;
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(folders.searchPaths, { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
    trimBlocks: true,
    lstripBlocks: true,
  });
  env.addGlobal('asset', (name: string) => {
    const file = manifest[name];
    if (!file) throw new Error(`No asset named ${name} in the asset manifest`);
    return `/assets/${file}`;
  });
  env.addGlobal('statusWords', REQUEST_STATUS_WORDS);
  env.addGlobal('approvalStatusWords', APPROVAL_STATUS_WORDS);
  env.addGlobal('activityWords', ACTIVITY_WORDS);
  env.addGlobal('changeTypeWords', CHANGE_TYPE_WORDS);
  env.addGlobal('dataCategoryWords', DATA_CATEGORY_WORDS);
  env.addGlobal('criticalityWords', CONTRACT_CRITICALITY_WORDS);
  env.addGlobal('complianceWords', COMPLIANCE_WORDS);
  env.addFilter('ukTime', (value?: string) => (value ? ukTime(value) : ''));
  env.addFilter('ukDate', (value?: string) => (value ? ukDate(value) : ''));
  // MoJ Frontend's timeline macro formats its times with this filter (the prototype kit's name).
  env.addFilter('mojDate', (value?: string, type?: string) => (value ? (type === 'date' ? ukDate(value) : ukTime(value)) : ''));
  env.addFilter('ukDeadline', (value?: string) => (value ? ukDeadline(value) : ''));
  env.addFilter('role', (value: Parameters<typeof roleInWords>[0]) => roleInWords(value));
  env.addFilter('country', (value: string) => countryName(value));
  env.addFilter('location', (value: Parameters<typeof locationInWords>[0]) => locationInWords(value));
  environment = env;
  return env;
}

/** Renders a template to HTML (for pages, and for tests that look at one template). */
export function renderTemplate(view: string, context: Record<string, unknown>): string {
  return templates().render(view, context);
}

/**
 * The Content-Security-Policy of every page: the service's own assets only, and the one inline
 * script GOV.UK's template needs (marking the body as JavaScript-enabled) by its per-response nonce.
 */
export function pageContentSecurityPolicy(nonce: string, options: PagePolicy = {}): string {
  return [
    options.nothingByDefault ? "default-src 'none'; manifest-src 'self'" : "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    `form-action ${options.formAction ?? "'self'"}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Where a page's policy differs from every page's. */
export interface PagePolicy {
  /** Name each kind of content allowed, nothing by default (pages whose address carries a secret). */
  nothingByDefault?: boolean;
  /** Where its forms may post, when not this origin (e.g. the public base URL's approval links). */
  formAction?: string;
}

export interface PageOptions {
  statusCode?: number;
  cookies?: string[];
  /** Headers besides the page's own (Content-Type, Cache-Control, CSP). */
  headers?: Record<string, string>;
  policy?: PagePolicy;
}

/** A full page response: rendered HTML, never cached (pages show personal, changing data), with its CSP. */
export function renderPage(view: string, context: Record<string, unknown>, options: PageOptions = {}): HttpResult {
  const nonce = randomBytes(16).toString('base64');
  return {
    statusCode: options.statusCode ?? 200,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': pageContentSecurityPolicy(nonce, options.policy),
      ...options.headers,
    },
    ...(options.cookies?.length ? { cookies: options.cookies } : {}),
    body: renderTemplate(view, { ...context, cspNonce: nonce }),
  };
}

/** 303 See Other: after a form is accepted, so a refresh never posts it twice. */
export function redirect(location: string, cookies: string[] = [], statusCode = 303): HttpResult {
  return { statusCode, headers: { Location: location, 'Cache-Control': 'no-store' }, ...(cookies.length ? { cookies } : {}), body: '' };
}
