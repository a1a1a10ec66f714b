import { AckStatus, encodePayload, type ClientPublishFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { StatusRequest } from '../../core/messaging/message-service.js';
import { fakeContext } from '../../../test/support/topic-context.js';
import { statusTopics } from './status.js';

const typing = encodePayload('UpStreamMessage', { sessionId: 0, classname: 'RC:TypSts', content: '{"typingContentType":"RC:TxtMsg"}', toUserIds: [] });

function publish(topic: string, targetId: string, qos: 0 | 1): ClientPublishFrame {
  return { type: 'PUBLISH', header: { dup: false, qos, retain: false }, topic, targetId, messageId: 1, payload: typing };
}

describe('status topics', () => {
  it('send a status message live as the session user, private or group by topic, answering without a UID', async () => {
    const requests: StatusRequest[] = [];
    const { publishes } = statusTopics({ sendStatus: async (request) => (requests.push(request), { ok: true }) });
    expect(await publishes!.ppMsgS!(publish('ppMsgS', 'bob', 0), fakeContext())).toEqual({ status: 0, messageUId: '', sentTime: fakeContext().now });
    await publishes!.pgMsgS!(publish('pgMsgS', 'team', 1), fakeContext());
    expect(requests.map((r) => [r.senderId, r.conversationType, r.targetId, r.objectName, r.senderSessionId])).toEqual([
      ['alice', 1, 'bob', 'RC:TypSts', 's1'],
      ['alice', 3, 'team', 'RC:TypSts', 's1'],
    ]);
  });

  it('answer a refusal with its status', async () => {
    const { publishes } = statusTopics({ sendStatus: async () => ({ ok: false, status: AckStatus.NOT_IN_GROUP, reason: 'not in group' }) });
    expect(await publishes!.pgMsgS!(publish('pgMsgS', 'team', 1), fakeContext())).toMatchObject({ status: AckStatus.NOT_IN_GROUP });
  });
});
