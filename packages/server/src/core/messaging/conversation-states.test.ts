import { AckStatus, ConversationStateType, NotificationLevel, type SessionState } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { changesOf, checkedConversations, MAX_CONVERSATIONS_PER_REQUEST, sessionStateOf } from './conversation-states.js';

const item = (sessionStateType: number, value: string) => ({ sessionStateType, value, tags: [] });
const state = (type: number, channelId: string, ...stateItem: ReturnType<typeof item>[]): SessionState => ({ type, channelId, stateItem });

describe('conversation state rules', () => {
  it('reads pins and levels per conversation, merging a conversation named twice', () => {
    expect(
      changesOf([
        state(1, 'bob', item(ConversationStateType.IS_TOP, '1')),
        state(3, 'g1', item(ConversationStateType.NOTIFICATION_LEVEL, '5'), item(ConversationStateType.IS_TOP, '0')),
        state(1, 'bob', item(ConversationStateType.NOTIFICATION_LEVEL, '-1')),
      ]),
    ).toEqual([
      { conversationType: 1, targetId: 'bob', isTop: true, notificationLevel: NotificationLevel.ALL_MESSAGE },
      { conversationType: 3, targetId: 'g1', isTop: false, notificationLevel: NotificationLevel.NOT_MESSAGE_NOTIFICATION },
    ]);
  });

  it('refuses the whole request for any bad part, with the status the SDK reports', () => {
    const refusal = (status: number) => expect.objectContaining({ ok: false, status });
    const invalid = refusal(AckStatus.PARAMETER_INVALID);
    expect(changesOf([state(1, 'bob', item(ConversationStateType.IS_TOP, 'true'))])).toEqual(invalid);
    for (const level of ['3', '6', '1.5', '', ' 1', '0x1']) expect(changesOf([state(1, 'bob', item(ConversationStateType.NOTIFICATION_LEVEL, level))])).toEqual(invalid);
    expect(changesOf([state(1, 'bob')])).toEqual(invalid);
    expect(changesOf([state(1, 'bob', ...Array.from({ length: 5 }, () => item(ConversationStateType.IS_TOP, '1')))])).toEqual(invalid);
    expect(changesOf([state(4, 'room', item(ConversationStateType.IS_TOP, '1'))])).toEqual(invalid);
    expect(changesOf([state(1, 'bob', item(ConversationStateType.IS_TOP, '1')), state(10, 'ug', item(ConversationStateType.IS_TOP, '1'))])).toEqual(invalid);
    expect(changesOf([state(1, 'bob', item(ConversationStateType.TAGS, ''))])).toEqual(refusal(AckStatus.OPERATION_NOT_SUPPORTED));
    expect(changesOf([])).toEqual(invalid);
  });

  it('takes 1 to MAX_CONVERSATIONS_PER_REQUEST conversations of kept types with well-formed ids, each once', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ conversationType: 1, targetId: `u${i}` }));
    expect(checkedConversations(many(MAX_CONVERSATIONS_PER_REQUEST))).toHaveLength(MAX_CONVERSATIONS_PER_REQUEST);
    expect(checkedConversations(many(MAX_CONVERSATIONS_PER_REQUEST + 1))).toMatchObject({ ok: false });
    expect(checkedConversations([{ conversationType: 6, targetId: 'sys' }, { conversationType: 6, targetId: 'sys' }])).toEqual([{ conversationType: 6, targetId: 'sys' }]);
    expect(checkedConversations([{ conversationType: 1, targetId: 'no spaces' }])).toMatchObject({ ok: false, status: AckStatus.PARAMETER_INVALID });
  });

  it('writes a state with its version as the time the SDK takes its own version from', () => {
    expect(sessionStateOf({ conversationType: 3, targetId: 'g1', isTop: true, notificationLevel: 5, version: 42 })).toEqual({
      type: 3,
      channelId: 'g1',
      time: 42,
      stateItem: [
        { sessionStateType: ConversationStateType.IS_TOP, value: '1', tags: [], time: 42 },
        { sessionStateType: ConversationStateType.NOTIFICATION_LEVEL, value: '5', tags: [], time: 42 },
      ],
    });
  });
});
