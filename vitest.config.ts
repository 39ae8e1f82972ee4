import { defineConfig } from 'vitest/config';

// Two cores on the CI machine: test files that start servers run in at most two forks.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // The start points' katas hold tests in each language's own framework, run inside the sandbox.
    exclude: ['**/node_modules/**', '.cache/**', 'clients/web/**/e2e/**', 'runner/start-points/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
