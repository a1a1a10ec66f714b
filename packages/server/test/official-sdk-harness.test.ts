// Self-test of the official-SDK harness against stub servers (no Parley server involved): the
// unmodified RongCloud Web SDK must run in the child, report its results and events, record its
// traffic, and reach nothing but loopback.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { OfficialClient } from './support/official-sdk/official-client.js';

const APP_KEY = 'harness-app-key';
/** `URL.hostname` of a loopback address; written out again here so the test does not trust the harness. */
const LOOPBACK_HOSTNAME = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;
const FRAME_TYPE = { CONNACK: 2, PUBLISH: 3, PUBACK: 4, QUERY: 5, QUERYACK: 6 } as const;
const CONNACK_STATUS_REDIRECT_REJECTED = 9;
/** RongCloud's OPERATION_NOT_SUPPORT; the SDK tolerates it as an answer to any query. */
const STATUS_NOT_SUPPORTED = 20606;

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanUp) => cleanUp()));
});

async function startClient(options: Parameters<typeof OfficialClient.start>[0]): Promise<OfficialClient> {
  const client = await OfficialClient.start(options);
  cleanups.push(() => client.close());
  return client;
}

async function startNavigationServer(answer: { status: number; json?: unknown }) {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      response.statusCode = answer.status;
      if (answer.json === undefined) {
        response.end();
      } else {
        response.setHeader('Content-Type', 'application/json');
        response.end(JSON.stringify(answer.json));
      }
    });
  });
  const port = await listenOnLoopback(server);
  cleanups.push(() => closeServer(server));
  return { url: `http://127.0.0.1:${port}`, port, received };
}

/** A successful navigation answer that points the SDK at a plain-`ws` gateway on loopback. */
function navigationAnswer(gatewayPort: number) {
  return {
    code: 200,
    serverAddr: [{ addr: `127.0.0.1:${gatewayPort}`, protocol: 5, weight: 100 }],
    openHistoryMsg: 1,
    historyMsg: true,
  };
}

/** A u16-length-prefixed UTF-8 string, as in every frame. */
function frameString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function connackFrame(status: number): Buffer {
  return Buffer.from([FRAME_TYPE.CONNACK << 4, 0x00, status]);
}

function acceptingConnackFrame(userId: string): Buffer {
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64BE(BigInt(Date.now()));
  return Buffer.concat([connackFrame(0), frameString(userId), frameString(`session-${userId}`), timestamp]);
}

/**
 * Answers a client PUBLISH with a successful PUBACK and a client QUERY with a QUERYACK refusing it,
 * so the SDK's calls settle without any protobuf on the server side.
 */
function answerClientFrame(frame: Buffer): Buffer | null {
  const type = (frame[0] ?? 0) >> 4;
  if (type !== FRAME_TYPE.PUBLISH && type !== FRAME_TYPE.QUERY) return null;
  const topicEnd = 3 + frame.readUInt16BE(1);
  const targetIdEnd = topicEnd + 2 + frame.readUInt16BE(topicEnd);
  const messageId = frame.readUInt16BE(targetIdEnd);
  const now = Date.now();
  const header = Buffer.alloc(8);
  header.writeUInt16BE(messageId, 0);
  header.writeUInt32BE(Math.floor(now / 1000), 2);
  if (type === FRAME_TYPE.QUERY) {
    header.writeUInt16BE(STATUS_NOT_SUPPORTED, 6);
    return Buffer.concat([Buffer.from([FRAME_TYPE.QUERYACK << 4]), header]);
  }
  const millis = Buffer.alloc(2);
  millis.writeUInt16BE(now % 1000);
  return Buffer.concat([Buffer.from([FRAME_TYPE.PUBACK << 4]), header, millis, frameString(`UID-${messageId}`)]);
}

/** A WebSocket gateway stub on `/websocket` that sends `connack` first, then answers frames. */
async function startGateway(connack: Buffer) {
  const connectionUrls: string[] = [];
  const server = createServer();
  const sockets = new WebSocketServer({ server, path: '/websocket' });
  sockets.on('connection', (socket, request) => {
    connectionUrls.push(request.url ?? '');
    socket.send(connack);
    socket.on('message', (frame: Buffer) => {
      const answer = answerClientFrame(frame);
      if (answer) socket.send(answer);
    });
  });
  const port = await listenOnLoopback(server);
  cleanups.push(async () => {
    for (const socket of sockets.clients) socket.terminate();
    sockets.close();
    await closeServer(server);
  });
  return { port, connectionUrls };
}

async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Every request and socket the SDK opened either stayed on loopback or went to the closed port. */
function expectOnlyLoopbackTraffic(client: OfficialClient): void {
  const opened = [...client.httpRequests, ...client.webSockets];
  expect(opened.length).toBeGreaterThan(0);
  for (const { originalUrl, url, redirectedToClosedPort } of opened) {
    const sentTo = new URL(url);
    expect(LOOPBACK_HOSTNAME.test(sentTo.hostname), url).toBe(true);
    if (LOOPBACK_HOSTNAME.test(new URL(originalUrl).hostname)) {
      expect(redirectedToClosedPort).toBe(false);
      expect(url).toBe(originalUrl);
    } else {
      expect(redirectedToClosedPort, originalUrl).toBe(true);
      expect(sentTo.host).toBe('127.0.0.1:1');
    }
  }
  expect(client.payloadsOf('harness:blocked-connection')).toEqual([]);
}

describe('official Web SDK harness', () => {
  it('reports 31004 when navigation answers 401, and records the navigation request', async () => {
    const navigation = await startNavigationServer({ status: 401 });
    const client = await startClient({ appKey: APP_KEY, navigators: [navigation.url], label: 'alice' });

    const token = 'token+with/special=chars';
    expect(await client.connect(token)).toEqual({ code: 31004 });
    expect((await client.waitForEvent('DISCONNECT')).payload).toBe(31004);

    const naviRequests = client.httpRequests.filter((request) => request.originalUrl.startsWith(navigation.url));
    expect(naviRequests).toHaveLength(1);
    const [naviRequest] = naviRequests;
    expect(naviRequest?.method).toBe('POST');
    expect(new URL(naviRequest?.url ?? '').pathname).toBe('/v2/navi.json');
    expect(naviRequest?.headers['RC-Appkey']).toBe(APP_KEY);
    expect(naviRequest?.body).toMatch(/^token=/);
    expect(new URLSearchParams(naviRequest?.body ?? '').get('token')).toBe(token);

    expect(navigation.received).toHaveLength(1);
    expect(navigation.received[0]?.headers['rc-appkey']).toBe(APP_KEY);
    expectOnlyLoopbackTraffic(client);
  });

  it('reports the CONNACK status as 31009 and records the WebSocket URL', async () => {
    const gateway = await startGateway(connackFrame(CONNACK_STATUS_REDIRECT_REJECTED));
    const navigation = await startNavigationServer({
      status: 200,
      json: navigationAnswer(gateway.port),
    });
    const client = await startClient({ appKey: APP_KEY, navigators: [navigation.url], label: 'bob' });

    expect(await client.connect('bob-token')).toEqual({ code: 31009 });

    const gatewaySockets = client.webSockets.filter((socket) => !socket.redirectedToClosedPort);
    expect(gatewaySockets).toHaveLength(1);
    const socketUrl = new URL(gatewaySockets[0]?.url ?? '');
    expect(socketUrl.host).toBe(`127.0.0.1:${gateway.port}`);
    expect(socketUrl.pathname).toBe('/websocket');
    expect(socketUrl.searchParams.get('appId')).toBe(APP_KEY);
    expect(socketUrl.searchParams.get('token')).toBe('bob-token');
    expect(gateway.connectionUrls).toEqual([`${socketUrl.pathname}${socketUrl.search}`]);
    expectOnlyLoopbackTraffic(client);
  });

  it('finds the navigation server from the token suffix when no navigators are configured', async () => {
    const gateway = await startGateway(connackFrame(CONNACK_STATUS_REDIRECT_REJECTED));
    const navigation = await startNavigationServer({ status: 200, json: navigationAnswer(gateway.port) });
    const client = await startClient({ appKey: APP_KEY, label: 'carol' });

    const token = `carol-token@${navigation.url}`;
    expect(await client.connect(token)).toEqual({ code: 31009 });

    expect(navigation.received).toHaveLength(1);
    expect(navigation.received[0]?.method).toBe('POST');
    expect(navigation.received[0]?.url).toBe('/v2/navi.json?cloud=0');
    // Navigation gets the whole token; the gateway gets it without the hosts after the '@'.
    expect(new URLSearchParams(navigation.received[0]?.body).get('token')).toBe(token);
    expect(gateway.connectionUrls).toHaveLength(1);
    expect(new URL(gateway.connectionUrls[0] ?? '', 'ws://gateway').searchParams.get('token')).toBe('carol-token@');
    expectOnlyLoopbackTraffic(client);
  });

  it('drives sending, history, the conversation list and disconnecting through the child', async () => {
    const gateway = await startGateway(acceptingConnackFrame('erin'));
    const navigation = await startNavigationServer({ status: 200, json: navigationAnswer(gateway.port) });
    const client = await startClient({ appKey: APP_KEY, navigators: [navigation.url], label: 'erin' });

    expect(await client.connect('erin-token')).toEqual({ code: 0, userId: 'erin' });
    await client.waitForEvent('CONNECTED');

    const sent = await client.sendText(1, 'frank', 'hello frank');
    expect(sent.code).toBe(0);
    expect(sent.data).toMatchObject({
      conversationType: 1,
      targetId: 'frank',
      senderUserId: 'erin',
      messageType: 'RC:TxtMsg',
      content: { content: 'hello frank' },
      messageUId: expect.stringMatching(/^UID-\d+$/),
    });
    await client.waitForEvent('CONVERSATION', (payload) =>
      payload.conversationList.some(({ conversation }) => conversation.targetId === 'frank'),
    );

    expect((await client.getHistoryMessages(1, 'frank', { count: 5 })).code).toBe(STATUS_NOT_SUPPORTED);
    expect((await client.getConversationList()).code).toBe(STATUS_NOT_SUPPORTED);

    const mark = client.events.length;
    await client.disconnect();
    await client.waitForEvent('DISCONNECT', (_code, event) => event.seq >= mark);
    expect(client.payloadsOf('harness:error')).toEqual([]);
    expectOnlyLoopbackTraffic(client);
  });

  it('fails clearly when an awaited event does not come', async () => {
    const client = await startClient({ appKey: APP_KEY, label: 'dave' });

    await expect(client.waitForEvent('CONNECTED', undefined, 200)).rejects.toThrow(
      /dave: timed out after 200 ms waiting for event CONNECTED\.\nEvents seen \(\d+\):/,
    );
  });
});
