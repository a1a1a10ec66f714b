import { describe, expect, it } from 'vitest';
import type { DeletionRepository, Store } from '../../store/store.js';
import { conversationKey } from './conversation-key.js';
import { MessageDeletion } from './message-deletion.js';

const NOW = 1_700_000_000_000;

function service(missing: string[] = []) {
  const calls: { kind: string; args: unknown[] }[] = [];
  const deletions: DeletionRepository = {
    hide: async (...args) => (calls.push({ kind: 'hide', args }), { missing }),
    clear: async (...args) => void calls.push({ kind: 'clear', args }),
    purgeClears: async () => 0,
  };
  const readState = {
    // Deletes and clears change the user's unread: their devices hear of it (read-state.ts).
    changingUnread: async <T>(...[appKey, userId, conversations, change]: [string, string, unknown[], () => Promise<T>]) => {
      calls.push({ kind: 'unread', args: [appKey, userId, conversations.length] });
      return change();
    },
  };
  return { deletion: new MessageDeletion({ deletions } as unknown as Store, () => NOW, readState), calls };
}

describe('MessageDeletion', () => {
  it("hides messages of the caller's own conversation, keyed from the caller", async () => {
    const { deletion, calls } = service();
    expect(await deletion.deleteMessages('app', 'bob', { conversationType: 1, targetId: 'alice' }, ['U1', 'U2'])).toEqual({ ok: true });
    expect(await deletion.deleteMessages('app', 'bob', { conversationType: 3, targetId: 'team' }, ['U3'])).toEqual({ ok: true });
    expect(calls).toEqual([
      { kind: 'unread', args: ['app', 'bob', 1] },
      { kind: 'hide', args: ['app', 'bob', { conversationType: 1, targetId: 'alice', conversationKey: conversationKey(1, 'alice', 'bob') }, ['U1', 'U2']] },
      { kind: 'unread', args: ['app', 'bob', 1] },
      { kind: 'hide', args: ['app', 'bob', { conversationType: 3, targetId: 'team', conversationKey: 'g:team' }, ['U3']] },
    ]);
  });

  it('answers 26009 when a UID is not a message of that conversation for the caller', async () => {
    const { deletion } = service(['U2']);
    expect(await deletion.deleteMessages('app', 'bob', { conversationType: 1, targetId: 'alice' }, ['U1', 'U2'])).toMatchObject({ ok: false, status: 26009 });
  });

  it.each([
    ['a type without history', { conversationType: 10, targetId: 'ug' }, ['U1']],
    ['a chatroom', { conversationType: 4, targetId: 'room' }, ['U1']],
    ['a malformed target', { conversationType: 1, targetId: 'bad id' }, ['U1']],
    ['an empty target', { conversationType: 1, targetId: '' }, ['U1']],
    ['no UIDs', { conversationType: 1, targetId: 'alice' }, []],
    ['101 UIDs', { conversationType: 1, targetId: 'alice' }, Array.from({ length: 101 }, (_, i) => `U${i}`)],
    ['an empty UID', { conversationType: 1, targetId: 'alice' }, ['U1', '']],
  ])('refuses %s with 26010 and changes nothing', async (_name, conversation, uids) => {
    const { deletion, calls } = service();
    expect(await deletion.deleteMessages('app', 'bob', conversation, uids)).toMatchObject({ ok: false, status: 26010 });
    expect(calls).toEqual([]);
  });

  it('clears through the instant given; 0 and instants to come mean now', async () => {
    const { deletion, calls } = service();
    const result = await deletion.clearHistory('app', 'bob', [
      { conversationType: 1, targetId: 'alice', through: 1234 },
      { conversationType: 3, targetId: 'team', through: 0 },
      { conversationType: 6, targetId: 'notices', through: NOW + 60_000 },
    ]);
    expect(result).toEqual({ ok: true });
    expect(calls).toEqual([
      { kind: 'unread', args: ['app', 'bob', 3] },
      {
        kind: 'clear',
        args: [
          'app',
          'bob',
          [
            { conversationType: 1, targetId: 'alice', conversationKey: conversationKey(1, 'bob', 'alice'), through: 1234 },
            { conversationType: 3, targetId: 'team', conversationKey: 'g:team', through: NOW },
            { conversationType: 6, targetId: 'notices', conversationKey: 's:bob', through: NOW },
          ],
        ],
      },
    ]);
  });

  it.each([
    ['no conversation', []],
    ['21 conversations', Array.from({ length: 21 }, (_, i) => ({ conversationType: 1, targetId: `u${i}`, through: 0 }))],
    ['a negative instant', [{ conversationType: 1, targetId: 'alice', through: -1 }]],
    ['a fractional instant', [{ conversationType: 1, targetId: 'alice', through: 1.5 }]],
    ['one bad conversation among good ones', [{ conversationType: 1, targetId: 'alice', through: 0 }, { conversationType: 8, targetId: 'mp', through: 0 }]],
  ])('refuses a clear of %s with 26010 and changes nothing', async (_name, clears) => {
    const { deletion, calls } = service();
    expect(await deletion.clearHistory('app', 'bob', clears)).toMatchObject({ ok: false, status: 26010 });
    expect(calls).toEqual([]);
  });
});
