import { describe, expect, it } from 'vitest';
import type { InboxEntry } from '../store.js';
import { InboxTail } from './inbox-tail.js';

const entry = (cursor: number): InboxEntry => ({
  cursor,
  direction: 2,
  message: {
    appKey: 'k',
    uid: `U${cursor}`,
    conversationType: 1,
    targetId: 'bob',
    conversationKey: '1:alice:bob',
    senderId: 'alice',
    objectName: 'RC:TxtMsg',
    content: '{}',
    sentTime: cursor,
    flags: 3,
    clientUniqueId: undefined,
  },
});
const cursors = (entries: InboxEntry[] | undefined) => entries?.map((e) => e.cursor);

describe('InboxTail', () => {
  it('answers pulls from the previous cursor of its first entry on, and no earlier', () => {
    const tail = new InboxTail();
    tail.record('k', 'bob', 100, entry(105));
    tail.record('k', 'bob', 105, entry(107));
    expect(cursors(tail.read('k', 'bob', 100, 10))).toEqual([105, 107]);
    expect(cursors(tail.read('k', 'bob', 105, 10))).toEqual([107]);
    expect(cursors(tail.read('k', 'bob', 107, 10))).toEqual([]);
    expect(tail.read('k', 'bob', 99, 10)).toBeUndefined();
    expect(tail.read('k', 'carol', 0, 10)).toBeUndefined();
    expect(tail.read('other', 'bob', 100, 10)).toBeUndefined();
  });

  it('pages by the limit', () => {
    const tail = new InboxTail();
    for (let c = 1; c <= 5; c++) tail.record('k', 'bob', c - 1, entry(c));
    expect(cursors(tail.read('k', 'bob', 0, 2))).toEqual([1, 2]);
    expect(cursors(tail.read('k', 'bob', 2, 2))).toEqual([3, 4]);
  });

  it('starts over when an entry does not follow its last one, so a gap is never covered', () => {
    const tail = new InboxTail();
    tail.record('k', 'bob', 0, entry(1));
    tail.record('k', 'bob', 5, entry(6));
    expect(tail.read('k', 'bob', 1, 10)).toBeUndefined();
    expect(cursors(tail.read('k', 'bob', 5, 10))).toEqual([6]);
  });

  it('keeps at most its per-inbox cap, covering from the newest dropped entry on', () => {
    const tail = new InboxTail(3);
    for (let c = 1; c <= 5; c++) tail.record('k', 'bob', c - 1, entry(c));
    expect(tail.read('k', 'bob', 1, 10)).toBeUndefined();
    expect(cursors(tail.read('k', 'bob', 2, 10))).toEqual([3, 4, 5]);
  });

  it('evicts the least recently written inboxes past its memory budget', () => {
    // Room for four of these entries (about 400 bytes each), not five.
    const tail = new InboxTail(10, 1800);
    tail.record('k', 'a', 0, entry(1));
    tail.record('k', 'a', 1, entry(2));
    tail.record('k', 'b', 0, entry(1));
    tail.record('k', 'c', 0, entry(1));
    tail.record('k', 'a', 2, entry(3));
    tail.record('k', 'd', 0, entry(1));
    expect(tail.read('k', 'b', 0, 10)).toBeUndefined();
    expect(cursors(tail.read('k', 'a', 0, 10))).toEqual([1, 2, 3]);
    expect(cursors(tail.read('k', 'd', 0, 10))).toEqual([1]);
  });

  it('keeps no entry larger than its whole budget', () => {
    const tail = new InboxTail(10, 64 * 1024);
    const big = entry(1);
    tail.record('k', 'bob', 0, { ...big, message: { ...big.message, content: 'x'.repeat(128 * 1024) } });
    expect(tail.read('k', 'bob', 0, 10)).toBeUndefined();
  });

  it('forgets everything on clear', () => {
    const tail = new InboxTail();
    tail.record('k', 'bob', 0, entry(1));
    tail.clear();
    expect(tail.read('k', 'bob', 0, 10)).toBeUndefined();
  });
});
