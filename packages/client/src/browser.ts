import { IMClientBase } from './client.js';
import type { Environment } from './environment.js';
import { fetchPostForm } from './navigation/http-post.js';
import { IndexedDbLocalStoreFactory } from './store/indexeddb-store.js';
import { openBrowserSocket } from './transport/browser-socket.js';

/** Browsers: IndexedDB, the page's WebSocket and fetch, and the window's online/offline events. */
const browserEnvironment: Environment = {
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

export class IMClient extends IMClientBase {
  constructor() {
    super(browserEnvironment);
  }
}

export { IMError } from './client.js';
export type { ConnectCallback, Conversation, ConversationStateListener, MessageListener, ReadReceiptListener, StatusListener, TypingStatusListener } from './client.js';
export { ConnectionErrorCode, ConnectionStatus, ConversationType, DatabaseOpenStatus, NotificationLevel } from './enums.js';
export type { Message, MessageContent } from './messaging/message.js';
export type { MessageReaders, ReadReceipt, TypingStatus } from './messaging/read-state.js';
export type { PlatformOnlineStatus, UserOnlineStatus } from './messaging/online-status.js';
export type { UserStatusListener } from './client.js';
export type { LocalConversationState as ConversationState } from './store/local-store.js';
export type { InitOptions } from './options.js';
export type { SendFileOptions } from './client.js';
export type { FileData, UploadProgressListener } from './media/upload.js';
