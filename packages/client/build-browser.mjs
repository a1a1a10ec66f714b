// Bundles the browser entry of @parley/client into one ES module (run after `tsc -b`).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

await build({
  entryPoints: [`${root}src/browser.ts`],
  outfile: `${root}dist/browser/parley-client.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  // Bundle the workspace packages from their sources, like the tests do.
  conditions: ['parley-src'],
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
