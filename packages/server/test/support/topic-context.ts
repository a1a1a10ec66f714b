import type { SessionEntry } from '../../src/bus/bus.js';
import type { StoredMessage } from '../../src/store/store.js';
import type { TopicContext } from '../../src/gateway/topics/topic-handler.js';
import { DeviceSync } from '../../src/core/messaging/device-sync.js';

/** A session as the gateway hands it to handlers, for unit tests of topic files. */
export function fakeContext(overrides: Partial<TopicContext> = {}): TopicContext {
  const session: SessionEntry = { sessionId: 's1', appKey: 'app', userId: 'alice', platform: 'web', deviceId: 'd1', connectedAt: 1 };
  return { session, now: 1_700_000_000_000, flavor: 'web', sync: new DeviceSync(), targetId: '', ...overrides };
}

/** A stored text message from `senderId` to `targetId`. */
export function storedMessage(overrides: Partial<StoredMessage> = {}): StoredMessage {
  return {
    appKey: 'app',
    uid: 'UID1-AAAA-BBBB-CCCC',
    conversationType: 1,
    targetId: 'alice',
    conversationKey: 'p:5:alicebob',
    senderId: 'bob',
    objectName: 'RC:TxtMsg',
    content: '{"content":"hi"}',
    sentTime: 1_700_000_000_000,
    flags: 3,
    clientUniqueId: undefined,
    ...overrides,
  };
}
