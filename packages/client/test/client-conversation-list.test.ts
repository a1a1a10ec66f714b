import { afterEach, describe, expect, it } from 'vitest';
import { IMClient } from '@parley/client';
import { callServerApi } from '../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

/** The conversation list of the device that sends, against what the server lists (SQLite store, Node). */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const GROUP = 3;
const text = (content: string) => ({ objectName: 'RC:TxtMsg', content: { content } });

async function server(): Promise<TestServer> {
  const started = await startTestServer();
  cleanups.push(() => started.stop());
  return started;
}

function newDevice(s: TestServer): IMClient {
  const dir = makeTempDir('parley-client-list-');
  cleanups.push(dir.remove);
  const c = new IMClient();
  c.init(s.devApp.appKey, { dataDir: dir.path });
  cleanups.push(() => c.disconnect());
  return c;
}

const listed = async (c: IMClient) => (await c.getConversationList()).map((x) => [x.conversationType, x.targetId]);

describe('@parley/client conversation list', () => {
  it('keeps a group sent to while a new device checks its list against the server’s', async () => {
    const s = await server();
    expect((await callServerApi(s.url, 'group/create', { userId: ['cl-alice', 'cl-bob'], groupId: 'cl-g', groupName: 'g' }, s.devApp)).body.code).toBe(200);
    const a = newDevice(s);
    // The server's list is read before the group message is stored and answered after its ack: a
    // new device that sends at once meets this order whenever the two requests cross.
    const messages = s.services.messages;
    const conversations = messages.conversations.bind(messages);
    let sent: Promise<unknown> | undefined;
    messages.conversations = async (...args) => {
      const list = await conversations(...args);
      if (args[1] === 'cl-alice' && !sent) {
        sent = a.sendMessage(GROUP, 'cl-g', text('hi group'));
        await sent;
      }
      return list;
    };
    await a.connectAsync(String((await callServerApi(s.url, 'user/getToken', { userId: 'cl-alice' }, s.devApp)).body.token));
    await expect.poll(() => sent).toBeDefined();
    await sent;
    expect(await conversations(s.devApp.appKey, 'cl-alice', 0, 10)).toEqual([expect.objectContaining({ conversationType: GROUP, targetId: 'cl-g' })]);
    // A round trip after the list's answer: by its end the device has acted on that answer.
    expect(await a.getConversation(1, 'cl-nobody')).toBeUndefined();
    expect((await a.getHistoryMessages(GROUP, 'cl-g')).length).toBe(1);
    expect(await listed(a)).toEqual([[GROUP, 'cl-g']]);
  });
});
