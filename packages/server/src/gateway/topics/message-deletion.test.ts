import { encodePayload } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { DeletionResult, MessageDeletion } from '../../core/messaging/message-deletion.js';
import { fakeContext } from '../../../test/support/topic-context.js';
import { deletionTopics } from './message-deletion.js';

function topicsAnswering(result: DeletionResult = { ok: true }) {
  const asked: { call: string; args: unknown[] }[] = [];
  const service: Pick<MessageDeletion, 'deleteMessages' | 'clearHistory'> = {
    deleteMessages: async (...args) => (asked.push({ call: 'delete', args }), result),
    clearHistory: async (...args) => (asked.push({ call: 'clear', args }), result),
  };
  return { queries: deletionTopics(service).queries!, asked };
}

const clean = (fields: Record<string, unknown>) => encodePayload('CleanHisMsgInput', { targetId: 'bob', dataTime: 0, ...fields } as never);

describe('deletion topics', () => {
  it('serve delMsg, the batch clear and the clear topics of the types with history', () => {
    expect(Object.keys(topicsAnswering().queries).sort()).toEqual(['cleanGMsg', 'cleanMsgBatch', 'cleanPMsg', 'cleanSMsg', 'delMsg']);
  });

  it('take the conversation from the payload and act for the session user', async () => {
    const { queries, asked } = topicsAnswering();
    const request = encodePayload('DeleteMsgInput', { type: 1, conversationId: 'bob', msgs: [{ msgId: 'U1', msgDataTime: 5, direct: 1 }, { msgId: 'U2' }] });
    expect(await queries.delMsg!(request, fakeContext())).toEqual({ status: 0 });
    expect(await queries.cleanGMsg!(clean({ targetId: 'team', dataTime: 42, conversationType: 3 }), fakeContext())).toEqual({ status: 0 });
    // The native stack may leave the type out: the topic says it.
    expect(await queries.cleanSMsg!(clean({ targetId: 'notices' }), fakeContext())).toEqual({ status: 0 });
    const batch = encodePayload('CleanMsgBatchReq', { input: [{ targetId: 'bob', dataTime: 7, conversationType: 1 }, { targetId: 'team', dataTime: 0, conversationType: 3 }] });
    expect(await queries.cleanMsgBatch!(batch, fakeContext())).toEqual({ status: 0 });
    expect(asked).toEqual([
      { call: 'delete', args: ['app', 'alice', { conversationType: 1, targetId: 'bob' }, ['U1', 'U2']] },
      { call: 'clear', args: ['app', 'alice', [{ conversationType: 3, targetId: 'team', through: 42 }]] },
      { call: 'clear', args: ['app', 'alice', [{ conversationType: 6, targetId: 'notices', through: 0 }]] },
      {
        call: 'clear',
        args: [
          'app',
          'alice',
          [
            { conversationType: 1, targetId: 'bob', through: 7 },
            { conversationType: 3, targetId: 'team', through: 0 },
          ],
        ],
      },
    ]);
  });

  it('answer a refusal with its status, and an ultra group cleared on the group topic with 26010', async () => {
    const { queries, asked } = topicsAnswering({ ok: false, status: 26009, reason: 'not there' });
    expect(await queries.delMsg!(encodePayload('DeleteMsgInput', { type: 1, conversationId: 'bob', msgs: [{ msgId: 'X' }] }), fakeContext())).toEqual({ status: 26009 });
    expect(await queries.cleanGMsg!(clean({ targetId: 'ug', conversationType: 10 }), fakeContext())).toEqual({ status: 26010 });
    expect(asked).toHaveLength(1);
  });
});
