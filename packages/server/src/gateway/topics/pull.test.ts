import { decodePayload, encodePayload, RECALL_LOWERS_UNREAD } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { createLocalBus } from '../../bus/local/local-bus.js';
import { MessageService } from '../../core/messaging/message-service.js';
import { PAGE_CONTENT_BUDGET_BYTES } from '../../core/messaging/page-budget.js';
import type { ReadStateService } from '../../core/messaging/read-state.js';
import type { InboxEntry, Store } from '../../store/store.js';
import { fakeContext, storedMessage } from '../../../test/support/topic-context.js';
import { PULL_PAGE_SIZE, pullTopics } from './pull.js';

const noRecalls = { recallsLoweringUnread: async () => new Set<string>() };

describe('pull topic', () => {
  const entries: InboxEntry[] = [{ cursor: 10, direction: 2, message: storedMessage() }];
  const asked: unknown[] = [];
  const { queries } = pullTopics({
    pull: async (...args) => {
      asked.push(args);
      return { entries, cursor: 10, finished: true };
    },
  }, noRecalls);

  it("pulls the session user's inbox from the device's cursor and reports the cursor reached", async () => {
    const request = encodePayload('SyncRequestMsg', { syncTime: 7, ispolling: false, isPullSend: false });
    const answer = await queries!.pullMsg!(request, fakeContext());
    expect(asked.at(-1)).toEqual(['app', 'alice', 7, PULL_PAGE_SIZE, false]);
    expect(answer.inboxCursor).toBe(10);
    const page = decodePayload('DownStreamMessages', answer.payload!);
    expect(page).toMatchObject({ syncTime: 10, finished: true, list: [{ fromUserId: 'bob', msgId: 'UID1-AAAA-BBBB-CCCC', direction: 2 }] });
  });

  it('leaves the direction out of received messages for the native stack', async () => {
    const answer = await queries!.pullMsg!(encodePayload('SyncRequestMsg', { syncTime: 0, ispolling: false }), fakeContext({ flavor: 'native' }));
    expect(decodePayload('DownStreamMessages', answer.payload!).list[0]?.direction).toBeUndefined();
  });

  it('marks the recalls that lower the reader’s unread count, as the Web SDK reads optionBits', async () => {
    const command = storedMessage({ uid: 'CMD1-AAAA-BBBB-CCCC', objectName: 'RC:RcCmd', flags: 0 });
    const page = [{ cursor: 11, direction: 2 as const, message: command }, ...entries];
    const { queries: withRecalls } = pullTopics(
      { pull: async () => ({ entries: page, cursor: 11, finished: true }) },
      { recallsLoweringUnread: async (_app, _viewer, given) => new Set(given.filter((e) => e.message.objectName === 'RC:RcCmd').map((e) => e.message.uid)) },
    );
    const answer = await withRecalls!.pullMsg!(encodePayload('SyncRequestMsg', { syncTime: 0, ispolling: false }), fakeContext());
    expect(decodePayload('DownStreamMessages', answer.payload!).list.map((m) => [m.classname, m.optionBits])).toEqual([
      ['RC:RcCmd', RECALL_LOWERS_UNREAD],
      ['RC:TxtMsg', undefined],
    ]);
  });

  it('keeps a page within its byte budget however large the expansions and directed users of its messages', async () => {
    const big = (i: number): InboxEntry => ({
      cursor: i + 1,
      direction: 2,
      message: storedMessage({
        uid: `BIG${i}-AAAA-BBBB-CCCC`,
        conversationType: 3,
        targetId: 'team',
        flags: 3 | 64,
        content: JSON.stringify({ content: 'x'.repeat(1024) }),
        expansion: JSON.stringify({ k: { v: 'y'.repeat(60 * 1024), ts: 1 } }),
        toUserIds: Array.from({ length: 300 }, (_, n) => `member-${n}`.padEnd(64, 'm')),
      }),
    });
    const store = { messages: { pullInbox: async () => Array.from({ length: PULL_PAGE_SIZE }, (_, i) => big(i)) } } as unknown as Store;
    const service = new MessageService(store, createLocalBus(), () => 0, { sendsPerUserPerSecond: 10 }, {} as ReadStateService);
    const answer = await pullTopics(service, noRecalls).queries!.pullMsg!(encodePayload('SyncRequestMsg', { syncTime: 0, ispolling: false }), fakeContext());
    const list = decodePayload('DownStreamMessages', answer.payload!).list;
    expect(list.length).toBeGreaterThan(1);
    expect(list.length).toBeLessThan(PULL_PAGE_SIZE);
    expect(answer.payload!.byteLength).toBeLessThanOrEqual(PAGE_CONTENT_BUDGET_BYTES);
  });
});
