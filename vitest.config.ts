import { defineConfig } from 'vitest/config';

// Two cores on the CI machine: test files that start servers run in at most two forks.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '.cache/**', 'clients/web/**/e2e/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
