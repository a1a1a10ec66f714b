// Bundles the browser entry of @parley/client into one ES module, and its shared worker into one script (run after `tsc -b`).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

const common = {
  bundle: true,
  platform: 'browser',
  target: 'es2020',
  // Bundle the workspace packages from their sources, like the tests do.
  conditions: ['parley-src'],
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
};

await build({ ...common, entryPoints: [`${root}src/browser.ts`], outfile: `${root}dist/browser/parley-client.js`, format: 'esm' });
// The shared worker that holds the tabs' shared connection (src/tabs/): a classic script, which
// every browser with SharedWorker runs (module workers came later to some).
await build({ ...common, entryPoints: [`${root}src/tabs/shared-worker-entry.ts`], outfile: `${root}dist/browser/parley-shared-worker.js`, format: 'iife' });
