import { AckStatus, encodePayload, PayloadDecodeError, type ClientPublishFrame } from '@parley/protocol';
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

/** Change handling that takes part in no send: every message goes to the message service. */
const noChanges = {
  sentExpansion: () => ({ ok: true as const, expansion: undefined }),
  sendExpansionUpdate: async (): Promise<SendResult> => {
    throw new Error('not an expansion update');
  },
};

const up = encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: '{"content":"hi"}', clientUniqueId: '1577954953120181369' });

describe('send topics', () => {
  it('send as the session user to the frame target, private or group by topic, and answer with the stored UID', async () => {
    const stored = storedMessage({ uid: 'ABCD-EFGH-IJKL-MNOP', sentTime: 42 });
    const { requests, service } = recordingService({ ok: true, message: stored, duplicate: false });
    const { publishes } = sendTopics(service, new Registry(), noChanges);
    expect(await publishes!.ppMsgP!(publish('ppMsgP', up), fakeContext())).toEqual({ status: 0, messageUId: 'ABCD-EFGH-IJKL-MNOP', sentTime: 42 });
    await publishes!.pgMsgP!(publish('pgMsgP', up, 'team'), fakeContext());
    expect(requests.map((r) => [r.senderId, r.conversationType, r.targetId, r.flags, r.clientUniqueId, r.senderSessionId])).toEqual([
      ['alice', 1, 'bob', 3, '1577954953120181369', 's1'],
      ['alice', 3, 'team', 3, '1577954953120181369', 's1'],
    ]);
  });

  it('pass the members a directed group message is for', async () => {
    const { requests, service } = recordingService({ ok: true, message: storedMessage(), duplicate: false });
    const directed = encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: '{}', toUserIds: ['bob', 'carol'] });
    await sendTopics(service, new Registry(), noChanges).publishes!.pgMsgP!(publish('pgMsgP', directed, 'team'), fakeContext());
    expect(requests.map((r) => r.toUserIds)).toEqual([['bob', 'carol']]);
  });

  it('answer a refusal with its status and no UID, and leave a garbled payload to the gateway (26010) without sending', async () => {
    const { requests, service } = recordingService({ ok: false, status: AckStatus.NOT_IN_GROUP, reason: 'not in group' });
    const { publishes } = sendTopics(service, new Registry(), noChanges);
    expect(await publishes!.pgMsgP!(publish('pgMsgP', up), fakeContext())).toMatchObject({ status: AckStatus.NOT_IN_GROUP, messageUId: '' });
    await expect(publishes!.ppMsgP!(publish('ppMsgP', Uint8Array.of(0xff, 0xff)), fakeContext())).rejects.toThrow(PayloadDecodeError);
    expect(requests).toHaveLength(1);
  });

  it('count a retried send once', async () => {
    const metrics = new Registry();
    const { service } = recordingService({ ok: true, message: storedMessage(), duplicate: true });
    await sendTopics(service, metrics, noChanges).publishes!.ppMsgP!(publish('ppMsgP', up), fakeContext());
    expect((await metrics.getSingleMetricAsString('parley_messages_total')).trim().split('\n').filter((l) => !l.startsWith('#'))).toEqual([]);
  });

  it('send an expansion update through the change path, and store a checked expansion with an expandable message', async () => {
    const { requests, service } = recordingService({ ok: true, message: storedMessage(), duplicate: false });
    const updates: SendRequest[] = [];
    const changes = {
      sentExpansion: (flags: number, extraContent: string | undefined) =>
        flags & 64 ? (extraContent === '{"k":{"v":1}}' ? { ok: false as const, status: AckStatus.EXPANSION_INVALID, reason: 'bad' } : { ok: true as const, expansion: 'E' }) : { ok: true as const, expansion: undefined },
      sendExpansionUpdate: async (request: SendRequest): Promise<SendResult> => (updates.push(request), { ok: true, message: storedMessage({ uid: 'EXPN-UPDT-AAAA-BBBB' }), duplicate: false }),
    };
    const { publishes } = sendTopics(service, new Registry(), changes);
    const update = encodePayload('UpStreamMessage', { sessionId: 0, classname: 'RC:MsgExMsg', content: '{"put":{"a":"1"},"mid":"X"}' });
    expect(await publishes!.ppMsgP!(publish('ppMsgP', update), fakeContext())).toMatchObject({ status: 0, messageUId: 'EXPN-UPDT-AAAA-BBBB' });
    expect(updates.map((r) => [r.objectName, r.content])).toEqual([['RC:MsgExMsg', '{"put":{"a":"1"},"mid":"X"}']]);
    const expandable = encodePayload('UpStreamMessage', { sessionId: 67, classname: 'RC:TxtMsg', content: '{}', extraContent: '{"k":{"v":"1"}}' });
    await publishes!.ppMsgP!(publish('ppMsgP', expandable), fakeContext());
    expect(requests.map((r) => r.expansion)).toEqual(['E']);
    const bad = encodePayload('UpStreamMessage', { sessionId: 67, classname: 'RC:TxtMsg', content: '{}', extraContent: '{"k":{"v":1}}' });
    expect(await publishes!.ppMsgP!(publish('ppMsgP', bad), fakeContext())).toMatchObject({ status: AckStatus.EXPANSION_INVALID, messageUId: '' });
    expect(requests).toHaveLength(1);
  });
});
