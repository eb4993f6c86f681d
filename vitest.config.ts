import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*/src/**/*.spec.ts', '*/test/**/*.spec.ts', 'web/src/**/*.spec.tsx'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['platform/src/testing/global-setup.ts'],
    pool: 'forks',
    // One log line per request: the suites make thousands, so only warnings show unless LOG_LEVEL says otherwise.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The second lists skipped suites and, with CI=true, fails the run when a live suite skipped.
    reporters: ['default', './platform/src/testing/live-suites.ts'],
  },
});
