import { decodePayload, encodePayload } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { ConversationEntry } from '../../store/store.js';
import { fakeContext, storedMessage } from '../../../test/support/topic-context.js';
import { conversationTopics } from './conversations.js';

describe('conversation list topic', () => {
  it('lists the session user’s conversations with their last message, and says when the list goes on', async () => {
    const conversations: ConversationEntry[] = [
      { conversationType: 1, targetId: 'bob', versionTime: 30, lastMessage: storedMessage() },
      { conversationType: 3, targetId: 'team', versionTime: 20, lastMessage: storedMessage({ conversationType: 3, targetId: 'team' }) },
    ];
    const asked: unknown[] = [];
    const { queries } = conversationTopics({ conversations: async (...args) => (asked.push(args), conversations) });
    const answer = await queries!.qryRelationR!(encodePayload('RelationQryInput', { type: 1, count: 1, startTime: 99 }), fakeContext());
    expect(asked).toEqual([['app', 'alice', 99, 2]]);
    expect(decodePayload('RelationsOutput', answer.payload!)).toMatchObject({ isFinished: false, info: [{ type: 1, userId: 'bob', versionTime: 30 }] });
  });
});
