import type { Environment } from './environment.js';
import { nodePostForm } from './navigation/node-http-post.js';
import { SqliteLocalStoreFactory } from './store/sqlite-store.js';
import { nodeSocketOpener } from './transport/node-socket.js';
import { webSocketOptionsForProxy } from './transport/proxy/websocket-through-proxy.js';

/** Node: SQLite files under `dataDir`, `ws` sockets (optionally through a proxy). */
export const nodeEnvironment: Environment = {
  defaultPlatform: 'desktop',
  openSocket: (proxy) => nodeSocketOpener(proxy),
  postForm: (proxy) => nodePostForm(proxy ? (url) => webSocketOptionsForProxy(proxy, url).agent : undefined),
  storeFactory: (dataDir) => new SqliteLocalStoreFactory(dataDir ?? './parley-data'),
  // Node has no reliable network events; a failed attempt simply retries on the schedule.
  watchNetwork: () => () => undefined,
};

