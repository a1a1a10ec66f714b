import { describe, expect, it } from 'vitest';
import { MessageUidSource } from './message-uid.js';

describe('MessageUidSource', () => {
  it("makes UIDs in RongCloud's shape", () => {
    expect(new MessageUidSource().next()).toMatch(/^[2-7A-Z]{4}-[2-7A-Z]{4}-[2-7A-Z]{4}-[2-7A-Z]{4}$/);
  });

  it('makes distinct UIDs within one millisecond', () => {
    const source = new MessageUidSource(() => 1_800_000_000_000);
    const uids = Array.from({ length: 1000 }, () => source.next());
    expect(new Set(uids).size).toBe(1000);
  });

  it('sorts UIDs as text in the order they were made, across milliseconds and within one', () => {
    let clock = 1_700_000_000_000;
    const source = new MessageUidSource(() => clock);
    const uids: string[] = [];
    for (let ms = 0; ms < 300; ms++) {
      clock += 1 + (ms % 7) * 997;
      for (let i = 0; i < 3; i++) uids.push(source.next());
    }
    expect([...uids].sort()).toEqual(uids);
  });
});
