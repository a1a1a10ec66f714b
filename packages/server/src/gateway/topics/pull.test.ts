import { decodePayload, encodePayload } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { InboxEntry } from '../../store/store.js';
import { fakeContext, storedMessage } from '../../../test/support/topic-context.js';
import { PULL_PAGE_SIZE, pullTopics } from './pull.js';

describe('pull topic', () => {
  const entries: InboxEntry[] = [{ cursor: 10, direction: 2, message: storedMessage() }];
  const asked: unknown[] = [];
  const { queries } = pullTopics({
    pull: async (...args) => {
      asked.push(args);
      return { entries, cursor: 10, finished: true };
    },
  });

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
});
