import { LogLevel, OutputFormat, type BundlingOptions, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { copyPageTemplates } from './page-templates.ts';
import { fromRepoRoot, REPO_ROOT } from './paths.ts';

/**
 * How every Lambda is bundled: CDK's NodejsFunction runs the local esbuild with these options
 * (infra/constructs/project-function.ts), and `npm run bench` (bench/bundles.ts) builds with the
 * very same ones through `esbuildOptions`, so the sizes it reports are the deployed bundles' sizes.
 */

/**
 * Every bundle is ESM; some CommonJS dependencies call `require` at run time, which ESM lacks.
 * The alias keeps the banner's import from clashing with any bundled `createRequire`.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __offshoreCreateRequire } from 'node:module'; const require = __offshoreCreateRequire(import.meta.url);";

export const LAMBDA_BUNDLING = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  // Keep class and function names: stack traces stay readable after minification.
  keepNames: true,
  sourceMap: true,
  sourcesContent: false,
  // Bundle the SDK too: the code that runs is the code the tests ran, not the runtime's copy.
  bundleAwsSDK: true,
  logLevel: LogLevel.WARNING,
  // nunjucks requires these only to watch template files for changes, which a Lambda never does.
  externalModules: ['chokidar', 'fsevents'],
} as const satisfies BundlingOptions;

const shellQuoted = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/**
 * For the functions that render pages: after esbuild, the templates folder is put beside
 * index.mjs (infra/page-templates.ts), with the manifest of the assets deployed with it.
 * Run with the Node.js that runs the synth, which strips the script's types itself.
 */
export function pageTemplatesHooks(assetManifest: string): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => [
      [process.execPath, fromRepoRoot('infra/page-templates.ts'), outputDir, assetManifest].map(shellQuoted).join(' '),
    ],
  };
}

/** The same templates folder, for a bundle built through `esbuildOptions` (bench/bundles.ts). */
export function addPageTemplates(outputDir: string, assetManifest: string): void {
  copyPageTemplates(outputDir, assetManifest);
}

/**
 * The same build through esbuild's API, as NodejsFunction puts it on esbuild's command line
 * (`--bundle --platform=node` and the options above; the SDK is bundled, so the only externals are nunjucks' watchers).
 */
export function esbuildOptions(entry: string, outfile: string): BuildOptions & { absWorkingDir: string } {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    banner: { js: LAMBDA_BUNDLING.banner },
    minify: LAMBDA_BUNDLING.minify,
    keepNames: LAMBDA_BUNDLING.keepNames,
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    logLevel: LAMBDA_BUNDLING.logLevel,
    external: [...LAMBDA_BUNDLING.externalModules],
  };
}
