import { defineConfig } from 'vitest/config';
import { sourceResolution, sourceWorkerThreads } from './vitest.shared.js';

export default defineConfig({
  ...sourceResolution,
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // Cluster tests restart shared services (Redis, PostgreSQL): `npm run test:cluster` runs them alone.
    exclude: ['**/node_modules/**', '**/*.cluster.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    execArgv: sourceWorkerThreads,
  },
});
