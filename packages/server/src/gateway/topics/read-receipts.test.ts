import { AckStatus, decodePayload, encodePayload } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../../test/support/topic-context.js';
import { readReceiptTopics } from './read-receipts.js';

describe('read receipt topics', () => {
  const calls: unknown[][] = [];
  const { queries } = readReceiptTopics({
    markRead: async (...args) => (calls.push(args), { ok: true }),
    readers: async (...args) => (calls.push(args), { ok: true, reached: 3, readers: [{ userId: 'bob', readTime: 42 }] }),
  });
  const request = (uids: string[]) => encodePayload('GrpReadReceiptMsg', { msgId: uids });

  it('record reads of the group named by the frame target, for the session user', async () => {
    expect(await queries!.rrMsg!(request(['U1', 'U2']), fakeContext({ targetId: 'team' }))).toEqual({ status: 0 });
    expect(calls.at(-1)).toEqual(['app', 'alice', 'team', ['U1', 'U2']]);
  });

  it("answer who read a message with the SDK's GrpReadReceiptQryResp, one UID a query", async () => {
    const answer = await queries!.rrList!(request(['U1']), fakeContext({ targetId: 'team' }));
    expect(calls.at(-1)).toEqual(['app', 'alice', 'team', 'U1']);
    expect(decodePayload('GrpReadReceiptQryResp', answer.payload!)).toEqual({ totalMemberNum: 3, list: [{ userId: 'bob', readTime: 42 }] });
    expect(await queries!.rrList!(request([]), fakeContext())).toEqual({ status: AckStatus.PARAMETER_INVALID });
    expect(await queries!.rrList!(request(['U1', 'U2']), fakeContext())).toEqual({ status: AckStatus.PARAMETER_INVALID });
  });

  it("answer refusals with the core's status", async () => {
    const refusing = readReceiptTopics({
      markRead: async () => ({ ok: false, status: AckStatus.NOT_IN_GROUP, reason: '' }),
      readers: async () => ({ ok: false, status: AckStatus.NOT_MESSAGE_SENDER, reason: '' }),
    });
    expect(await refusing.queries!.rrMsg!(request(['U1']), fakeContext())).toEqual({ status: AckStatus.NOT_IN_GROUP });
    expect(await refusing.queries!.rrList!(request(['U1']), fakeContext())).toEqual({ status: AckStatus.NOT_MESSAGE_SENDER });
  });
});
