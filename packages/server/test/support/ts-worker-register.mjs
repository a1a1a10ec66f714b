// Preloaded into every test process (vitest.shared.ts) and so into the worker threads they start,
// which inherit its execArgv. Only those threads take the hooks: a test process runs sources through
// vitest's own module runner, and would only pay a round trip to the hooks on each of its imports.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (!isMainThread) register('./ts-worker-hooks.mjs', import.meta.url);
