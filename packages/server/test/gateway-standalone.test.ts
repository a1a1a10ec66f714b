import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AckStatus, DisconnectStatus, Topic, type ServerFrame } from '@parley/protocol';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../src/bus/bus.js';
import { createLocalBus } from '../src/bus/local/local-bus.js';
import { AppService } from '../src/core/apps/app-service.js';
import { SessionService, type ConnectRequest, type OpenResult } from '../src/core/sessions/session-service.js';
import { UserService } from '../src/core/users/user-service.js';
import { Gateway } from '../src/gateway/gateway.js';
import { serveWebSocket } from '../src/gateway/transports/websocket-transport.js';
import type { PublishAnswer, QueryAnswer } from '../src/gateway/topics/topic-handler.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { AppRecord, Store } from '../src/store/store.js';
import { RawClient } from './support/raw-client.js';
import { makeTempDir } from './support/temp-dir.js';

/**
 * A Gateway on real core services over SQLite, with no server around it: its query and send
 * handlers wait until the test releases them, so "in flight" is exact, and admission can be held
 * after it has read the app, to stage a change that lands meanwhile.
 */
const dir = makeTempDir('parley-gateway-');
let store: Store;
let bus: Bus;
let users: UserService;
/** Another process on the same store, as the CLI is: its changes reach no bus. */
let cli: AppService;
let sessions: HeldSessions;
let httpServer: Server;
let gateway: Gateway;
let url: string;
let app: AppRecord;
const opened: RawClient[] = [];

/** Handlers park here until `release()`. */
const parked: (() => void)[] = [];
const park = () => new Promise<void>((resolve) => parked.push(resolve));
function release(): void {
  for (const resume of parked.splice(0)) resume();
}

/** Admission that, when `hold` is set, waits for it after deciding (and so after reading the app). */
class HeldSessions extends SessionService {
  hold: Promise<void> | undefined;

  override async open(request: ConnectRequest): Promise<OpenResult> {
    const result = await super.open(request);
    await this.hold;
    return result;
  }
}

beforeAll(async () => {
  store = openSqliteStore(join(dir.path, 'parley.sqlite'));
  bus = createLocalBus();
  const apps = new AppService(store, Date.now, bus);
  users = new UserService(store, bus);
  cli = new AppService(store);
  app = await apps.create({ name: 'gateway' });
  sessions = new HeldSessions(apps, users, bus);
  httpServer = createServer();
  gateway = new Gateway({
    sessions,
    bus,
    logger: pino({ enabled: false }),
    metrics: new Registry(),
    queries: {
      [Topic.qryPMsg]: async (): Promise<QueryAnswer> => {
        await park();
        return { status: AckStatus.SUCCESS, payload: Uint8Array.of(1) };
      },
    },
    publishes: {
      [Topic.ppMsgP]: async (): Promise<PublishAnswer> => {
        await park();
        return { status: AckStatus.SUCCESS, messageUId: 'uid', sentTime: Date.now() };
      },
    },
    now: Date.now,
  });
  serveWebSocket(httpServer, gateway, () => '127.0.0.1');
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});
// A test that failed midway must not leave its handlers parked for the next one.
afterEach(release);
afterAll(async () => {
  for (const client of opened) client.close();
  await gateway.close();
  await new Promise((resolve) => httpServer.close(resolve));
  await store.close();
  dir.remove();
});

async function open(): Promise<RawClient> {
  const client = await RawClient.open(url);
  opened.push(client);
  return client;
}

async function connected(userId: string, options: { of?: AppRecord; platform?: 'desktop' | 'mobile' } = {}): Promise<RawClient> {
  const of = options.of ?? app;
  const client = await open();
  const token = await users.issueToken(of, userId, {}, 'http://127.0.0.1');
  expect(await client.connect(of.appKey, token, { platform: options.platform })).toMatchObject({ type: 'CONNACK', status: 0 });
  return client;
}

const query = (client: RawClient, messageId: number) =>
  client.send({ type: 'QUERY', topic: Topic.qryPMsg, targetId: 'peer', messageId, payload: new Uint8Array(0) });
const publish = (client: RawClient, messageId: number) =>
  client.send({ type: 'PUBLISH', header: { qos: 1 }, topic: Topic.ppMsgP, targetId: 'peer', messageId, payload: new Uint8Array(0) });
const ackOf = (client: RawClient, type: 'QUERYACK' | 'PUBACK', messageId: number) =>
  client.nextFrame((f) => f.type === type && f.messageId === messageId);
const acks = (client: RawClient, type: ServerFrame['type']) => client.frames.filter((f) => f.type === type);

async function stillServed(client: RawClient): Promise<void> {
  const before = client.frames.length;
  client.send({ type: 'PINGREQ' });
  await client.nextFrame((f) => f.type === 'PINGRESP' && client.frames.indexOf(f) >= before);
}

async function redirectedAndClosed(client: RawClient): Promise<void> {
  expect(await client.nextFrame((f) => f.type === 'DISCONNECT', 2000)).toMatchObject({ status: DisconnectStatus.REDIRECT });
  expect(await client.closed).toBe(1000);
}

describe('gateway: frames in flight per connection', () => {
  it('runs 8 queries at once, queues 32 more in order, answers the next at once with 20604, and keeps the connection', async () => {
    const client = await connected('pipelining-reader');
    for (let id = 1; id <= 42; id++) query(client, id);
    for (const id of [41, 42]) {
      expect(await ackOf(client, 'QUERYACK', id)).toMatchObject({ status: AckStatus.SEND_FREQUENCY_TOO_FAST, payload: new Uint8Array(0) });
    }
    await stillServed(client);
    expect(acks(client, 'QUERYACK')).toHaveLength(2);
    expect(parked).toHaveLength(8);

    // Each release lets the next 8 waiting queries run, first come first served.
    for (let round = 0; round < 5; round++) {
      await expect.poll(() => parked.length).toBe(8);
      release();
    }
    const answered = acks(client, 'QUERYACK').filter((f) => f.type === 'QUERYACK' && f.status === 0);
    await expect.poll(() => acks(client, 'QUERYACK').length).toBe(42);
    expect(acks(client, 'QUERYACK').flatMap((f) => (f.type === 'QUERYACK' && f.status === 0 ? [f.messageId] : []))).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    expect(answered.length).toBeLessThanOrEqual(40);
    expect(client.closeCode).toBeUndefined();
  });

  it('lets 128 sends be in flight, answers the next with PUBACK 20604, counted apart from queries', async () => {
    const client = await connected('pipelining-sender');
    for (let id = 1; id <= 8; id++) query(client, id);
    for (let id = 1001; id <= 1130; id++) publish(client, id);
    for (const id of [1129, 1130]) {
      expect(await ackOf(client, 'PUBACK', id)).toMatchObject({ status: AckStatus.SEND_FREQUENCY_TOO_FAST, messageUId: '' });
    }
    await stillServed(client);
    expect(parked).toHaveLength(8 + 128);
    expect(acks(client, 'QUERYACK')).toHaveLength(0);

    release();
    for (let id = 1001; id <= 1128; id++) expect(await ackOf(client, 'PUBACK', id)).toMatchObject({ status: 0, messageUId: 'uid' });
    for (let id = 1; id <= 8; id++) expect(await ackOf(client, 'QUERYACK', id)).toMatchObject({ status: 0 });
    expect(client.closeCode).toBeUndefined();
  });

  it('counts per connection: a busy connection does not hold back another of the same user', async () => {
    const busy = await connected('shared-user');
    const other = await connected('shared-user', { platform: 'mobile' });
    for (let id = 1; id <= 41; id++) query(busy, id);
    expect(await ackOf(busy, 'QUERYACK', 41)).toMatchObject({ status: AckStatus.SEND_FREQUENCY_TOO_FAST });
    query(other, 1);
    await expect.poll(() => parked.length).toBe(9);
    for (let round = 0; round < 5; round++) release();
    expect(await ackOf(other, 'QUERYACK', 1)).toMatchObject({ status: 0 });
  });
});

describe('gateway: sessions of a changed app', () => {
  it('after a bus outage (resync), ends the sessions of an app blocked meanwhile, and only those', async () => {
    const changed = await cli.create({ name: 'blocked-unannounced' });
    const doomed = await connected('resync-user', { of: changed });
    const bystander = await connected('resync-user');
    await cli.setState(changed.appKey, 'blocked');
    await bus.publish({ kind: 'resync' });
    await redirectedAndClosed(doomed);
    await stillServed(bystander);
  });

  it('checks again a connect that read the app before a change and registered after the check', async () => {
    const changed = await cli.create({ name: 'blocked-mid-connect' });
    const token = await users.issueToken(changed, 'late-user', {}, 'http://127.0.0.1');
    let admit!: () => void;
    sessions.hold = new Promise((resolve) => (admit = resolve));
    const late = await open();
    const connack = late.connect(changed.appKey, token);
    // Admission has read the app (still active) and waits; the app is blocked and checked meanwhile.
    await expect.poll(async () => (await bus.presence.sessionsOf(changed.appKey, 'late-user')).length).toBe(1);
    await cli.setState(changed.appKey, 'blocked');
    await gateway.appChanged(changed.appKey);
    sessions.hold = undefined;
    admit();
    expect(await connack).toMatchObject({ status: 0 });
    await redirectedAndClosed(late);
  });
});
