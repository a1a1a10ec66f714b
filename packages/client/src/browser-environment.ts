import type { Environment } from './environment.js';
import { fetchPostForm } from './navigation/http-post.js';
import { IndexedDbLocalStoreFactory } from './store/indexeddb-store.js';
import { openBrowserSocket } from './transport/browser-socket.js';

/**
 * Browsers: IndexedDB, the page's WebSocket and fetch, and the online/offline events; the same in
 * a shared worker (tabs/shared-worker-entry.ts), whose global scope has them too.
 */
export const browserEnvironment: Environment = {
  defaultPlatform: 'web',
  openSocket: () => openBrowserSocket,
  postForm: () => fetchPostForm,
  storeFactory: () => new IndexedDbLocalStoreFactory(),
  watchNetwork: (listener) => {
    const online = () => listener(true);
    const offline = () => listener(false);
    globalThis.addEventListener('online', online);
    globalThis.addEventListener('offline', offline);
    return () => {
      globalThis.removeEventListener('online', online);
      globalThis.removeEventListener('offline', offline);
    };
  },
};
