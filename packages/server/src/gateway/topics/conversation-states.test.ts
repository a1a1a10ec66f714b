import { AckStatus, decodePayload, encodePayload } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { fakeContext, storedMessage } from '../../../test/support/topic-context.js';
import { conversationStateTopics } from './conversation-states.js';

describe('conversation state topics', () => {
  const calls: unknown[][] = [];
  let tokens = 3;
  const { queries } = conversationStateTopics(
    {
      changedAfter: async (...args) => (calls.push(args), args[2] >= 10 ? [] : [{ conversationType: 1, targetId: 'bob', isTop: true, notificationLevel: 5, version: 10 }]),
      set: async (...args) => (calls.push(args), args[2].length > 1 ? { ok: false, status: AckStatus.PARAMETER_INVALID, reason: 'no' } : { ok: true, version: 11, updateVersion: true }),
      remove: async (...args) => (calls.push(args), { ok: true }),
      listed: async (...args) => (calls.push(args), args[2][0]?.targetId === '' ? { ok: false, status: AckStatus.PARAMETER_INVALID, reason: 'no' } : [{ conversationType: 1, targetId: 'bob', versionTime: 300, lastMessage: storedMessage() }]),
    },
    { withinSendRate: async () => tokens-- > 0 },
  );

  it('answer pullSeAtts with what changed after the device’s version, and that version when nothing did', async () => {
    const changed = decodePayload('SessionStates', (await queries!.pullSeAtts!(encodePayload('SessionReq', { time: 0 }), fakeContext())).payload!);
    expect(calls.at(-1)).toEqual(['app', 'alice', 0]);
    expect(changed).toMatchObject({ version: 10, state: [{ type: 1, channelId: 'bob', time: 10, stateItem: [{ sessionStateType: 2, value: '1' }, { sessionStateType: 1, value: '5' }] }] });
    expect(decodePayload('SessionStates', (await queries!.pullSeAtts!(encodePayload('SessionReq', { time: 12 }), fakeContext())).payload!)).toEqual({ version: 12, state: [] });
  });

  it('set states for the caller, from the send budget, and answer the new version', async () => {
    const one = [{ type: 1, channelId: 'bob', stateItem: [{ sessionStateType: 2, value: '1', tags: [] }] }];
    const answer = await queries!.setSeAtt!(encodePayload('SessionStateModifyReq', { version: 9, state: one }), fakeContext());
    expect(calls.at(-1)).toEqual(['app', 'alice', [expect.objectContaining({ channelId: 'bob' })], 9, 's1']);
    expect(decodePayload('SessionStateModifyResp', answer.payload!)).toEqual({ version: 11, updateVersion: true });
    expect((await queries!.setSeAtt!(encodePayload('SessionStateModifyReq', { version: 9, state: [...one, ...one] }), fakeContext())).status).toBe(AckStatus.PARAMETER_INVALID);
  });

  it('remove conversations of the caller, clearing their messages only when asked', async () => {
    const relation = [{ conversationType: 3, conversationId: 'g1' }];
    expect(await queries!.delRelationBatch!(encodePayload('RelationDelBatchReq', { relation, cleanMsg: true }), fakeContext())).toEqual({ status: AckStatus.SUCCESS });
    expect(calls.at(-1)).toEqual(['app', 'alice', [{ conversationType: 3, targetId: 'g1' }], true]);
    // The budget is spent: refused before anything is removed.
    const before = calls.length;
    expect(await queries!.delRelationBatch!(encodePayload('RelationDelBatchReq', { relation }), fakeContext())).toEqual({ status: AckStatus.SEND_FREQUENCY_TOO_FAST });
    expect(calls.length).toBe(before);
  });

  it('answer qryRLBatch with the named conversations of the caller’s list and their last message', async () => {
    const answer = await queries!.qryRLBatch!(encodePayload('RelationDelBatchReq', { relation: [{ conversationType: 1, conversationId: 'bob' }] }), fakeContext());
    expect(decodePayload('RelationsOutput', answer.payload!)).toMatchObject({ info: [{ type: 1, userId: 'bob', versionTime: 300, msg: { msgId: 'UID1-AAAA-BBBB-CCCC' } }], isFinished: true });
    expect((await queries!.qryRLBatch!(encodePayload('RelationDelBatchReq', { relation: [{ conversationType: 1, conversationId: '' }] }), fakeContext())).status).toBe(AckStatus.PARAMETER_INVALID);
  });
});
