import { AckStatus } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.js';
import { GroupReceiptService, MAX_RECEIPT_MESSAGES } from './group-receipts.js';
import type { DeliverRequest } from './message-service.js';

/** A store where alice sent U1 to the group and bob, a member, received it; bob has read nothing yet. */
function fakeStore(): { store: Store; recorded: string[][] } {
  const recorded: string[][] = [];
  const reads = {
    receivedInGroup: async (_app: string, readerId: string, groupId: string, uids: string[]) =>
      groupId === 'team' && ['bob', 'alice'].includes(readerId) ? uids.filter((uid) => uid === 'U1').map((uid) => ({ uid, senderId: 'alice' })) : [],
    recordGroupReads: async (_app: string, _reader: string, uids: string[]) => (recorded.push(uids), recorded.length === 1 ? uids : []),
    groupReaders: async (_app: string, uid: string) => (uid === 'U1' ? { senderId: 'alice', groupId: 'team', reached: 2, readers: [{ userId: 'bob', readTime: 5 }] } : undefined),
  };
  const groups = { isMember: async (_app: string, groupId: string, userId: string) => groupId === 'team' && ['alice', 'bob', 'carol'].includes(userId) };
  return { store: { reads, groups } as unknown as Store, recorded };
}

describe('group read receipts', () => {
  it('records a read once and tells the sender the count in an RC:RRMsg from the reader, to the sender alone', async () => {
    const { store, recorded } = fakeStore();
    const delivered: DeliverRequest[] = [];
    const receipts = new GroupReceiptService(store, { deliver: async (request) => void delivered.push(request) }, () => 5);
    expect(await receipts.markRead('app', 'bob', 'team', ['U1', 'U1'])).toEqual({ ok: true });
    expect(await receipts.markRead('app', 'bob', 'team', ['U1'])).toEqual({ ok: true });
    expect(recorded).toEqual([['U1'], ['U1']]);
    expect(delivered).toEqual([
      { appKey: 'app', senderId: 'bob', conversationType: 3, targetId: 'team', objectName: 'RC:RRMsg', content: '{"msgId":"U1","rrn":1,"tmn":2}', recipients: ['alice'] },
    ]);
  });

  it('skips the reader’s own messages, and refuses bad lists, outsiders and messages that did not reach the reader, recording nothing', async () => {
    const { store, recorded } = fakeStore();
    const receipts = new GroupReceiptService(store, { deliver: async () => undefined }, () => 5);
    expect(await receipts.markRead('app', 'alice', 'team', ['U1'])).toEqual({ ok: true });
    expect(await receipts.markRead('app', 'bob', 'team', [])).toMatchObject({ ok: false, status: AckStatus.PARAMETER_INVALID });
    const tooMany = Array.from({ length: MAX_RECEIPT_MESSAGES + 1 }, (_, i) => `U${i}`);
    expect(await receipts.markRead('app', 'bob', 'team', tooMany)).toMatchObject({ ok: false, status: AckStatus.PARAMETER_INVALID });
    expect(await receipts.markRead('app', 'dave', 'team', ['U1'])).toMatchObject({ ok: false, status: AckStatus.NOT_IN_GROUP });
    expect(await receipts.markRead('app', 'carol', 'team', ['U1'])).toMatchObject({ ok: false, status: AckStatus.MESSAGE_UID_INVALID });
    expect(await receipts.markRead('app', 'bob', 'team', ['U1', 'U9'])).toMatchObject({ ok: false, status: AckStatus.MESSAGE_UID_INVALID });
    expect(recorded).toEqual([]);
  });

  it("shows a message's readers to its sender only", async () => {
    const { store } = fakeStore();
    const receipts = new GroupReceiptService(store, { deliver: async () => undefined }, () => 5);
    expect(await receipts.readers('app', 'alice', 'team', 'U1')).toEqual({ ok: true, reached: 2, readers: [{ userId: 'bob', readTime: 5 }] });
    expect(await receipts.readers('app', 'bob', 'team', 'U1')).toMatchObject({ ok: false, status: AckStatus.NOT_MESSAGE_SENDER });
    expect(await receipts.readers('app', 'alice', 'other', 'U1')).toMatchObject({ ok: false, status: AckStatus.MESSAGE_UID_INVALID });
    expect(await receipts.readers('app', 'alice', 'team', 'U9')).toMatchObject({ ok: false, status: AckStatus.MESSAGE_UID_INVALID });
  });
});
