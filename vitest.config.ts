import { defineConfig } from 'vitest/config';

// Tests import sibling packages from their TypeScript sources (the `parley-src` export condition),
// so a test run never depends on a stale dist/. Child processes started by integration tests run the
// built code instead, which is why `npm test` builds first.
const conditions = ['parley-src', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
