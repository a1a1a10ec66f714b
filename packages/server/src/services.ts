import type { Bus } from './bus/bus.js';
import type { AppService } from './core/apps/app-service.js';
import type { ChatroomService } from './core/chatrooms/chatroom-service.js';
import type { ConversationStateService } from './core/messaging/conversation-states.js';
import type { GroupService } from './core/groups/group-service.js';
import type { MessageChanges } from './core/messaging/message-changes.js';
import type { MessageDeletion } from './core/messaging/message-deletion.js';
import type { MessageService } from './core/messaging/message-service.js';
import type { UserService } from './core/users/user-service.js';
import type { Store } from './store/store.js';

/** What the edges (http/, gateway/) are given: the core services and the two ports. */
export interface Services {
  store: Store;
  bus: Bus;
  apps: AppService;
  users: UserService;
  groups: GroupService;
  messages: MessageService;
  deletion: MessageDeletion;
  changes: MessageChanges;
  conversationStates: ConversationStateService;
  chatrooms: ChatroomService;
  now: () => number;
}
