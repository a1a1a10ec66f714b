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
const CONNACK_TYPE = 2;
const CONNACK_STATUS_REDIRECT_REJECTED = 9;

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

async function startConnackServer(status: number) {
  const connectionUrls: string[] = [];
  const server = createServer();
  const sockets = new WebSocketServer({ server, path: '/websocket' });
  sockets.on('connection', (socket, request) => {
    connectionUrls.push(request.url ?? '');
    socket.send(Buffer.from([CONNACK_TYPE << 4, 0x00, status]));
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
    const gateway = await startConnackServer(CONNACK_STATUS_REDIRECT_REJECTED);
    const navigation = await startNavigationServer({
      status: 200,
      json: {
        code: 200,
        serverAddr: [{ addr: `127.0.0.1:${gateway.port}`, protocol: 5, weight: 100 }],
        openHistoryMsg: 1,
        historyMsg: true,
      },
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
    const navigation = await startNavigationServer({ status: 401 });
    const client = await startClient({ appKey: APP_KEY, label: 'carol' });

    expect(await client.connect(`carol-token@${navigation.url}`)).toEqual({ code: 31004 });

    expect(navigation.received).toHaveLength(1);
    expect(navigation.received[0]?.method).toBe('POST');
    expect(navigation.received[0]?.url).toMatch(/^\/v2\/navi\.json/);
    expect(new URLSearchParams(navigation.received[0]?.body).get('token')).toBe('carol-token@');
    expectOnlyLoopbackTraffic(client);
  });

  it('fails clearly when an awaited event does not come', async () => {
    const client = await startClient({ appKey: APP_KEY, label: 'dave' });

    await expect(client.waitForEvent('CONNECTED', undefined, 200)).rejects.toThrow(
      /dave: timed out after 200 ms waiting for event CONNECTED\.\nEvents seen \(\d+\):/,
    );
  });
});
