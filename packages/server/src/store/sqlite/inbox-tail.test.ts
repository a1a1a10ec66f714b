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

  it("counts a message's expansion and directed users against its budget, as its content is", () => {
    const tail = new InboxTail(10, 40 * 1024);
    const small = entry(1).message;
    tail.record('k', 'expanded', 0, { ...entry(1), message: { ...small, expansion: 'x'.repeat(40 * 1024) } });
    expect(tail.read('k', 'expanded', 0, 10)).toBeUndefined();
    tail.record('k', 'directed', 0, { ...entry(1), message: { ...small, toUserIds: Array.from({ length: 300 }, (_, i) => `user-${i}`.padEnd(64, 'x')) } });
    expect(tail.read('k', 'directed', 0, 10)).toBeUndefined();
    tail.record('k', 'plain', 0, entry(1));
    expect(cursors(tail.read('k', 'plain', 0, 10))).toEqual([1]);
  });

  it('forgets everything on clear', () => {
    const tail = new InboxTail();
    tail.record('k', 'bob', 0, entry(1));
    tail.clear();
    expect(tail.read('k', 'bob', 0, 10)).toBeUndefined();
  });

  it('stops answering an inbox once something in it is hidden, and starts over with the next entry', () => {
    const tail = new InboxTail();
    tail.record('k', 'bob', 0, entry(1));
    tail.record('k', 'alice', 0, entry(1));
    tail.forget('k', 'bob');
    expect(tail.read('k', 'bob', 0, 10)).toBeUndefined();
    expect(cursors(tail.read('k', 'alice', 0, 10))).toEqual([1]);
    tail.record('k', 'bob', 1, entry(2));
    expect(cursors(tail.read('k', 'bob', 1, 10))).toEqual([2]);
    expect(tail.read('k', 'bob', 0, 10)).toBeUndefined();
  });

  it('keeps no entry of a message sent through a clear, even one written after it, until a later message comes', () => {
    const tail = new InboxTail();
    tail.record('k', 'bob', 0, entry(1));
    tail.forget('k', 'bob', 10);
    // Sent before the clear, written after it: the database, which hides it, must answer.
    tail.record('k', 'bob', 1, entry(5));
    expect(tail.read('k', 'bob', 1, 10)).toBeUndefined();
    expect(tail.read('k', 'bob', 5, 10)).toBeUndefined();
    tail.record('k', 'bob', 5, entry(11));
    expect(cursors(tail.read('k', 'bob', 5, 10))).toEqual([11]);
    // A later clear through an earlier instant does not shorten what is kept out.
    tail.forget('k', 'bob', 3);
    tail.record('k', 'bob', 11, entry(12));
    tail.record('k', 'bob', 12, entry(13));
    expect(cursors(tail.read('k', 'bob', 11, 10))).toEqual([12, 13]);
  });

  it('counts an inbox that holds only what not to keep against its memory budget', () => {
    const tail = new InboxTail(10, 1000);
    tail.forget('k', 'a', 10);
    tail.forget('k', 'b', 10);
    tail.forget('k', 'c', 10);
    // Two such inboxes fit in 1,000 bytes, not three: the oldest went, and with it what it kept out.
    tail.record('k', 'a', 0, entry(5));
    expect(cursors(tail.read('k', 'a', 0, 10))).toEqual([5]);
    tail.record('k', 'c', 0, entry(5));
    expect(tail.read('k', 'c', 0, 10)).toBeUndefined();
  });

  it('puts a changed message in place where the named inboxes hold it, and nowhere else', () => {
    const tail = new InboxTail();
    tail.record('k', 'bob', 0, entry(1));
    tail.record('k', 'bob', 1, entry(2));
    const changed = { ...entry(1).message, content: '{"content":"edited"}' };
    tail.replace('k', [{ userId: 'bob', cursor: 1 }, { userId: 'carol', cursor: 1 }], changed);
    expect(tail.read('k', 'bob', 0, 10)?.map((e) => e.message.content)).toEqual(['{"content":"edited"}', entry(2).message.content]);
    expect(tail.read('k', 'carol', 0, 10)).toBeUndefined();
  });
});
