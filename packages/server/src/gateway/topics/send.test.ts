import { AckStatus, encodePayload, type ClientPublishFrame } from '@parley/protocol';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { SendRequest, SendResult } from '../../core/messaging/message-service.js';
import { fakeContext, storedMessage } from '../../../test/support/topic-context.js';
import { sendTopics } from './send.js';

function publish(topic: string, payload: Uint8Array, targetId = 'bob'): ClientPublishFrame {
  return { type: 'PUBLISH', header: { dup: false, qos: 1, retain: false }, topic, targetId, messageId: 1, payload };
}

/** A message service that records requests and answers with `result`. */
function recordingService(result: SendResult) {
  const requests: SendRequest[] = [];
  return { requests, service: { send: async (request: SendRequest) => (requests.push(request), result) } };
}

const up = encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: '{"content":"hi"}', clientUniqueId: '1577954953120181369' });

describe('send topics', () => {
  it('send as the session user to the frame target, private or group by topic, and answer with the stored UID', async () => {
    const stored = storedMessage({ uid: 'ABCD-EFGH-IJKL-MNOP', sentTime: 42 });
    const { requests, service } = recordingService({ ok: true, message: stored, duplicate: false });
    const { publishes } = sendTopics(service, new Registry());
    expect(await publishes!.ppMsgP!(publish('ppMsgP', up), fakeContext())).toEqual({ status: 0, messageUId: 'ABCD-EFGH-IJKL-MNOP', sentTime: 42 });
    await publishes!.pgMsgP!(publish('pgMsgP', up, 'team'), fakeContext());
    expect(requests.map((r) => [r.senderId, r.conversationType, r.targetId, r.flags, r.clientUniqueId, r.senderSessionId])).toEqual([
      ['alice', 1, 'bob', 3, '1577954953120181369', 's1'],
      ['alice', 3, 'team', 3, '1577954953120181369', 's1'],
    ]);
  });

  it('answer a refusal with its status and no UID, and a garbled payload with 26010 without sending', async () => {
    const { requests, service } = recordingService({ ok: false, status: AckStatus.NOT_IN_GROUP, reason: 'not in group' });
    const { publishes } = sendTopics(service, new Registry());
    expect(await publishes!.pgMsgP!(publish('pgMsgP', up), fakeContext())).toMatchObject({ status: AckStatus.NOT_IN_GROUP, messageUId: '' });
    expect(await publishes!.ppMsgP!(publish('ppMsgP', Uint8Array.of(0xff, 0xff)), fakeContext())).toMatchObject({ status: AckStatus.PARAMETER_INVALID });
    expect(requests).toHaveLength(1);
  });

  it('count a retried send once', async () => {
    const metrics = new Registry();
    const { service } = recordingService({ ok: true, message: storedMessage(), duplicate: true });
    await sendTopics(service, metrics).publishes!.ppMsgP!(publish('ppMsgP', up), fakeContext());
    expect((await metrics.getSingleMetricAsString('parley_messages_total')).trim().split('\n').filter((l) => !l.startsWith('#'))).toEqual([]);
  });
});
