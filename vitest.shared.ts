// Tests import sibling packages from their TypeScript sources (the `parley-src` export condition),
// so a test run never depends on a stale dist/; so do the worker threads they start (see
// `sourceWorkerThreads`). Child processes started by integration tests run the built code instead,
// which is why `npm test` builds first.
// No 'import': vitest hands these to test processes as `node --conditions`, which also steers
// require(), and would make pg's require('pg-pool') load pg-pool's ESM build.
const conditions = ['parley-src', 'node', 'default'];

export const sourceResolution = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
};

/**
 * For a test's `execArgv`: a worker thread started from source (the SQLite writer's) is a plain Node
 * thread, outside vitest's module runner, and Node 20 runs no TypeScript by itself. Threads inherit
 * this from their test process, with the `--conditions` above (so even a built worker would import
 * @parley/protocol's TypeScript), and take module hooks for the sources
 * (packages/server/test/support/ts-worker-hooks.mjs).
 */
export const sourceWorkerThreads = ['--import', new URL('./packages/server/test/support/ts-worker-register.mjs', import.meta.url).href];
