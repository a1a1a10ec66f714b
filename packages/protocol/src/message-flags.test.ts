import { describe, expect, it } from 'vitest';
import { DownStreamStatus, MessageFlag, ORDINARY_MESSAGE_FLAGS, downStreamStatusOf } from './message-flags.js';

// The numbers are those of @rongcloud/engine 5.38.0, written out so a slip in the tables shows.
describe('message flags', () => {
  it('carry the SDK up-stream bits', () => {
    expect(MessageFlag).toEqual({ PERSISTED: 1, COUNTED: 2, MENTIONED: 4, NO_NOTIFICATION: 32, EXPANDABLE: 64 });
    expect(ORDINARY_MESSAGE_FLAGS).toBe(3);
  });

  it('move each bit to where the SDK reads it down-stream', () => {
    expect(downStreamStatusOf(1)).toBe(16);
    expect(downStreamStatusOf(2)).toBe(32);
    expect(downStreamStatusOf(4)).toBe(64);
    expect(downStreamStatusOf(32)).toBe(512);
    expect(downStreamStatusOf(64)).toBe(1024);
    expect(downStreamStatusOf(ORDINARY_MESSAGE_FLAGS)).toBe(48);
    expect(downStreamStatusOf(1 | 2 | 4 | 32 | 64)).toBe(16 | 32 | 64 | 512 | 1024);
  });

  it('drop bits without a meaning', () => {
    for (const unknown of [0, 8, 16, 128, 256, 1 << 20]) expect(downStreamStatusOf(unknown)).toBe(0);
    expect(downStreamStatusOf(8 | 1)).toBe(DownStreamStatus.PERSISTED);
  });
});
