import type { PostForm } from './navigation/http-post.js';
import type { LocalStoreFactory } from './store/local-store.js';
import type { OpenSocket } from './transport/frame-socket.js';
import type { ProxySetting } from './options.js';

/** What differs between Node and browsers; each entry point supplies one. */
export interface Environment {
  defaultPlatform: 'web' | 'desktop';
  openSocket(proxy: ProxySetting | undefined): OpenSocket;
  /** The HTTP client navigation uses (through the same proxy as the socket, where there is one). */
  postForm(proxy: ProxySetting | undefined): PostForm;
  storeFactory(dataDir: string | undefined): LocalStoreFactory;
  /** Calls back with true/false when the network comes and goes (browsers); returns an unsubscribe. */
  watchNetwork(listener: (online: boolean) => void): () => void;
}
