import { afterEach, describe, expect, it } from 'vitest';
import { IMClient, type Message } from '@parley/client';
import { callServerApi, type Credentials } from '../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import type { ServerConfig } from '../../server/src/config.js';

/** Recall, edit and expansion through @parley/client, kept in each side's local database. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function inProcess(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const server = await startTestServer(overrides);
  cleanups.push(() => server.stop());
  return server;
}

async function connected(server: TestServer, userId: string, dataDir?: string): Promise<{ c: IMClient; received: Message[]; changed: Message[]; dataDir: string }> {
  const dir = dataDir === undefined ? makeTempDir('parley-client-') : { path: dataDir, remove: () => undefined };
  cleanups.push(dir.remove);
  const c = new IMClient();
  c.init(server.devApp.appKey, { dataDir: dir.path });
  const received: Message[] = [];
  const changed: Message[] = [];
  c.addMessageListener((messages) => received.push(...messages));
  c.addMessageChangeListener((messages) => changed.push(...messages));
  cleanups.push(() => c.disconnect());
  await c.connectAsync(await tokenFor(server.url, server.devApp, userId));
  return { c, received, changed, dataDir: dir.path };
}

async function tokenFor(url: string, creds: Credentials, userId: string): Promise<string> {
  return String((await callServerApi(url, 'user/getToken', { userId }, creds)).body.token);
}

const text = (content: string) => ({ objectName: 'RC:TxtMsg', content: { content } });

async function navigation(server: TestServer, userId: string): Promise<Record<string, unknown>> {
  const token = await tokenFor(server.url, server.devApp, userId);
  const response = await fetch(`${server.url}/v2/navi.json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
  return (await response.json()) as Record<string, unknown>;
}

describe('@parley/client message changes', () => {
  it('recalls a message: both sides keep it as RC:RcNtf, and only the sender may recall', async () => {
    const server = await inProcess();
    const alice = await connected(server, 'cc-alice1');
    const bob = await connected(server, 'cc-bob1');
    const sent = await alice.c.sendMessage(1, 'cc-bob1', text('oops'));
    await expect.poll(() => bob.received.map((m) => m.messageUId)).toEqual([sent.messageUId]);
    await expect(bob.c.recallMessage(bob.received[0]!)).rejects.toMatchObject({ code: 25107 });

    const recalled = await alice.c.recallMessage(sent, { extra: 'typo' });
    expect(recalled).toMatchObject({ messageUId: sent.messageUId, objectName: 'RC:RcNtf', content: { operatorId: 'cc-alice1', recallTime: sent.sentTime, extra: 'typo' } });
    await expect.poll(() => bob.changed.map((m) => [m.messageUId, m.objectName])).toEqual([[sent.messageUId, 'RC:RcNtf']]);
    const [kept] = await bob.c.getHistoryMessages(1, 'cc-alice1');
    expect(kept).toMatchObject({ messageUId: sent.messageUId, objectName: 'RC:RcNtf', content: { operatorId: 'cc-alice1' } });
    // The recalled text stays with its sender alone.
    expect(kept?.content).not.toHaveProperty('recallContent');
    expect((await alice.c.getHistoryMessages(1, 'cc-bob1'))[0]?.content).toMatchObject({ recallContent: 'oops' });
    // The command itself is not kept as a message, nor told as one.
    expect(bob.received.map((m) => m.objectName)).toEqual(['RC:TxtMsg']);
    expect((await bob.c.getConversationList())[0]?.latestMessage.objectName).toBe('RC:RcNtf');
  });

  it('edits a message: the peer hears of it through its edit feed and keeps the edited content', async () => {
    const server = await inProcess();
    const alice = await connected(server, 'cc-alice2');
    const bob = await connected(server, 'cc-bob2');
    const sent = await alice.c.sendMessage(1, 'cc-bob2', text('helo'));
    await expect.poll(() => bob.received.length).toBe(1);
    const edited = await alice.c.modifyMessage(sent, { content: 'hello' });
    expect(edited).toMatchObject({ messageUId: sent.messageUId, content: { content: 'hello' } });
    expect(edited.modifiedTime).toBeGreaterThanOrEqual(sent.sentTime);
    await expect.poll(() => bob.changed.map((m) => [m.messageUId, (m.content as { content: string }).content])).toEqual([[sent.messageUId, 'hello']]);
    expect((await bob.c.getHistoryMessages(1, 'cc-alice2'))[0]).toMatchObject({ content: { content: 'hello' }, modifiedTime: edited.modifiedTime });
    await expect(bob.c.modifyMessage(bob.received[0]!, { content: 'mine' })).rejects.toMatchObject({ code: 20116 });
  });

  it('sends with an expansion, and sets and removes keys that reach the peer', async () => {
    const server = await inProcess();
    const alice = await connected(server, 'cc-alice3');
    const bob = await connected(server, 'cc-bob3');
    const sent = await alice.c.sendMessageWithExpansion(1, 'cc-bob3', text('vote'), { a: '1' });
    await expect.poll(() => bob.received[0]?.expansion).toEqual({ a: '1' });
    expect((await alice.c.updateMessageExpansion({ b: '2' }, sent)).expansion).toEqual({ a: '1', b: '2' });
    await expect.poll(() => bob.c.getMessageExpansion(sent.messageUId)).toEqual({ a: '1', b: '2' });
    await alice.c.removeMessageExpansionForKey(['a'], sent);
    await expect.poll(() => bob.c.getMessageExpansion(sent.messageUId)).toEqual({ b: '2' });
    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    await expect(alice.c.updateMessageExpansion(tooMany, sent)).rejects.toMatchObject({ code: 34010 });
    await expect(alice.c.updateMessageExpansion({ 'bad key': 'v' }, sent)).rejects.toMatchObject({ code: 34220 });
    const plain = await alice.c.sendMessage(1, 'cc-bob3', text('plain'));
    await expect(alice.c.updateMessageExpansion({ a: '1' }, plain)).rejects.toMatchObject({ code: 22202 });
  });

  it('refuses a recall (25101) and an edit (20114) past --recall-window', async () => {
    const server = await inProcess({ recallWindow: 1 });
    const alice = await connected(server, 'cc-alice4');
    await callServerApi(server.url, 'user/getToken', { userId: 'cc-bob4' }, server.devApp);
    const sent = await alice.c.sendMessage(1, 'cc-bob4', text('too late'));
    await new Promise((r) => setTimeout(r, 10));
    await expect(alice.c.recallMessage(sent)).rejects.toMatchObject({ code: 25101 });
    await expect(alice.c.modifyMessage(sent, { content: 'x' })).rejects.toMatchObject({ code: 20114 });
    expect((await alice.c.getHistoryMessages(1, 'cc-bob4'))[0]).toMatchObject({ objectName: 'RC:TxtMsg', content: { content: 'too late' } });
    // Navigation gives the window in minutes, which --recall-window takes whole (config.ts).
    const byDefault = await inProcess();
    expect(await navigation(byDefault, 'cc-alice4')).toMatchObject({ msgModifyMinute: 24 * 60, supportRecallRefactor: 1 });
  });

  it("drops a recalled message from the peer's unread count", async () => {
    const server = await inProcess();
    const alice = await connected(server, 'cc-alice5');
    const bob = await connected(server, 'cc-bob5');
    await alice.c.sendMessage(1, 'cc-bob5', text('stays'));
    const sent = await alice.c.sendMessage(1, 'cc-bob5', text('oops'));
    await expect.poll(() => bob.c.getUnreadCount(1, 'cc-alice5')).toBe(2);
    await alice.c.recallMessage(sent);
    await expect.poll(() => bob.changed.length).toBe(1);
    expect(await bob.c.getUnreadCount(1, 'cc-alice5')).toBe(1);
  });

  it('gets the edits made while the app was closed when it starts again', async () => {
    const server = await inProcess();
    const alice = await connected(server, 'cc-alice6');
    const bob = await connected(server, 'cc-bob6');
    const sent = await alice.c.sendMessage(1, 'cc-bob6', text('draft'));
    await expect.poll(() => bob.received.length).toBe(1);
    await bob.c.disconnect();
    await alice.c.modifyMessage(sent, { content: 'final' });
    const again = await connected(server, 'cc-bob6', bob.dataDir);
    await expect.poll(async () => (await again.c.getHistoryMessages(1, 'cc-alice6'))[0]?.content).toEqual({ content: 'final' });
    expect(again.changed.map((m) => m.messageUId)).toEqual([sent.messageUId]);
  });

  it('stores a recall and an expansion update once when the app repeats them before the answer', async () => {
    const server = await inProcess();
    const alice = await connected(server, 'cc-alice7');
    const bob = await connected(server, 'cc-bob7');
    const sent = await alice.c.sendMessageWithExpansion(1, 'cc-bob7', text('vote'), { a: '1' });
    await Promise.all([alice.c.updateMessageExpansion({ b: '2' }, sent), alice.c.updateMessageExpansion({ b: '2' }, sent)]);
    await Promise.all([alice.c.recallMessage(sent), alice.c.recallMessage(sent)]);
    const inbox = await server.services.store.messages.pullInbox(server.devApp.appKey, 'cc-bob7', 0, 100);
    expect(inbox.map((e) => e.message.objectName)).toEqual(['RC:TxtMsg', 'RC:MsgExMsg', 'RC:RcCmd']);
    // A new operation after the answer is one again.
    const other = await alice.c.sendMessageWithExpansion(1, 'cc-bob7', text('poll'), { a: '1' });
    await alice.c.updateMessageExpansion({ b: '2' }, other);
    await alice.c.removeMessageExpansionForKey(['b'], other);
    await alice.c.updateMessageExpansion({ b: '2' }, other);
    expect((await server.services.store.messages.pullInbox(server.devApp.appKey, 'cc-bob7', 0, 100)).filter((e) => e.message.objectName === 'RC:MsgExMsg')).toHaveLength(4);
    void bob;
  });

  it('takes edits from the send budget', async () => {
    const server = await inProcess({ userSendRate: 1 });
    const alice = await connected(server, 'cc-alice8');
    await callServerApi(server.url, 'user/getToken', { userId: 'cc-bob8' }, server.devApp);
    const sent = await alice.c.sendMessage(1, 'cc-bob8', text('v0'));
    const codes: number[] = [];
    for (let i = 1; i <= 4; i++) codes.push(await alice.c.modifyMessage(sent, { content: `v${i}` }).then(() => 0, (e: { code: number }) => e.code));
    expect(codes).toContain(20604);
  });

  it('refuses an edit and a recall from a sender who left the group (22406)', async () => {
    const server = await inProcess();
    await callServerApi(server.url, 'group/create', { userId: ['cc-alice9', 'cc-bob9'], groupId: 'cc-g9', groupName: 'g' }, server.devApp);
    const alice = await connected(server, 'cc-alice9');
    const sent = await alice.c.sendMessage(3, 'cc-g9', text('mine'));
    await callServerApi(server.url, 'group/quit', { userId: 'cc-alice9', groupId: 'cc-g9' }, server.devApp);
    await expect(alice.c.modifyMessage(sent, { content: 'x' })).rejects.toMatchObject({ code: 22406 });
    await expect(alice.c.recallMessage(sent)).rejects.toMatchObject({ code: 22406 });
  });
});
