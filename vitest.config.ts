import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['tests/setup.ts'],
    globalSetup: ['tests/global-setup.ts'],
    include: ['tests/{unit,local,workflow,infra,e2e}/**/*.test.ts'],
    // Workflow tests each start their own local stack on free ports; infra tests bundle with esbuild.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
