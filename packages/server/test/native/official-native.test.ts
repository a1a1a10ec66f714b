// Acceptance of RongCloud's native stack against a real Parley server: the unmodified official
// Electron SDK (`@rongcloud/electron` 5.46.1, its JS wrapper and C++ binding), one child process per
// user (support/official-native), beside the official Web SDK and Parley's own client.

import { readdirSync, readFileSync } from 'node:fs';
import { IMClient, type Message } from '@parley/client';
import type { IAReceivedMessage } from '@rongcloud/imlib-next';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { NativeClient, type ClientEvent, type EventName, type MainProcessCache, type NativeMessage } from '../support/official-native/native-client.js';
import { OfficialClient } from '../support/official-sdk/official-client.js';
import { callServerApi, type Credentials } from '../support/server-api-client.js';
import { makeTempDir } from '../support/temp-dir.js';
import { expectConfinedToLoopback } from '../support/official-native/loopback-confinement.js';
import { startRestartableServer, startTestServer, type RestartableServer, type TestServer } from '../support/test-server.js';

const PRIVATE = 1;
const SENT = 1;
const RECEIVED = 2;
/** The wrapper reconnects 40 ms after a drop, then every 5 s: a reconnect would show well within this. */
const NO_RECONNECT_WATCH_MS = 3_000;
/** Time for a duplicate, if the server sent one, to arrive after the awaited copy. */
const DUPLICATE_WATCH_MS = 1_000;
/** The wrapper's notices of its connection's life. */
const CONNECTION_EVENTS = ['onConnecting', 'onConnected', 'onSuspend', 'onDisconnected', 'databaseOpened'];

let server: TestServer;
let dev: Credentials;
let childrenBefore: number[];
const natives: NativeClient[] = [];
const webs: OfficialClient[] = [];
const parleys: IMClient[] = [];
const restartables: RestartableServer[] = [];
const parleyData = makeTempDir('parley-native-acceptance-');

beforeAll(async () => {
  server = await startTestServer();
  dev = server.devApp;
  childrenBefore = childProcesses();
});

afterEach(async () => {
  const started = natives.splice(0);
  try {
    for (const client of started) expectConfinedToLoopback(client);
  } finally {
    // Clients before servers, so that none of them sees its server go and starts reconnecting.
    await Promise.all([...started.map((c) => c.close()), ...webs.splice(0).map((c) => c.close())]);
    for (const client of parleys.splice(0)) client.disconnect();
    for (const restartable of restartables.splice(0)) await restartable.dispose();
  }
  for (const client of started) expect({ client: client.label, exited: client.exitStatus !== null }).toEqual({ client: client.label, exited: true });
  expect(childProcesses()).toEqual(childrenBefore);
});

afterAll(async () => {
  await server.stop();
  parleyData.remove();
});

/** The pids of this process's children, from /proc: the SDK children and spawned servers alike. */
function childProcesses(): number[] {
  return readdirSync(`/proc/${process.pid}/task`)
    .flatMap((task) => readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim().split(/\s+/))
    .filter((pid) => pid !== '')
    .map(Number)
    .sort((a, b) => a - b);
}

async function tokenFor(userId: string, creds: Credentials = dev, url = server.url): Promise<string> {
  const response = await callServerApi(url, 'user/getToken', { userId }, creds);
  expect(response.body.code).toBe(200);
  return String(response.body.token);
}

async function serverApi(path: string, params: Record<string, string | number>, creds: Credentials = dev, url = server.url): Promise<void> {
  expect((await callServerApi(url, path, params, creds)).body).toEqual({ code: 200 });
}

const online = async (userId: string) => (await callServerApi(server.url, 'user/checkOnline', { userId }, dev)).body.status;

interface NativeOptions {
  appKey?: string;
  deviceId?: string;
  url?: string;
}

async function startNative(userId: string, options: NativeOptions = {}): Promise<NativeClient> {
  const deviceId = options.deviceId ?? `${userId}-pc`;
  const client = await NativeClient.start({
    appKey: options.appKey ?? dev.appKey,
    navigators: [options.url ?? server.url],
    deviceId,
    label: `native ${userId} (${deviceId})`,
  });
  natives.push(client);
  return client;
}

async function connectedNative(userId: string, options: NativeOptions & { creds?: Credentials } = {}): Promise<NativeClient> {
  const [client, token] = await Promise.all([startNative(userId, options), tokenFor(userId, options.creds, options.url)]);
  expect(await client.connect(token)).toEqual({ code: 0, userId });
  return client;
}

async function connectedWeb(userId: string): Promise<OfficialClient> {
  const [client, token] = await Promise.all([OfficialClient.start({ appKey: dev.appKey, navigators: [server.url], label: `web ${userId}` }), tokenFor(userId)]);
  webs.push(client);
  expect(await client.connect(token)).toEqual({ code: 0, userId });
  return client;
}

interface ParleyUser {
  client: IMClient;
  received: Message[];
}

async function connectedParley(userId: string, creds: Credentials = dev, url = server.url): Promise<ParleyUser> {
  const client = new IMClient();
  client.init(creds.appKey, { navigators: [url], dataDir: `${parleyData.path}/${userId}`, deviceId: `${userId}-phone`, platform: 'mobile' });
  const received: Message[] = [];
  client.addMessageListener((messages) => received.push(...messages));
  parleys.push(client);
  expect(await client.connectAsync(await tokenFor(userId, creds, url))).toBe(userId);
  return { client, received };
}

/** A send as its sender's SDK reported it. */
interface Sent {
  uid: string;
  sentTime: number;
}

async function parleySend(from: ParleyUser, targetId: string, text: string): Promise<Sent> {
  const sent = await from.client.sendMessage(PRIVATE, targetId, { objectName: 'RC:TxtMsg', content: { content: text } });
  return { uid: sent.messageUId, sentTime: sent.sentTime };
}

async function webSend(from: OfficialClient, targetId: string, text: string): Promise<Sent> {
  const sent = await from.sendText(PRIVATE, targetId, text);
  expect(sent.code).toBe(0);
  return { uid: sent.data!.messageUId, sentTime: sent.data!.sentTime };
}

async function nativeSend(from: NativeClient, targetId: string, text: string): Promise<Sent & { message: NativeMessage }> {
  const sent = await from.sendText(PRIVATE, targetId, text);
  expect(sent.code).toBe(0);
  expect(sent.messageUId).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
  return { uid: sent.messageUId!, sentTime: sent.sentTime!, message: sent.message! };
}

/** What a receiver's SDK reported of a message, in the same terms for all three SDKs. */
function received(m: { messageUId: string; sentTime: number; conversationType: number; targetId: string; senderUserId: string; messageDirection: number; content: unknown }) {
  return {
    uid: m.messageUId,
    sentTime: m.sentTime,
    type: m.conversationType,
    targetId: m.targetId,
    sender: m.senderUserId,
    direction: m.messageDirection,
    text: (m.content as { content?: unknown }).content,
  };
}

function webReceived(client: OfficialClient): IAReceivedMessage[] {
  return client.payloadsOf('MESSAGES').flatMap((payload) => payload.messages);
}

/** The first event named `name` after the `mark`-th event. */
function eventAfter<N extends EventName>(client: NativeClient, mark: number, name: N, timeoutMs?: number): Promise<ClientEvent<N>> {
  return client.waitForEvent(name, (_payload, event) => event.seq >= mark, timeoutMs);
}

/** The events named `names` after the `mark`-th, as `name payload`. */
function eventsAfter(client: NativeClient, mark: number, names: string[]): string[] {
  return client.events.slice(mark).filter((e) => names.includes(e.event)).map((e) => `${e.event} ${JSON.stringify(e.payload).slice(0, 80)}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('official native SDK: connecting', () => {
  it('opens the database before onConnected, and the connect succeeds with the userId', async () => {
    const client = await startNative('alice');
    expect(await client.connect(await tokenFor('alice'))).toEqual({ code: 0, userId: 'alice' });
    // Both had come by the time the connect resolved.
    const [opened, connected, ...more] = client.events.filter((e) => e.event === 'databaseOpened' || e.event === 'onConnected');
    expect([opened?.event, connected?.event, more]).toEqual(['databaseOpened', 'onConnected', []]);
    // The user's database, created by this first login.
    expect(opened?.payload).toEqual([0, true]);
    const [fromSuspend, cache] = connected?.payload as [boolean, MainProcessCache];
    expect(fromSuspend).toBe(false);
    expect(cache.crtUserId).toBe('alice');
    // Navigation sent it to the TCP addresses: the HTTP port and the native port.
    expect(client.stackAddresses.map(({ address }) => address)).toEqual([`127.0.0.1:${server.port}`, `127.0.0.1:${server.nativePort}`]);
    expect(await online('alice')).toBe('1');
    expect(client.payloadsOf('harness:error')).toEqual([]);
  });

  it('names every refusal at connect with its own code', async () => {
    const other = await server.services.apps.create({ name: 'native-other' });
    const soonBlocked = await server.services.apps.create({ name: 'native-blocked' });
    const [valid, tampered, otherApps, ofBlockedApp, blocked, expired, deactivated] = await Promise.all([
      tokenFor('r-unknown-app'),
      tokenFor('r-tampered'),
      tokenFor('r-other-app', other),
      tokenFor('r-app-blocked', soonBlocked),
      tokenFor('r-blocked'),
      tokenFor('r-expired'),
      tokenFor('r-deactivated'),
    ]);
    await server.services.apps.setState(soonBlocked.appKey, 'blocked');
    await serverApi('user/block', { userId: 'r-blocked', minute: 5 });
    await serverApi('user/token/expire', { userId: 'r-expired', time: Date.now() + 1 });
    await serverApi('user/deactivate', { userId: 'r-deactivated' });

    const cases: { name: string; userId: string; token: string; appKey?: string; expected: number }[] = [
      { name: 'unknown App Key', userId: 'r-unknown-app', token: valid, appKey: 'nosuchappkey00', expected: 31002 },
      { name: 'tampered token', userId: 'r-tampered', token: tamper(tampered), expected: 31004 },
      { name: "another app's token", userId: 'r-other-app', token: otherApps, expected: 31004 },
      { name: 'app blocked', userId: 'r-app-blocked', token: ofBlockedApp, appKey: soonBlocked.appKey, expected: 31008 },
      { name: 'user blocked', userId: 'r-blocked', token: blocked, expected: 31009 },
      { name: 'token expired', userId: 'r-expired', token: expired, expected: 31020 },
      { name: 'user deactivated', userId: 'r-deactivated', token: deactivated, expected: 31029 },
    ];
    const outcomes = await Promise.all(
      cases.map(async ({ name, userId, token, appKey }) => {
        const client = await startNative(userId, appKey ? { appKey } : {});
        const { code } = await client.connect(token);
        return { name, code, client };
      }),
    );
    expect(Object.fromEntries(outcomes.map(({ name, code }) => [name, code]))).toEqual(Object.fromEntries(cases.map(({ name, expected }) => [name, expected])));
    for (const { name, code, client } of outcomes) {
      // One attempt, ended for good: no database opened, never connected, no retry.
      expect({ name, events: eventsAfter(client, 0, CONNECTION_EVENTS) }).toEqual({ name, events: ['onConnecting []', `onDisconnected [${code}]`] });
      // Navigation refuses only a token whose MAC fails; every other refusal is the gateway's CONNACK.
      expect({ name, dialledGateway: client.stackAddresses.length > 0 }).toEqual({ name, dialledGateway: name !== 'tampered token' });
    }
  });
});

/** A token whose opaque part has one character changed, so its MAC fails. */
function tamper(token: string): string {
  return token.replace(/^(.{12})(.)/, (_match, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'));
}

describe('official native SDK: sessions ended by the server', () => {
  it('a second desktop login kicks the first with 31010, which does not reconnect', async () => {
    const [token] = await Promise.all([tokenFor('kim'), tokenFor('kim-peer')]);
    const [first, second] = await Promise.all([startNative('kim', { deviceId: 'kim-pc-1' }), startNative('kim', { deviceId: 'kim-pc-2' })]);
    expect(await first.connect(token)).toEqual({ code: 0, userId: 'kim' });
    const mark = first.events.length;

    expect(await second.connect(token)).toEqual({ code: 0, userId: 'kim' });
    await eventAfter(first, mark, 'onDisconnected');
    const secondMark = second.events.length;

    await sleep(NO_RECONNECT_WATCH_MS);
    // Kicked for good: no suspend, no reconnect.
    expect(eventsAfter(first, mark, CONNECTION_EVENTS)).toEqual(['onDisconnected [31010]']);
    // The newer login was not kicked back, and works.
    expect(eventsAfter(second, secondMark, CONNECTION_EVENTS)).toEqual([]);
    await nativeSend(second, 'kim-peer', 'still here');
    expect(await online('kim')).toBe('1');
  });

  it('blocking an online user drops it with 31011, and it does not reconnect', async () => {
    const client = await connectedNative('bea');
    const mark = client.events.length;

    await serverApi('user/block', { userId: 'bea', minute: 1 });
    await eventAfter(client, mark, 'onDisconnected');

    await sleep(NO_RECONNECT_WATCH_MS);
    expect(eventsAfter(client, mark, CONNECTION_EVENTS)).toEqual(['onDisconnected [31011]']);
    expect(await online('bea')).toBe('0');
  });
});

describe('official native SDK: messages', () => {
  it('exchanges texts with the official Web SDK and @parley/client, both ways, each received once', async () => {
    const [native, web, parley] = await Promise.all([connectedNative('m-native'), connectedWeb('m-web'), connectedParley('m-parley')]);

    const toWeb = await nativeSend(native, 'm-web', 'native to web');
    const toParley = await nativeSend(native, 'm-parley', 'native to parley');
    const fromWeb = await webSend(web, 'm-native', 'web to native');
    const fromParley = await parleySend(parley, 'm-native', 'parley to native');

    // The sender's own copy, as the native stack stored it. Its senderUserId is not checked: the
    // stack stores an outgoing message with an empty sender before it sends anything (its log says
    // `RCSaveMessage sender_id ""`, against the fake server as well), so no server answer sets it.
    expect(toWeb.message).toMatchObject({ conversationType: PRIVATE, targetId: 'm-web', messageDirection: SENT, messageUId: toWeb.uid });
    expect(toParley.message).toMatchObject({ conversationType: PRIVATE, targetId: 'm-parley', messageDirection: SENT, messageUId: toParley.uid });

    await web.waitForEvent('MESSAGES', ({ messages }) => messages.some((m) => m.messageUId === toWeb.uid));
    await expect.poll(() => parley.received.map((m) => m.messageUId)).toContain(toParley.uid);
    await native.waitForEvent('batchMessage', () => [fromWeb, fromParley].every(({ uid }) => native.receivedMessages.some((m) => m.messageUId === uid)));
    await sleep(DUPLICATE_WATCH_MS);

    expect(webReceived(web).map(received)).toEqual([
      { uid: toWeb.uid, sentTime: toWeb.sentTime, type: PRIVATE, targetId: 'm-native', sender: 'm-native', direction: RECEIVED, text: 'native to web' },
    ]);
    expect(parley.received.map(received)).toEqual([
      { uid: toParley.uid, sentTime: toParley.sentTime, type: PRIVATE, targetId: 'm-native', sender: 'm-native', direction: RECEIVED, text: 'native to parley' },
    ]);
    // In arrival order; the native user's own sends do not come back to it.
    expect(native.receivedMessages.map(received)).toEqual([
      { uid: fromWeb.uid, sentTime: fromWeb.sentTime, type: PRIVATE, targetId: 'm-web', sender: 'm-web', direction: RECEIVED, text: 'web to native' },
      { uid: fromParley.uid, sentTime: fromParley.sentTime, type: PRIVATE, targetId: 'm-parley', sender: 'm-parley', direction: RECEIVED, text: 'parley to native' },
    ]);
  });

  it('syncs messages sent while it was not connected on connect, in send order, each once', async () => {
    const [web, parley, native, token] = await Promise.all([connectedWeb('o-web'), connectedParley('o-parley'), startNative('o-native'), tokenFor('o-native')]);
    /** Alternately from the Web SDK and @parley/client, each send acknowledged before the next. */
    const sendBatch = async (texts: string[]) => {
      const expected: ReturnType<typeof received>[] = [];
      for (const [i, text] of texts.entries()) {
        const sender = i % 2 === 0 ? 'o-web' : 'o-parley';
        const sent = sender === 'o-web' ? await webSend(web, 'o-native', text) : await parleySend(parley, 'o-native', text);
        expected.push({ ...sent, type: PRIVATE, targetId: sender, sender, direction: RECEIVED, text });
      }
      return expected;
    };

    // Before its first connect ever.
    const first = await sendBatch(['a0', 'a1', 'a2', 'a3']);
    expect(await native.connect(token)).toEqual({ code: 0, userId: 'o-native' });
    await expect.poll(() => native.receivedMessages.length).toBeGreaterThanOrEqual(first.length);
    await sleep(DUPLICATE_WATCH_MS);
    expect(native.receivedMessages.map(received)).toEqual(first);

    // After a disconnect: what came since, and nothing again.
    await native.disconnect();
    await expect.poll(() => online('o-native')).toBe('0');
    const second = await sendBatch(['b0', 'b1', 'b2']);
    const mark = native.events.length;
    expect(await native.connect(token)).toEqual({ code: 0, userId: 'o-native' });
    expect((await eventAfter(native, mark, 'databaseOpened')).payload).toEqual([0, false]);
    await expect.poll(() => native.receivedMessages.length).toBeGreaterThanOrEqual(first.length + second.length);
    await sleep(DUPLICATE_WATCH_MS);
    expect(native.receivedMessages.map(received)).toEqual([...first, ...second]);
  });

  it("returns the conversation's messages from remote history, oldest first, page by page", async () => {
    const [native, peer] = await Promise.all([connectedNative('h-native'), connectedParley('h-peer')]);
    const expected: ReturnType<typeof received>[] = [];
    for (const [i, text] of ['h0', 'h1', 'h2', 'h3', 'h4'].entries()) {
      const fromNative = i % 2 === 0;
      const sent = fromNative ? await nativeSend(native, 'h-peer', text) : await parleySend(peer, 'h-native', text);
      expected.push({ uid: sent.uid, sentTime: sent.sentTime, type: PRIVATE, targetId: 'h-peer', sender: fromNative ? 'h-native' : 'h-peer', direction: fromNative ? SENT : RECEIVED, text });
    }

    const whole = await native.getRemoteHistory(PRIVATE, 'h-peer', { count: 20 });
    expect({ code: whole.code, list: whole.list.map(received), hasMore: whole.hasMore }).toEqual({ code: 0, list: expected, hasMore: false });

    // Older pages: before the oldest message of the page already shown.
    const pages: { list: ReturnType<typeof received>[]; hasMore: boolean }[] = [];
    for (let timestamp = 0; ; ) {
      const page = await native.getRemoteHistory(PRIVATE, 'h-peer', { timestamp, count: 2 });
      expect(page.code).toBe(0);
      pages.push({ list: page.list.map(received), hasMore: page.hasMore });
      if (!page.hasMore || page.list.length === 0 || pages.length === 5) break;
      timestamp = Math.min(...page.list.map((m) => m.sentTime));
    }
    expect(pages).toEqual([
      { list: expected.slice(3, 5), hasMore: true },
      { list: expected.slice(1, 3), hasMore: true },
      { list: expected.slice(0, 1), hasMore: false },
    ]);
  });
});

/**
 * A restartable server with a `--native-port` of its own, so that both addresses in the navigation
 * answers (which the wrapper caches) stay valid across restarts. Its HTTP port is chosen after the
 * native one, and may be that very port, just freed: then another pair is tried.
 */
async function startRestartableWithNativePort(): Promise<{ restartable: RestartableServer; nativePort: number }> {
  for (let attempt = 1; ; attempt++) {
    const nativePort = await freePort();
    try {
      const restartable = await startRestartableServer(['--native-port', String(nativePort)]);
      restartables.push(restartable);
      return { restartable, nativePort };
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

describe('official native SDK: server restart', () => {
  it('comes back by itself after the server is SIGKILLed and restarted, and messages flow again', async () => {
    const { restartable, nativePort } = await startRestartableWithNativePort();
    const httpPort = Number(new URL(restartable.url).port);
    const creds = restartable.credentials;
    const client = await connectedNative('z-native', { creds, url: restartable.url, appKey: creds.appKey });
    const addresses = [`127.0.0.1:${httpPort}`, `127.0.0.1:${nativePort}`];
    expect(client.stackAddresses.map(({ address }) => address)).toEqual(addresses);
    // Killed while idle, its first sync done.
    await client.waitForEvent('pullFinished');
    const mark = client.events.length;

    await restartable.kill('SIGKILL');
    await eventAfter(client, mark, 'onSuspend');
    await restartable.restart();
    const back = await eventAfter(client, mark, 'onConnected', 20_000);
    expect(back.payload[0]).toBe(true);
    expect(eventsAfter(client, mark, ['onDisconnected'])).toEqual([]);
    // Every address it was given, before and after the restart, is one the restarted server listens on.
    expect(new Set(client.stackAddresses.map(({ address }) => address))).toEqual(new Set(addresses));

    const peer = await connectedParley('z-peer', creds, restartable.url);
    const toPeer = await nativeSend(client, 'z-peer', 'after the restart');
    const fromPeer = await parleySend(peer, 'z-native', 'welcome back');
    await expect.poll(() => peer.received.map((m) => m.messageUId)).toContain(toPeer.uid);
    await client.waitForEvent('batchMessage', () => client.receivedMessages.some((m) => m.messageUId === fromPeer.uid));
    await sleep(DUPLICATE_WATCH_MS);
    expect(client.receivedMessages.map(received)).toEqual([
      { ...fromPeer, type: PRIVATE, targetId: 'z-peer', sender: 'z-peer', direction: RECEIVED, text: 'welcome back' },
    ]);
    expect(peer.received.map(received)).toEqual([
      { uid: toPeer.uid, sentTime: toPeer.sentTime, type: PRIVATE, targetId: 'z-native', sender: 'z-native', direction: RECEIVED, text: 'after the restart' },
    ]);
  });
});

describe('official native SDK: recall and edit', () => {
  it('recalls and edits its own messages (empty frame targets, the edit window from navigation), seen by the peer', async () => {
    const [native, parley] = await Promise.all([connectedNative('c-native'), connectedParley('c-parley')]);
    const changed: Message[] = [];
    parley.client.addMessageChangeListener((messages) => changed.push(...messages));
    const toEdit = await nativeSend(native, 'c-parley', 'helo');
    const toRecall = await nativeSend(native, 'c-parley', 'oops');
    await expect.poll(() => parley.received.map((m) => m.messageUId)).toEqual([toEdit.uid, toRecall.uid]);

    expect(await native.call('modifyMessage', { conversationType: PRIVATE, targetId: 'c-parley', messageUId: toEdit.uid, content: { content: 'hello' } })).toMatchObject({ code: 0 });
    expect(await native.call('recallMessage', { conversationType: PRIVATE, targetId: 'c-parley', messageUId: toRecall.uid, sentTime: toRecall.sentTime })).toMatchObject({ code: 0 });
    await expect
      .poll(() => changed.map((m) => [m.messageUId, m.objectName, (m.content as { content?: string }).content]))
      .toEqual([
        [toEdit.uid, 'RC:TxtMsg', 'hello'],
        [toRecall.uid, 'RC:RcNtf', undefined],
      ]);
    const history = await native.getRemoteHistory(PRIVATE, 'c-parley', { count: 10 });
    expect(history.list.map((m) => [m.messageUId, m.messageType])).toEqual(expect.arrayContaining([[toEdit.uid, 'RC:TxtMsg'], [toRecall.uid, 'RC:RcNtf']]));
  });
});

describe('official native SDK: typing', () => {
  it('sends typing on the status topic with qos 0 and receives it live, both ways with the Web SDK', async () => {
    const [native, web] = await Promise.all([connectedNative('ty-native'), connectedWeb('ty-web')]);
    const typing = await native.call('sendMessage', { conversationType: PRIVATE, targetId: 'ty-web', messageType: 'RC:TypSts', content: { typingContentType: 'RC:TxtMsg' } });
    expect(typing).toMatchObject({ code: 0 });
    const event = await web.waitForEvent('TYPING_STATUS');
    expect(event.payload).toMatchObject({ status: [{ conversationType: PRIVATE, targetId: 'ty-native', list: [{ userId: 'ty-native', messageType: 'RC:TxtMsg' }] }] });

    expect((await web.call('sendTypingStatusMessage', { conversationType: PRIVATE, targetId: 'ty-native', typingContentType: 'RC:TxtMsg' })).code).toBe(0);
    await expect.poll(() => native.receivedMessages.map((m) => [m.messageType, m.senderUserId, m.isStatusMessage])).toEqual([['RC:TypSts', 'ty-web', true]]);
    // Never stored: the history of either side is empty.
    expect((await native.getRemoteHistory(PRIVATE, 'ty-web')).list).toEqual([]);
  });
});

describe('official native SDK: chatrooms', () => {
  it('joins a room with a Web SDK member and exchanges messages with it, each received once', async () => {
    const CHATROOM = 4;
    const [native, web] = await Promise.all([connectedNative('cr-native'), connectedWeb('cr-web')]);
    // The wrapper's joinChatroom(roomId, count, createIfMissing): the stack sends joinChrm.
    expect(await native.call('chatroom', { method: 'joinChatroom', args: ['cr-native-room', -1, true] })).toMatchObject({ code: 0 });
    expect((await web.call('chatroom', { method: 'joinExistChatRoom', args: ['cr-native-room', { count: -1 }] })).code).toBe(0);

    const toWeb = await native.sendText(CHATROOM, 'cr-native-room', 'native to room');
    expect(toWeb).toMatchObject({ code: 0, messageUId: expect.stringMatching(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/) });
    await web.waitForEvent('MESSAGES', ({ messages }) => messages.some((m) => m.messageUId === toWeb.messageUId));
    const fromWeb = await web.sendText(CHATROOM, 'cr-native-room', 'web to room');
    expect(fromWeb.code).toBe(0);
    await native.waitForEvent('batchMessage', () => native.receivedMessages.some((m) => m.messageUId === fromWeb.data!.messageUId));
    await sleep(DUPLICATE_WATCH_MS);

    expect(webReceived(web).filter((m) => m.conversationType === CHATROOM).map(received)).toEqual([
      { uid: toWeb.messageUId, sentTime: toWeb.sentTime, type: CHATROOM, targetId: 'cr-native-room', sender: 'cr-native', direction: RECEIVED, text: 'native to room' },
    ]);
    expect(native.receivedMessages.filter((m) => m.conversationType === CHATROOM).map(received)).toEqual([
      { uid: fromWeb.data!.messageUId, sentTime: fromWeb.data!.sentTime, type: CHATROOM, targetId: 'cr-native-room', sender: 'cr-web', direction: RECEIVED, text: 'web to room' },
    ]);
    expect(await native.call('chatroom', { method: 'quitChatroom', args: ['cr-native-room'] })).toMatchObject({ code: 0 });
  });
});

describe('official native SDK: deleting and clearing remote history', () => {
  it('deletes and clears for itself only; a fresh Web SDK of the same user sees neither, the peer keeps all', async () => {
    const [native, alice] = await Promise.all([connectedNative('dl-native'), connectedWeb('dl-web')]);
    const sent = [await webSend(alice, 'dl-native', 'n0'), await webSend(alice, 'dl-native', 'n1'), await webSend(alice, 'dl-native', 'n2')];
    await expect.poll(() => native.receivedMessages.length).toBe(3);

    const last = sent[2]!;
    const deleted = await native.call('deleteRemoteMessages', { conversationType: PRIVATE, targetId: 'dl-web', messages: [{ messageUId: last.uid, sentTime: last.sentTime, messageDirection: RECEIVED }] });
    expect(deleted).toMatchObject({ code: 0 });
    expect(await native.call('clearRemoteHistoryMessages', { conversationType: PRIVATE, targetId: 'dl-web', timestamp: sent[0]!.sentTime })).toMatchObject({ code: 0 });
    expect((await native.getRemoteHistory(PRIVATE, 'dl-web', { count: 10 })).list.map((m) => m.messageUId)).toEqual([sent[1]!.uid]);

    const fresh = await connectedWeb('dl-native');
    await fresh.waitForEvent('PULL_OFFLINE_MESSAGE_FINISHED');
    expect(webReceived(fresh).map((m) => m.messageUId)).toEqual([sent[1]!.uid]);
    const peerHistory = await alice.getHistoryMessages(PRIVATE, 'dl-native', { timestamp: 0, count: 10 });
    expect(peerHistory.data!.list.map((m) => m.messageUId)).toEqual(sent.map((s) => s.uid));
  });
});
