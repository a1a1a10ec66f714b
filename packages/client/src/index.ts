import { IMClientBase } from './client.js';
import { nodeEnvironment } from './node-environment.js';

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
