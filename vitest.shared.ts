// Tests import sibling packages from their TypeScript sources (the `parley-src` export condition),
// so a test run never depends on a stale dist/. Child processes started by integration tests run the
// built code instead, which is why `npm test` builds first.
// No 'import': vitest hands these to test processes as `node --conditions`, which also steers
// require(), and would make pg's require('pg-pool') load pg-pool's ESM build.
const conditions = ['parley-src', 'node', 'default'];

export const sourceResolution = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
};
