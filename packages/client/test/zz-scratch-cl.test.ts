import { afterEach, describe, expect, it } from 'vitest';
import { IMClient } from '@parley/client';
import { callServerApi } from '../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

/** The sender's own conversation list, on the device that sent (SQLite store, Node). */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PRIVATE = 1;
const GROUP = 3;
const text = (content: string) => ({ objectName: 'RC:TxtMsg', content: { content } });

async function server(): Promise<TestServer> {
  const started = await startTestServer();
  cleanups.push(() => started.stop());
  return started;
}

async function device(s: TestServer, userId: string): Promise<IMClient> {
  const dir = makeTempDir('parley-client-list-');
  cleanups.push(dir.remove);
  const c = new IMClient();
  c.init(s.devApp.appKey, { dataDir: dir.path });
  cleanups.push(() => c.disconnect());
  await c.connectAsync(String((await callServerApi(s.url, 'user/getToken', { userId }, s.devApp)).body.token));
  return c;
}

const listed = async (c: IMClient) => (await c.getConversationList()).map((x) => [x.conversationType, x.targetId]);

describe('scratch', () => {
  it('lists a group the user sent to on the device that sent, as it does a private chat', async () => {
    const s = await server();
    expect((await callServerApi(s.url, 'group/create', { userId: ['cl-alice', 'cl-bob'], groupId: 'cl-g', groupName: 'g' }, s.devApp)).body.code).toBe(200);
    const a = await device(s, 'cl-alice');
    await callServerApi(s.url, 'user/getToken', { userId: 'cl-bob' }, s.devApp);
    const sent = await a.sendMessage(GROUP, 'cl-g', text('hi group'));
    console.log('server list after ack', (await s.services.messages.conversations(s.devApp.appKey, 'cl-alice', 0, 10)).map((c) => [c.conversationType, c.targetId]), 'local', await listed(a));
    for (let i = 0; i < 10; i++) { await new Promise((r) => setTimeout(r, 100)); console.log(i, await listed(a)); }
    expect((await a.getHistoryMessages(GROUP, 'cl-g')).map((m) => m.messageUId)).toEqual([sent.messageUId]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await listed(a)).toEqual([[GROUP, 'cl-g']]);
    await a.sendMessage(PRIVATE, 'cl-bob', text('hi bob'));
    expect(await listed(a)).toEqual([[PRIVATE, 'cl-bob'], [GROUP, 'cl-g']]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await listed(a)).toEqual([[PRIVATE, 'cl-bob'], [GROUP, 'cl-g']]);
  });
});
