// Self-test of the native-SDK harness against a fake RMTP-over-TCP server (no Parley server
// involved): RongCloud's unmodified Electron main-process SDK must run in the child, report its
// results and events, reconnect on its own, reach nothing but loopback, and leave no process behind.

import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeNativeServer, type FakeNativeServer } from './fake-native-server.js';
import { NativeClient, type ClientEvent, type EventName } from './native-client.js';

const APP_KEY = 'harness-app-key';
const PRIVATE = 1;
/** Written out again here so the test does not trust the harness's own check. */
const LOOPBACK_ADDRESS = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]):\d+$/;
/** RongCloud's codes as the wrapper reports them. */
const SOCKET_CLOSED_BY_PEER = 30011;
/** The same drop seen as a reset: the kernel resets a socket closed with bytes it has not read (a ping in flight). */
const TCP_RESET = 32054;
const ACTIVE_DISCONNECT = 2;
/** DISCONNECT statuses the stack sends: a plain disconnect, and one that also stops pushes. */
const DISCONNECT_KEEP_PUSH = 4;
const DISCONNECT_STOP_PUSH = 2;
/** The wrapper reconnects at once after a drop, then every 5 s: well under that means "at once". */
const IMMEDIATE_RECONNECT_MS = 3_000;

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  // Clients first, so none of them sees its server go away and starts reconnecting.
  for (const cleanUp of cleanups.splice(0).reverse()) await cleanUp();
});

async function startServer(): Promise<FakeNativeServer> {
  const server = await startFakeNativeServer();
  cleanups.push(() => server.close());
  return server;
}

async function startClient(server: FakeNativeServer, userId: string): Promise<NativeClient> {
  const client = await NativeClient.start({ appKey: APP_KEY, navigators: [server.naviUrl], deviceId: `device-${userId}`, label: userId });
  cleanups.push(() => client.close());
  return client;
}

async function connectedClient(server: FakeNativeServer, userId: string): Promise<NativeClient> {
  const client = await startClient(server, userId);
  expect(await client.connect(`tok-${userId}@`)).toEqual({ code: 0, userId });
  return client;
}

/** The first event named `name` after the `mark`-th event. */
function eventAfter<N extends EventName>(client: NativeClient, mark: number, name: N): Promise<ClientEvent<N>> {
  return client.waitForEvent(name, (_payload, event) => event.seq >= mark);
}

/**
 * The peer `ip:port` of every connected TCP socket the process holds, read from /proc: this sees the
 * C++ stack's own sockets, which no JavaScript hook does.
 */
function tcpPeersOf(pid: number): string[] {
  const socketInodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) socketInodes.add(inode);
    } catch {
      // Closed between the listing and the read.
    }
  }
  const peers: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [remote, inode] = [fields[2], fields[9]];
      if (remote && inode && socketInodes.has(inode) && !remote.endsWith(':0000')) peers.push(procAddress(remote));
    }
  }
  return peers;
}

/** `0100007F:1F90` → `127.0.0.1:8080`; IPv6 as `[a:b:…]`, an IPv4-mapped one as its IPv4 address. */
function procAddress(hex: string): string {
  const [address = '', port = ''] = hex.split(':');
  const bytes = Buffer.from(address, 'hex');
  // /proc prints each 32-bit word in the machine's (little-endian) order.
  for (let word = 0; word < bytes.length; word += 4) bytes.subarray(word, word + 4).reverse();
  const portNumber = Number.parseInt(port, 16);
  if (bytes.length === 4) return `${[...bytes].join('.')}:${portNumber}`;
  if (bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `${[...bytes.subarray(12)].join('.')}:${portNumber}`;
  }
  const groups = Array.from({ length: 8 }, (_, group) => bytes.readUInt16BE(group * 2).toString(16));
  return `[${groups.join(':').replace(/^(0:)+/, '::')}]:${portNumber}`;
}

describe('native SDK harness', () => {
  it('connects after navigation, with the database opened before onConnected', async () => {
    const server = await startServer();
    const client = await connectedClient(server, 'alice');

    expect(server.naviRequests).toHaveLength(1);
    const [navi] = server.naviRequests;
    expect(navi?.method).toBe('POST');
    expect(navi?.url).toMatch(/^\/v2\/navi\.json\b/);
    expect(navi?.headers['rc-appkey']).toBe(APP_KEY);
    expect(new URLSearchParams(navi?.body).get('token')).toBe('tok-alice@');

    expect(server.framesOf('CONNECT')).toEqual([
      expect.objectContaining({ appKey: APP_KEY, token: 'tok-alice@', clientId: 'device-alice', isReconnect: false, platform: 'desktop' }),
    ]);

    const connecting = await client.waitForEvent('onConnecting');
    const databaseOpened = await client.waitForEvent('databaseOpened');
    const connected = await client.waitForEvent('onConnected');
    expect(connecting.seq).toBeLessThan(databaseOpened.seq);
    expect(databaseOpened.seq).toBeLessThan(connected.seq);
    // A first login creates the user's database; a reconnect only reopens it.
    expect(databaseOpened.payload).toEqual([0, true]);
    const [fromSuspend, cache] = connected.payload;
    expect(fromSuspend).toBe(false);
    expect(cache.crtUserId).toBe('alice');
    expect(existsSync(join(client.dbPath, 'RongCloud', APP_KEY, 'alice'))).toBe(true);

    const log = await client.getLog();
    expect(log.some((entry) => entry.tag.startsWith('P-API_RCConnect'))).toBe(true);
  });

  it('a sent text gets the PUBACK result, and the history the server keeps comes back', async () => {
    const server = await startServer();
    const client = await connectedClient(server, 'alice');

    const sent = await client.sendText(PRIVATE, 'bob', 'hello bob');

    expect(server.texts).toEqual([expect.objectContaining({ fromUserId: 'alice', targetId: 'bob', text: 'hello bob' })]);
    const [stored] = server.texts;
    expect(sent).toMatchObject({ code: 0, messageUId: stored?.messageUId, sentTime: stored?.sentTime });
    expect(sent.message).toMatchObject({ conversationType: PRIVATE, targetId: 'bob', messageType: 'RC:TxtMsg', messageDirection: 1 });

    const history = await client.getRemoteHistory(PRIVATE, 'bob');
    expect(history.code).toBe(0);
    expect(history.list.map(({ messageUId, content, messageDirection }) => ({ messageUId, content, messageDirection }))).toEqual([
      { messageUId: stored?.messageUId, content: { content: 'hello bob' }, messageDirection: 1 },
    ]);
  });

  it('a pushed message arrives once', async () => {
    const server = await startServer();
    const client = await connectedClient(server, 'alice');

    const first = server.pushText('alice', 'bob', 'hi alice');
    await client.waitForEvent('batchMessage', ([messages]) => messages.some((message) => message.messageUId === first.msgId));
    // A second push makes the stack pull again: the first message must not come with it.
    const second = server.pushText('alice', 'bob', 'still there?');
    await client.waitForEvent('batchMessage', ([messages]) => messages.some((message) => message.messageUId === second.msgId));

    expect(client.receivedMessages.map(({ messageUId }) => messageUId)).toEqual([first.msgId, second.msgId]);
    expect(client.receivedMessages[0]).toMatchObject({
      conversationType: PRIVATE,
      targetId: 'bob',
      senderUserId: 'bob',
      messageDirection: 2,
      content: { content: 'hi alice' },
      sentTime: first.dataTime,
    });
  });

  it('reports suspend when the server drops the socket, then reconnects by itself', async () => {
    const server = await startServer();
    const client = await connectedClient(server, 'alice');
    const mark = client.events.length;

    server.dropConnections('alice');

    const suspended = await eventAfter(client, mark, 'onSuspend');
    expect([[SOCKET_CLOSED_BY_PEER], [TCP_RESET]]).toContainEqual(suspended.payload);
    const reconnected = await eventAfter(client, mark, 'onConnected');
    expect(reconnected.payload[0]).toBe(true);
    expect(reconnected.at - suspended.at).toBeLessThan(IMMEDIATE_RECONNECT_MS);
    expect(client.payloadsOf('onDisconnected')).toEqual([]);
    expect(server.framesOf('CONNECT').map(({ isReconnect }) => isReconnect)).toEqual([false, true]);
    // The new session works.
    expect((await client.sendText(PRIVATE, 'bob', 'back again')).code).toBe(0);
  });

  it('disconnect and logout each send their DISCONNECT', async () => {
    const server = await startServer();
    const client = await connectedClient(server, 'alice');

    // The stack sends its DISCONNECT from its own thread: on a machine busy with the whole suite
    // that can take longer than expect.poll's default second.
    await client.disconnect();
    await expect.poll(() => server.framesOf('DISCONNECT').map(({ status }) => status), { timeout: 10_000 }).toEqual([DISCONNECT_KEEP_PUSH]);
    expect(client.payloadsOf('onDisconnected')).toEqual([[ACTIVE_DISCONNECT]]);

    expect(await client.connect('tok-alice@')).toEqual({ code: 0, userId: 'alice' });
    await client.logout();
    await expect
      .poll(() => server.framesOf('DISCONNECT').map(({ status }) => status), { timeout: 10_000 })
      .toEqual([DISCONNECT_KEEP_PUSH, DISCONNECT_STOP_PUSH]);
  });

  it('reaches nothing but loopback, even when told of outside hosts', async () => {
    const server = await startServer();
    const client = await startClient(server, 'alice');
    const pid = client.pid ?? -1;

    // The navigation host after `@` comes before the configured navigators.
    expect(await client.connect('tok-alice@nav.outside.example')).toEqual({ code: 0, userId: 'alice' });

    const peers = tcpPeersOf(pid);
    expect(peers).toContain(`127.0.0.1:${server.tcpPort}`);
    for (const peer of peers) expect(peer).toMatch(LOOPBACK_ADDRESS);
    expect(client.connections.length).toBeGreaterThan(0);
    for (const { sentTo } of client.connections) expect(sentTo).toMatch(LOOPBACK_ADDRESS);
    expect(client.stackAddresses).toEqual([{ address: `127.0.0.1:${server.tcpPort}`, redirectedToClosedPort: false }]);
    // What the SDK tried to reach outside: RongCloud's cloud control at init, and the token's host.
    expect(client.outsideRequests.map((request) => ('host' in request ? request.host : request.address)).sort()).toEqual([
      'dualstack-cloudcontrol.rong-edge.com',
      'nav.outside.example',
    ]);
    expect(client.httpRequests.filter((request) => !request.loopback).map(({ method, url }) => `${method} ${url}`).sort()).toEqual([
      'POST https://dualstack-cloudcontrol.rong-edge.com/v1/config',
      'POST https://nav.outside.example/v2/navi.json?cloud=0',
    ]);
  });

  it('close() disconnects, ends the child cleanly and removes its database', async () => {
    const server = await startServer();
    const client = await connectedClient(server, 'alice');
    const idle = await startClient(server, 'bob');
    const pids = [client.pid ?? -1, idle.pid ?? -1];

    await client.close();
    await idle.close();

    // A crash of the binding at exit would show as SIGSEGV or SIGABRT, connected or not.
    expect([client.exitStatus, idle.exitStatus]).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect([existsSync(client.dbPath), existsSync(idle.dbPath)]).toEqual([false, false]);
    expect(server.framesOf('DISCONNECT').map(({ status }) => status)).toEqual([DISCONNECT_KEEP_PUSH]);
    await expect(client.sendText(PRIVATE, 'bob', 'too late')).rejects.toThrow(/exited with code 0/);
  });
});
