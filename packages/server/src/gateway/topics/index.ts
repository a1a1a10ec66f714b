import type { Registry } from 'prom-client';
import type { ChatroomService } from '../../core/chatrooms/chatroom-service.js';
import type { MediaService } from '../../core/media/media-service.js';
import type { ConversationStateService } from '../../core/messaging/conversation-states.js';
import type { MessageChanges } from '../../core/messaging/message-changes.js';
import type { GroupReceiptService } from '../../core/messaging/group-receipts.js';
import type { MessageDeletion } from '../../core/messaging/message-deletion.js';
import type { MessageService } from '../../core/messaging/message-service.js';
import type { ReadStateService } from '../../core/messaging/read-state.js';
import type { OnlineStatusService } from '../../core/online-status/online-status-service.js';
import { chatroomTopics } from './chatrooms.js';
import { connectTimeTopics } from './connect-time.js';
import { conversationStateTopics } from './conversation-states.js';
import { conversationTopics } from './conversations.js';
import { historyTopics } from './history.js';
import { mediaTopics } from './media.js';
import { deletionTopics } from './message-deletion.js';
import { messageChangeTopics } from './message-changes.js';
import { onlineStatusTopics } from './online-status.js';
import { pullTopics } from './pull.js';
import { readReceiptTopics } from './read-receipts.js';
import { sendTopics } from './send.js';
import { statusTopics } from './status.js';
import type { PublishHandler, QueryHandler, TopicHandlers } from './topic-handler.js';
import { unreadTopics } from './unread.js';

/** What the topic handlers are built from. */
export interface TopicServices {
  messages: MessageService;
  deletion: MessageDeletion;
  changes: MessageChanges;
  readState: ReadStateService;
  receipts: GroupReceiptService;
  conversationStates: ConversationStateService;
  chatrooms: ChatroomService;
  media: MediaService;
  onlineStatus: OnlineStatusService;
  metrics: Registry;
}

/**
 * Every topic the gateway answers, one feature a file: adding a feature is adding a file and a line
 * here. A topic claimed by two features is a mistake caught at start; an unknown topic is answered
 * 20606 by the gateway.
 */
export function topicTable(services: TopicServices): { queries: Record<string, QueryHandler>; publishes: Record<string, PublishHandler> } {
  const features: TopicHandlers[] = [
    connectTimeTopics,
    sendTopics(services.messages, services.metrics, services.changes),
    pullTopics(services.messages, services.readState),
    historyTopics(services.messages),
    conversationTopics(services.messages),
    deletionTopics(services.deletion),
    messageChangeTopics(services.changes),
    statusTopics(services.messages),
    readReceiptTopics(services.receipts),
    unreadTopics(services.readState, services.messages),
    conversationStateTopics(services.conversationStates, services.messages),
    chatroomTopics(services.chatrooms),
    mediaTopics(services.media, services.messages),
    onlineStatusTopics(services.onlineStatus),
  ];
  const queries: Record<string, QueryHandler> = {};
  const publishes: Record<string, PublishHandler> = {};
  for (const feature of features) {
    for (const [topic, handler] of Object.entries(feature.queries ?? {})) queries[topic] = claim(queries, topic, handler);
    for (const [topic, handler] of Object.entries(feature.publishes ?? {})) publishes[topic] = claim(publishes, topic, handler);
  }
  return { queries, publishes };
}

function claim<H>(table: Record<string, H>, topic: string, handler: H): H {
  if (topic in table) throw new Error(`topic ${topic} has two handlers`);
  return handler;
}
