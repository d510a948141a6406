import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the source; `berth/*` self-imports resolve to it as well.
    alias: [
      { find: /^berth$/, replacement: source('./src/index.ts') },
      { find: /^berth\/sdk$/, replacement: source('./src/sdk/index.ts') },
      { find: /^berth\/testing$/, replacement: source('./src/testing/index.ts') },
    ],
  },
  test: {
    // Plugin workers load the built worker entry (see src/isolation/worker-entry.ts).
    env: { BERTH_WORKERS: 'dist' },
    // postgres-setup starts a throwaway PostgreSQL unless DATABASE_URL names one.
    globalSetup: ['./test/support/build-once.ts', './test/support/postgres-setup.ts'],
    include: ['test/**/*.test.ts', 'plugins/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
