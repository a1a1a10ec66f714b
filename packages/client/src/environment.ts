import type { LocalStoreFactory } from './store/local-store.js';
import type { OpenSocket } from './transport/frame-socket.js';
import type { ProxySetting } from './options.js';

/** What differs between Node and browsers; each entry point supplies one. */
export interface Environment {
  defaultPlatform: 'web' | 'desktop';
  openSocket(proxy: ProxySetting | undefined): OpenSocket;
  storeFactory(dataDir: string | undefined): LocalStoreFactory;
  /** Calls back with true/false when the network comes and goes (browsers); returns an unsubscribe. */
  watchNetwork(listener: (online: boolean) => void): () => void;
}
