import { AckStatus, MessageFlag } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { storedMessage } from '../../../test/support/topic-context.js';
import { changeRecipients, decideChange } from './change-rules.js';

const recall = { operatorId: 'bob', time: 0, isDelete: false, admin: false };

describe('change rules', () => {
  it('recalls once, at the time of the change', () => {
    expect(decideChange(storedMessage(), { kind: 'recall', uid: 'U', recall }, 70, true)).toMatchObject({ kind: 'apply', state: { recall: { ...recall, time: 70 } } });
    expect(decideChange(storedMessage({ recall: { ...recall, time: 70 } }), { kind: 'recall', uid: 'U', recall }, 80, true)).toEqual({ kind: 'repeat' });
  });

  it('edits forward in time, repeats the same edit, and refuses recalled, change and unstored messages', () => {
    expect(decideChange(storedMessage({ modifiedTime: 100 }), { kind: 'edit', uid: 'U', content: '{"content":"x"}' }, 50, true)).toMatchObject({ kind: 'apply', state: { content: '{"content":"x"}', modifiedTime: 101 } });
    expect(decideChange(storedMessage({ modifiedTime: 100, content: '{"content":"x"}' }), { kind: 'edit', uid: 'U', content: '{"content":"x"}' }, 150, true)).toEqual({ kind: 'repeat' });
    for (const message of [storedMessage({ recall: { ...recall, time: 1 } }), storedMessage({ objectName: 'RC:RcNtf' }), storedMessage({ flags: 0 })]) {
      expect(decideChange(message, { kind: 'edit', uid: 'U', content: '{}' }, 1, true)).toMatchObject({ kind: 'refused', status: AckStatus.MODIFY_UNSUPPORTED });
    }
  });

  it('refuses to recall or edit messages that carry only state, and a recall notification', () => {
    for (const objectName of ['RC:RRMsg', 'RC:SRSMsg', 'RC:MsgExMsg', 'RC:RcCmd', 'RC:ReadNtf', 'RC:RcNtf']) {
      expect(decideChange(storedMessage({ objectName }), { kind: 'recall', uid: 'U', recall }, 1, true)).toMatchObject({ kind: 'refused', status: AckStatus.RECALL_FAILED });
      expect(decideChange(storedMessage({ objectName }), { kind: 'edit', uid: 'U', content: '{}' }, 1, true)).toMatchObject({ kind: 'refused', status: AckStatus.MODIFY_UNSUPPORTED });
    }
  });

  it("takes expansion updates only from a holder of the message, and sends changes to its holders but the operator", () => {
    const expandable = storedMessage({ flags: 3 | MessageFlag.EXPANDABLE });
    expect(decideChange(expandable, { kind: 'expand', uid: 'U', put: { a: '1' } }, 1, false)).toMatchObject({ kind: 'refused', status: AckStatus.EXPANSION_MESSAGE_MISSING });
    const holders = [
      { userId: 'alice', cursor: 1, direction: 1 as const },
      { userId: 'bob', cursor: 2, direction: 2 as const },
    ];
    expect(changeRecipients(holders, 'alice')).toEqual(['bob']);
    expect(changeRecipients(holders, 'admin')).toEqual(['alice', 'bob']);
  });

  it('merges expansions only into expandable, unrecalled messages, within 300 keys', () => {
    const expandable = storedMessage({ flags: 3 | MessageFlag.EXPANDABLE, expansion: '{"a":{"v":"1","ts":1}}' });
    const merged = decideChange(expandable, { kind: 'expand', uid: 'U', put: { b: '2' }, del: ['a'] }, 1_596_211_200_005, true);
    expect(merged).toEqual({ kind: 'apply', state: expect.objectContaining({ expansion: '{"b":{"v":"2","ts":5}}' }) });
    expect(decideChange(storedMessage(), { kind: 'expand', uid: 'U', put: { b: '2' } }, 1, true)).toMatchObject({ kind: 'refused', status: AckStatus.EXPANSION_NOT_ALLOWED });
    const full = storedMessage({ flags: MessageFlag.EXPANDABLE, expansion: JSON.stringify(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, { v: 'v' }]))) });
    expect(decideChange(full, { kind: 'expand', uid: 'U', put: { more: '1' } }, 1, true)).toMatchObject({ kind: 'refused', status: AckStatus.EXPANSION_LIMIT_EXCEEDED });
    expect(decideChange(full, { kind: 'expand', uid: 'U', put: { k0: 'new' } }, 1, true)).toMatchObject({ kind: 'apply' });
  });
});
