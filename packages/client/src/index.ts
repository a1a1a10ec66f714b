import { IMClientBase } from './client.js';
import type { Environment } from './environment.js';
import { nodePostForm } from './navigation/node-http-post.js';
import { SqliteLocalStoreFactory } from './store/sqlite-store.js';
import { nodeSocketOpener } from './transport/node-socket.js';
import { webSocketOptionsForProxy } from './transport/proxy/websocket-through-proxy.js';

/** Node: SQLite files under `dataDir`, `ws` sockets (optionally through a proxy). */
const nodeEnvironment: Environment = {
  defaultPlatform: 'desktop',
  openSocket: (proxy) => nodeSocketOpener(proxy),
  postForm: (proxy) => nodePostForm(proxy ? (url) => webSocketOptionsForProxy(proxy, url).agent : undefined),
  storeFactory: (dataDir) => new SqliteLocalStoreFactory(dataDir ?? './parley-data'),
  // Node has no reliable network events; a failed attempt simply retries on the schedule.
  watchNetwork: () => () => undefined,
};

export class IMClient extends IMClientBase {
  constructor() {
    super(nodeEnvironment);
  }
}

export { IMError } from './client.js';
export type { ConnectCallback, Conversation, ConversationStateListener, MessageListener, ReadReceiptListener, StatusListener, TypingStatusListener } from './client.js';
export { ConnectionErrorCode, ConnectionStatus, ConversationType, DatabaseOpenStatus, NotificationLevel } from './enums.js';
export type { Message, MessageContent } from './messaging/message.js';
export type { ChatroomInfo, ChatroomJoinInfo } from './messaging/chatrooms.js';
export type { MessageReaders, ReadReceipt, TypingStatus } from './messaging/read-state.js';
export type { PlatformOnlineStatus, UserOnlineStatus } from './messaging/online-status.js';
export type { UserStatusListener } from './client.js';
export type { LocalConversationState as ConversationState } from './store/local-store.js';
export type { InitOptions, ProxySetting } from './options.js';
export type { SendFileOptions } from './client.js';
export type { FileData, UploadProgressListener } from './media/upload.js';
