import { AckStatus, decodePayload, encodePayload, type ClientPublishFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { UnreadPage } from '../../core/messaging/read-state.js';
import { fakeContext } from '../../../test/support/topic-context.js';
import { unreadTopics } from './unread.js';

describe('unread topics', () => {
  const calls: unknown[][] = [];
  const page: UnreadPage = {
    conversations: [
      {
        conversationType: 1,
        targetId: 'bob',
        version: 7,
        count: 2,
        mentionCount: 1,
        mentionMeCount: 1,
        readTime: 100,
        countedUpTo: 300,
        firstUnread: { uid: 'U1', sentTime: 200, objectName: 'RC:TxtMsg' },
      },
      { conversationType: 3, targetId: 'team', version: 0, count: 0, mentionCount: 0, mentionMeCount: 0, readTime: 0, countedUpTo: 0, firstUnread: undefined },
    ],
    nextPageToken: 'next',
  };
  let tokens = 2;
  const { queries, publishes } = unreadTopics(
    {
      unread: async (...args) => (calls.push(args), page),
      markRead: async (...args) => (calls.push(args), args[2].targetId === 'elsewhere' ? { ok: false, status: AckStatus.NOT_IN_GROUP, reason: 'no' } : { ok: true }),
    },
    { withinSendRate: async () => tokens-- > 0 },
  );

  it("answer pullSe with the caller's unread as the SDKs read it, and the next page's token", async () => {
    const answer = await queries!.pullSe!(encodePayload('SessionQryInput', { version: 5, pageToken: 'here' }), fakeContext());
    expect(calls.at(-1)).toEqual(['app', 'alice', 5, 'here']);
    expect(decodePayload('SessionsOutput', answer.payload!)).toEqual({
      session: [
        {
          targetId: 'bob',
          type: 1,
          version: 7,
          unread: { cnt: 2, mentionCnt: 1, mentionMeCnt: 1, clearTime: 100, cutOffTime: 300, firstUnreadMsg: { msgId: 'U1', msgTime: 200, className: 'RC:TxtMsg' } },
        },
        { targetId: 'team', type: 3, version: 0, unread: { cnt: 0, mentionCnt: 0, mentionMeCnt: 0, clearTime: 0, cutOffTime: 0 } },
      ],
      pageToken: 'next',
    });
  });

  it("move the caller's read position with updRTime, as the native stack sends it, and refuse other conversation types", async () => {
    const frame = (type: number, channelId: string): ClientPublishFrame => ({
      type: 'PUBLISH',
      header: { dup: false, qos: 1, retain: false },
      topic: 'updRTime',
      targetId: '',
      messageId: 1,
      payload: encodePayload('SessionMsgReadInput', { type, msgTime: 1234, channelId }),
    });
    expect(await publishes!.updRTime!(frame(3, 'team'), fakeContext())).toMatchObject({ status: 0 });
    expect(calls.at(-1)).toEqual(['app', 'alice', { conversationType: 3, targetId: 'team' }, 1234, 's1']);
    expect(await publishes!.updRTime!(frame(4, 'room'), fakeContext())).toMatchObject({ status: AckStatus.PARAMETER_INVALID });
    expect(await publishes!.updRTime!(frame(1, ''), fakeContext())).toMatchObject({ status: AckStatus.PARAMETER_INVALID });
    // A conversation the caller does not have: the read state's refusal.
    expect(await publishes!.updRTime!(frame(3, 'elsewhere'), fakeContext())).toMatchObject({ status: AckStatus.NOT_IN_GROUP });
    // Past the caller's send budget: refused before anything is written.
    const marks = calls.length;
    expect(await publishes!.updRTime!(frame(3, 'team'), fakeContext())).toMatchObject({ status: AckStatus.SEND_FREQUENCY_TOO_FAST });
    expect(calls).toHaveLength(marks);
  });
});
