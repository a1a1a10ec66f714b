import type { Registry } from 'prom-client';
import type { MessageService } from '../../core/messaging/message-service.js';
import { connectTimeTopics } from './connect-time.js';
import { conversationTopics } from './conversations.js';
import { historyTopics } from './history.js';
import { pullTopics } from './pull.js';
import { sendTopics } from './send.js';
import type { PublishHandler, QueryHandler, TopicHandlers } from './topic-handler.js';

/** What the topic handlers are built from. */
export interface TopicServices {
  messages: MessageService;
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
    sendTopics(services.messages, services.metrics),
    pullTopics(services.messages),
    historyTopics(services.messages),
    conversationTopics(services.messages),
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
