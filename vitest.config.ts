import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*/src/**/*.spec.ts', '*/test/**/*.spec.ts', 'web/src/**/*.spec.tsx'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['infra/src/testing/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
