import { AckStatus, decodePayload, encodePayload, Topic } from '@parley/protocol';
import type { QueryAnswer, TopicHandlers } from './topic-handler.js';

const ok = (payload?: Uint8Array): QueryAnswer => ({ status: AckStatus.SUCCESS, payload });

/**
 * The queries the official SDKs make right after CONNACK, for features Parley keeps empty (bots, user
 * settings, event changes). Each answer is complete —
 * the SDK's decoder throws on a missing required field — and echoes the client's own version, so
 * the SDK neither logs errors nor asks again.
 */
export const connectTimeTopics: TopicHandlers = {
  queries: {
    [Topic.qAppBot]: () => ok(encodePayload('BotOutput', { bots: [] })),
    [Topic.pullEventChange]: (request) => {
      const { syncTime } = decodePayload('QueryMsgChange', request);
      return ok(encodePayload('EventChangeList', { list: [], syncTime, hasNext: false }));
    },
    [Topic.pullUS]: (request) => {
      const { version } = decodePayload('PullUserSettingInput', request);
      return ok(encodePayload('PullUserSettingOutput', { items: [], version }));
    },
    // The SDK reports its version and platform; nothing here needs them.
    [Topic.reportsdk]: () => ok(),
  },
};
