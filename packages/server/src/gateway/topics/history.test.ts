import { AckStatus, decodePayload, encodePayload } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { MessageService } from '../../core/messaging/message-service.js';
import { fakeContext, storedMessage } from '../../../test/support/topic-context.js';
import { historyTopics } from './history.js';

type History = MessageService['history'];

function topicsAnswering(answer: Awaited<ReturnType<History>>) {
  const asked: Parameters<History>[] = [];
  const { queries } = historyTopics({ history: async (...args) => (asked.push(args), answer) });
  return { queries: queries!, asked };
}

const input = (fields: Record<string, unknown>) => encodePayload('HistoryMsgInput', { targetId: 'bob', time: 0, count: 0, order: 0, ...fields } as never);

describe('history topics', () => {
  it('serve private, group and system history for the session user, older pages by default', async () => {
    const { queries, asked } = topicsAnswering({ ok: true, messages: [] });
    expect(Object.keys(queries).sort()).toEqual(['qryGMsg', 'qryPMsg', 'qrySMsg']);
    const context = fakeContext();
    await queries.qryPMsg!(input({}), context);
    await queries.qryGMsg!(input({ targetId: 'team', time: 5, count: 500, order: 1 }), context);
    expect(asked).toEqual([
      ['app', 'alice', 1, 'bob', context.now + 60_000, true, 21],
      ['app', 'alice', 3, 'team', 5, false, 101],
    ]);
  });

  it('answers a page with whether more is left, and a refusal with its status alone', async () => {
    const messages = [storedMessage({ uid: 'A', sentTime: 30 }), storedMessage({ uid: 'B', sentTime: 20 }), storedMessage({ uid: 'C', sentTime: 10 })];
    const page = await topicsAnswering({ ok: true, messages }).queries.qryPMsg!(input({ count: 2 }), fakeContext());
    expect(decodePayload('HistoryMsgOuput', page.payload!)).toMatchObject({ hasMsg: 1, syncTime: 20, list: [{ msgId: 'A' }, { msgId: 'B' }] });
    const refused = await topicsAnswering({ ok: false, status: AckStatus.NOT_IN_GROUP, reason: 'not a member' }).queries.qryGMsg!(input({}), fakeContext());
    expect(refused).toEqual({ status: AckStatus.NOT_IN_GROUP });
  });
});
