import { defineConfig } from 'vitest/config';

/**
 * One vitest configuration for every package: at most two workers (the machine has two
 * cores), one shared module graph per worker so a PGlite instance is started once per
 * worker, and a JSON report that scripts/test.mjs adds up into the closing summary line.
 */
export const sharedConfig = defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    isolate: false,
    passWithNoTests: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
