import { IMClientBase } from './client.js';
import { browserEnvironment } from './browser-environment.js';
import type { InitOptions } from './options.js';
import { linkTabs } from './tabs/tab-link.js';

export class IMClient extends IMClientBase {
  constructor() {
    super(browserEnvironment);
  }

  private linked = false;

  /** Also decides, at the first init, whether this client shares its user's connection with the other tabs (InitOptions.shareConnection). */
  override init(appKey: string, options: InitOptions = {}): void {
    super.init(appKey, options);
    if (this.linked) return;
    this.linked = true;
    linkTabs(this, appKey, options, {
      status: this.statusListeners,
      message: this.messageListeners,
      change: this.changeListeners,
      typing: this.typingListeners,
      receipt: this.receiptListeners,
      'user-status': this.userStatusListeners,
      'conversation-states': this.conversationStateListeners,
    });
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
