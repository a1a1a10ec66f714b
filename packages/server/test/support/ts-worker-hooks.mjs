// Module hooks that let a worker thread run the TypeScript sources, for the threads tests start from
// source (store/sqlite/writer/writer-thread.ts). Node 20 cannot run a .ts file by itself (type
// stripping came with Node 22); the TypeScript compiler, the build's own, transpiles file by file in
// process (esbuild would leave a service process of its own beside each test process).
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// Every store a test opens starts threads that load the same few dozen files: transpiled once, they
// are read back from here, which spares each thread loading the compiler, most of what running from
// source adds to a thread's start.
const cacheDir = fileURLToPath(new URL('../../../../node_modules/.cache/parley-ts-workers/', import.meta.url));
const compilerVersion = JSON.parse(await readFile(createRequire(import.meta.url).resolve('typescript/package.json'), 'utf8')).version;

/** Sources import each other as `.js`, the name the build gives them; before a build, that is the `.ts`. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !specifier.endsWith('.js') || !context.parentURL?.endsWith('.ts')) throw error;
    return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  const cached = `${cacheDir}${createHash('sha256').update(JSON.stringify([compilerVersion, file, source])).digest('hex')}.js`;
  const code = await readFile(cached, 'utf8').catch(() => transpile(file, source, cached));
  return { format: 'module', source: code, shortCircuit: true };
}

async function transpile(file, source, cached) {
  const { default: ts } = await import('typescript');
  // The target is tsconfig.base.json's, so class fields behave as in the build.
  const compilerOptions = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true, inlineSources: true };
  const code = ts.transpileModule(source, { compilerOptions, fileName: file }).outputText;
  // Threads of several test processes may write the same entry: each renames a whole file into place.
  const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await mkdir(cacheDir, { recursive: true })
    .then(() => writeFile(partial, code))
    .then(() => rename(partial, cached))
    // A cache that cannot be written costs only speed.
    .catch(() => undefined);
  return code;
}
