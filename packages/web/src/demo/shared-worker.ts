/// <reference types="vite/client" />
// The shared worker script of @parley/client, emitted by Vite among the hashed assets: with it the
// demo's tabs of one user share a connection through a shared worker (InitOptions.sharedWorkerUrl).
import sharedWorkerUrl from '@parley/client/shared-worker?url';

export { sharedWorkerUrl };
