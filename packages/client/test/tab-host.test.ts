import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionStatus, DatabaseOpenStatus, type Message } from '@parley/client';
import { nodeEnvironment } from '../src/node-environment.js';
import { TabHost } from '../src/tabs/tab-host.js';
import type { HostToTab, TabToHost } from '../src/tabs/tab-protocol.js';
import { freePort } from '../../server/test/support/free-port.js';
import { callServerApi } from '../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { connectedDevice } from './support/connected-device.js';

/**
 * The host of the tabs' shared connection (the shared worker's or the leader tab's), run in Node on
 * SQLite against a real server: the tabs are message queues, as a shared worker's ports are.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const text = (content: string) => ({ objectName: 'RC:TxtMsg', content: { content } });

async function server(): Promise<TestServer> {
  const started = await startTestServer();
  cleanups.push(() => started.stop());
  return started;
}

async function tokenFor(s: TestServer, userId: string): Promise<string> {
  return String((await callServerApi(s.url, 'user/getToken', { userId }, s.devApp)).body.token);
}

async function gatewayConnections(s: TestServer): Promise<number> {
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  return Number(/^parley_gateway_connections (\d+)/m.exec(metrics)?.[1] ?? 'NaN');
}

/** A host with what each tab was told; `gone` ends a tab as its closing would. */
function hostOn(dataDir: string) {
  const told = new Map<string, HostToTab[]>();
  const watchers = new Map<string, () => void>();
  const host = new TabHost(
    {
      send: (tab, message) => told.set(tab, [...(told.get(tab) ?? []), message]),
      watchTab: (tab, gone) => watchers.set(tab, gone),
    },
    nodeEnvironment,
  );
  cleanups.push(() => {
    for (const gone of watchers.values()) gone();
  });
  const heard = (tab: string) => told.get(tab) ?? [];
  return {
    host,
    heard,
    gone: (tab: string) => watchers.get(tab)?.(),
    connect(s: TestServer, tab: string, token: string, userId?: string, resume = false): void {
      const message: TabToHost = { kind: 'connect', tab, request: 1, appKey: s.devApp.appKey, options: { dataDir }, token, userId, resume };
      host.receive({ kind: 'hello', tab });
      host.receive(message);
    },
    /** Runs a forwarded call and waits for its answer. */
    async call(tab: string, request: number, method: (TabToHost & { kind: 'call' })['method'], args: unknown[], clientId?: string): Promise<HostToTab & { kind: 'result' }> {
      host.receive({ kind: 'call', tab, request, method, args, clientId });
      let result: (HostToTab & { kind: 'result' }) | undefined;
      await expect.poll(() => (result = heard(tab).find((m): m is HostToTab & { kind: 'result' } => m.kind === 'result' && m.request === request))).toBeDefined();
      return result!;
    },
    messagesOf: (tab: string) => heard(tab).flatMap((m) => (m.kind === 'event' && m.event === 'message' ? (m.payload as Message[]) : [])),
  };
}

describe('the tab host', () => {
  it('gives three tabs of one user one connection: the later ones are answered at once, all hear each message once, the last to leave closes it', async () => {
    const s = await server();
    const bob = await connectedDevice(s, 'bob', cleanups);
    const dir = makeTempDir('parley-tab-host-');
    cleanups.push(dir.remove);
    const tabs = hostOn(dir.path);
    const token = await tokenFor(s, 'carol');

    tabs.connect(s, 'a', token);
    await expect.poll(() => tabs.heard('a').some((m) => m.kind === 'connected')).toBe(true);
    // The same token (a reload) is known; another token names its user.
    tabs.connect(s, 'b', token);
    tabs.connect(s, 'c', await tokenFor(s, 'carol'), 'carol');
    for (const tab of ['b', 'c']) {
      await expect.poll(() => tabs.heard(tab).map((m) => m.kind)).toEqual(['database-opened', 'status', 'connected']);
      expect(tabs.heard(tab)).toEqual([
        { kind: 'database-opened', request: 1, status: DatabaseOpenStatus.DATABASE_OPEN_SUCCESS, userId: 'carol' },
        { kind: 'status', status: ConnectionStatus.CONNECTED, code: undefined },
        { kind: 'connected', request: 1, userId: 'carol' },
      ]);
    }
    await expect.poll(() => gatewayConnections(s)).toBe(2);
    // Another user in the same browser has a connection of their own.
    tabs.connect(s, 'd', await tokenFor(s, 'dave'), 'dave');
    await expect.poll(() => tabs.heard('d').map((m) => m.kind)).toContain('connected');
    await expect.poll(() => gatewayConnections(s)).toBe(3);
    tabs.host.receive({ kind: 'leave', tab: 'd' });
    await expect.poll(() => gatewayConnections(s)).toBe(2);

    await bob.c.sendMessage(1, 'carol', text('to every tab'));
    for (const tab of ['a', 'b', 'c']) await expect.poll(() => tabs.messagesOf(tab).map((m) => m.messageUId)).toHaveLength(1);

    // A send from one tab: its result to it, the message to the other two, once to bob.
    const sent = await tabs.call('b', 2, 'sendMessage', [1, 'bob', text('from tab b')], '4242');
    expect(sent).toMatchObject({ ok: true, value: { clientId: '4242', targetId: 'bob' } });
    await expect.poll(() => bob.received.filter((m) => m.messageUId === (sent as { value: Message }).value.messageUId)).toHaveLength(1);
    expect(tabs.messagesOf('a').map((m) => m.clientId)).toContain('4242');
    expect(tabs.messagesOf('b').map((m) => m.clientId)).not.toContain('4242');

    // A history call runs on the shared database.
    const history = await tabs.call('c', 3, 'getHistoryMessages', [1, 'bob', { count: 10 }]);
    expect(history.ok && (history.value as Message[]).map((m) => (m.content as { content: string }).content)).toEqual(['from tab b', 'to every tab']);

    tabs.host.receive({ kind: 'leave', tab: 'a' });
    tabs.gone('b');
    await expect.poll(() => gatewayConnections(s)).toBe(2);
    tabs.host.receive({ kind: 'leave', tab: 'c' });
    await expect.poll(() => gatewayConnections(s)).toBe(1);
  });

  it('a send queued by a host that died is sent once when the next host is asked again with the same client id', async () => {
    const s = await server();
    const bob = await connectedDevice(s, 'bob', cleanups);
    const dir = makeTempDir('parley-tab-host-');
    cleanups.push(dir.remove);
    const token = await tokenFor(s, 'carol');

    // The first host cannot reach the server (its token names a closed port): the send is only queued.
    const first = hostOn(dir.path);
    const unreachable = token.replace(/@.*$/, `@http://127.0.0.1:${await freePort()}`);
    first.connect(s, 'a', unreachable, 'carol');
    await expect.poll(() => first.heard('a').some((m) => m.kind === 'database-opened')).toBe(true);
    first.host.receive({ kind: 'call', tab: 'a', request: 2, method: 'sendMessage', args: [1, 'bob', text('queued, then the host died')], clientId: '777' });
    first.gone('a');

    const next = hostOn(dir.path);
    next.connect(s, 'a', token, 'carol', true);
    const again = await next.call('a', 2, 'sendMessage', [1, 'bob', text('queued, then the host died')], '777');
    expect(again).toMatchObject({ ok: true, value: { clientId: '777' } });
    const queued = (m: Message) => (m.content as { content: string }).content === 'queued, then the host died';
    await expect.poll(() => bob.received.filter(queued)).toHaveLength(1);

    // Asked a third time, after it was sent: answered from the database, not sent again.
    const third = await next.call('a', 3, 'sendMessage', [1, 'bob', text('queued, then the host died')], '777');
    expect(third).toMatchObject({ ok: true, value: { clientId: '777', messageUId: (again as { value: Message }).value.messageUId } });
    // Anything sent twice would reach bob before this, which carol's connection sends after it.
    await next.call('a', 4, 'sendMessage', [1, 'bob', text('a later one')], '778');
    await expect.poll(() => bob.received.map((m) => (m.content as { content: string }).content)).toContain('a later one');
    expect(bob.received.filter(queued)).toHaveLength(1);
  });
});
