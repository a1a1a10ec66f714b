import { decodePayload, encodePayload, type ServerFrame } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CONTENT_BUDGET_BYTES } from '../../src/core/messaging/page-budget.js';
import { RawClient } from '../support/raw-client.js';
import { callServerApi } from '../support/server-api-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * A client that pipelines history pages of large messages: each answer stays within a byte budget,
 * so the connection's send buffer is never overrun and the client keeps its connection.
 */
let server: TestServer;
const MESSAGES = 60;
const CONTENT_BYTES = 90 * 1024;

beforeAll(async () => {
  server = await startTestServer();
  for (const userId of ['hoarder', 'reader']) await callServerApi(server.url, 'user/getToken', { userId }, server.devApp);
  for (let i = 0; i < MESSAGES; i++) {
    const content = JSON.stringify({ content: `${i}:`.padEnd(CONTENT_BYTES, 'x') });
    const sent = await callServerApi(server.url, 'message/private/publish', { fromUserId: 'hoarder', toUserId: 'reader', objectName: 'RC:TxtMsg', content }, server.devApp);
    expect(sent.body.code).toBe(200);
  }
});
afterAll(() => server.stop());

const isAnswer = (id: number) => (f: ServerFrame) => f.type === 'QUERYACK' && f.messageId === id;

describe('history pages of large messages', () => {
  it('stay within the byte budget when 40 are pipelined, and the connection survives', async () => {
    const token = String((await callServerApi(server.url, 'user/getToken', { userId: 'reader' }, server.devApp)).body.token);
    const client = await RawClient.open(server.url);
    try {
      expect(await client.connect(server.devApp.appKey, token)).toMatchObject({ status: 0 });
      const query = encodePayload('HistoryMsgInput', { targetId: 'hoarder', time: 0, count: 100, order: 0 });
      for (let id = 1; id <= 40; id++) client.send({ type: 'QUERY', topic: 'qryPMsg', targetId: 'hoarder', messageId: id, payload: query });
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => client.nextFrame(isAnswer(i + 1), 20_000)));
      const statuses = answers.map((a) => (a.type === 'QUERYACK' ? a.status : -1));
      // 8 run at once and 32 wait their turn: all 40 are answered, each within the budget.
      expect(statuses).toEqual(Array.from({ length: 40 }, () => 0));
      for (const answer of answers) {
        if (answer.type !== 'QUERYACK') continue;
        expect(answer.payload.byteLength).toBeLessThan(PAGE_CONTENT_BUDGET_BYTES + 64 * 1024);
        expect(decodePayload('HistoryMsgOuput', answer.payload).hasMsg).toBe(1);
      }
      client.send({ type: 'PINGREQ' });
      await client.nextFrame((f) => f.type === 'PINGRESP');
      expect(client.closeCode).toBeUndefined();
    } finally {
      client.close();
    }
  }, 30_000);

  it('still hands over every message, page by page', async () => {
    const token = String((await callServerApi(server.url, 'user/getToken', { userId: 'reader' }, server.devApp)).body.token);
    const client = await RawClient.open(server.url);
    try {
      expect(await client.connect(server.devApp.appKey, token)).toMatchObject({ status: 0 });
      const seen = new Set<string>();
      let time = 0;
      for (let id = 100, more = true; more; id++) {
        client.send({ type: 'QUERY', topic: 'qryPMsg', targetId: 'hoarder', messageId: id, payload: encodePayload('HistoryMsgInput', { targetId: 'hoarder', time, count: 100, order: 0 }) });
        const answer = await client.nextFrame(isAnswer(id), 10_000);
        if (answer.type !== 'QUERYACK') throw new Error('not an answer');
        const page = decodePayload('HistoryMsgOuput', answer.payload);
        for (const m of page.list) seen.add(m.msgId ?? '');
        more = page.hasMsg === 1;
        time = Number(page.syncTime);
        expect(seen.size).toBeLessThanOrEqual(MESSAGES);
      }
      expect(seen.size).toBe(MESSAGES);
    } finally {
      client.close();
    }
  }, 30_000);
});
