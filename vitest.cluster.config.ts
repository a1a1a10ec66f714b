import { defineConfig } from 'vitest/config';
import { sourceResolution, sourceWorkerThreads } from './vitest.shared.js';

/** The cluster suites, one file at a time, since they restart shared services. */
export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['packages/*/src/**/*.cluster.test.ts', 'packages/*/test/**/*.cluster.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    execArgv: sourceWorkerThreads,
  },
});
