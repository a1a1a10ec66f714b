import { once } from 'node:events';
import https from 'node:https';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { connectThroughProxy, ProxyUnavailableError, type ConnectThroughProxyOptions } from './connect-through-proxy.js';
import type { ProxyCredentials, ProxyOptions } from './proxy-options.js';
import { webSocketOptionsForProxy } from './websocket-through-proxy.js';

// Everything here listens on and connects to 127.0.0.1 only. The fake proxies resolve host names from
// a fixed table instead of DNS, so `localhost` can be sent as a SOCKS5 domain name and stay on IPv4.
const LOOPBACK = '127.0.0.1';
const FAKE_PROXY_HOSTS: Record<string, string> = { localhost: LOOPBACK, [LOOPBACK]: LOOPBACK };

// A self-signed certificate for localhost and 127.0.0.1 (EC P-256, valid until 2126), for wss:// tests.
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+M8vBH5gNhOeZOGP
qVD0tMyKf8hJQkK3V9ZL/oQJX+ChRANCAAT6mrcE6iRNV5Oz2XtZOryDx/PAcw2k
ZRwiBVIc50RcYTYvSo3GbOidVEzilBzAigdeO7vSevFERfLc43x3eoHc
-----END PRIVATE KEY-----`;
const TLS_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUc4wqXKcCSmoYXlzPlvkvmeATVgIwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMjAzMDQwMFoYDzIxMjYxMDI5
MDMwNDAwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAT6mrcE6iRNV5Oz2XtZOryDx/PAcw2kZRwiBVIc50RcYTYvSo3GbOid
VEzilBzAigdeO7vSevFERfLc43x3eoHco28wbTAdBgNVHQ4EFgQUAdmHLf5+DxIg
YuppmPzKinN+13AwHwYDVR0jBBgwFoAUAdmHLf5+DxIgYuppmPzKinN+13AwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIgRdDxMDOwU/Wi/J14+9yc8+Urlx+NOJQomLDhiFYnHRMCIQDr
zYWVxvlheK8Z8p9p4VdPgORn60irFu/mWS044U8DIg==
-----END CERTIFICATE-----`;

const CREDENTIALS: ProxyCredentials = { username: 'alice', password: 'correct horse' };

// ---------------------------------------------------------------------------------------------------
// Loopback servers

interface LoopbackServer {
  port: number;
  /** Connections currently open on the server side, including those a proxy opened upstream. */
  connections: Set<net.Socket>;
  track(socket: net.Socket): void;
  close(): Promise<void>;
}

const serversToClose: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(serversToClose.splice(0).map((server) => server.close()));
});

async function listenOnLoopback(onConnection: (socket: net.Socket, server: LoopbackServer) => void): Promise<LoopbackServer> {
  const tcpServer = net.createServer();
  const connections = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    // A peer resetting the connection is part of several tests; it must not crash the run.
    socket.on('error', () => socket.destroy());
  };
  tcpServer.listen(0, LOOPBACK);
  await once(tcpServer, 'listening');
  const server: LoopbackServer = {
    port: (tcpServer.address() as net.AddressInfo).port,
    connections,
    track,
    close: async () => {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => tcpServer.close(() => resolve()));
    },
  };
  tcpServer.on('connection', (socket) => {
    track(socket);
    onConnection(socket, server);
  });
  serversToClose.push(server);
  return server;
}

/** Keeps a connection open without answering; reading (and discarding) lets it see the client hang up. */
function acceptAndIgnore(socket: net.Socket): void {
  socket.resume();
}

/** A loopback port with nothing listening on it. */
async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer().listen(0, LOOPBACK);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Reads exact amounts from a socket: the fake proxies' side of a handshake. */
class SocketReader {
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly onData = (chunk: Buffer): void => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.wake?.();
  };
  private readonly onClose = (): void => {
    this.closed = true;
    this.wake?.();
  };

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
  }

  async take(count: number): Promise<Buffer> {
    await this.waitFor(() => this.buffered.length >= count);
    const taken = this.buffered.subarray(0, count);
    this.buffered = this.buffered.subarray(count);
    return taken;
  }

  async takeThrough(delimiter: string, limit: number): Promise<string> {
    await this.waitFor(() => {
      if (this.buffered.length > limit) throw new Error('request head too large');
      return this.buffered.includes(delimiter);
    });
    const end = this.buffered.indexOf(delimiter) + delimiter.length;
    const taken = this.buffered.toString('latin1', 0, end);
    this.buffered = this.buffered.subarray(end);
    return taken;
  }

  /** Stops reading; returns what was received beyond the handshake. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    return this.buffered;
  }

  private async waitFor(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.closed) throw new Error('client closed the connection');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Fake proxies

interface FakeProxyBehaviour {
  /** Demand these credentials. */
  credentials?: ProxyCredentials;
  /** Refuse every target: SOCKS5 reply 05 (connection refused), HTTP 502. */
  refuseTarget?: boolean;
  /** Send handshake replies one byte per write, with pauses, so they arrive in pieces. */
  replyByteByByte?: boolean;
  /** Wait this long before each handshake reply. */
  replyDelayMs?: number;
  /** Instead of connecting to the target, send these bytes in the same write as the success reply, then end. */
  tunnelBytesThenEnd?: string;
}

interface FakeProxy extends LoopbackServer {
  /** What each client asked for, e.g. "domain localhost:8080" (SOCKS5) or "localhost:8080" (HTTP). */
  requestedTargets: string[];
}

async function startFakeProxy(type: ProxyOptions['type'], behaviour: FakeProxyBehaviour = {}): Promise<FakeProxy> {
  const requestedTargets: string[] = [];
  const serve = type === 'socks5' ? serveSocks5 : serveHttpConnect;
  const server = await listenOnLoopback((client, loopback) => {
    client.setNoDelay(true);
    serve(client, behaviour, requestedTargets, loopback).catch(() => client.destroy());
  });
  return Object.assign(server, { requestedTargets });
}

async function sendReply(client: net.Socket, reply: Buffer, behaviour: FakeProxyBehaviour): Promise<void> {
  if (behaviour.replyDelayMs !== undefined) await sleep(behaviour.replyDelayMs);
  if (!behaviour.replyByteByByte) {
    client.write(reply);
    return;
  }
  for (const byte of reply) {
    client.write(Buffer.from([byte]));
    await sleep(2);
  }
}

async function finishHandshake(
  client: net.Socket,
  reader: SocketReader,
  target: { host: string; port: number },
  success: Buffer,
  behaviour: FakeProxyBehaviour,
  loopback: LoopbackServer,
): Promise<void> {
  if (behaviour.tunnelBytesThenEnd !== undefined) {
    client.end(Buffer.concat([success, Buffer.from(behaviour.tunnelBytesThenEnd)]));
    return;
  }
  const address = FAKE_PROXY_HOSTS[target.host];
  if (address === undefined) throw new Error(`fake proxy cannot resolve ${target.host}`);
  const upstream = net.connect({ host: address, port: target.port });
  loopback.track(upstream);
  await once(upstream, 'connect');
  await sendReply(client, success, behaviour);
  upstream.write(reader.detach());
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}

async function serveSocks5(client: net.Socket, behaviour: FakeProxyBehaviour, targets: string[], loopback: LoopbackServer): Promise<void> {
  const reader = new SocketReader(client);
  const [, methodCount = 0] = await reader.take(2);
  const methods = [...(await reader.take(methodCount))];
  if (behaviour.credentials) {
    if (!methods.includes(0x02)) {
      client.end(Buffer.from([5, 0xff]));
      return;
    }
    await sendReply(client, Buffer.from([5, 0x02]), behaviour);
    const [, usernameLength = 0] = await reader.take(2);
    const username = (await reader.take(usernameLength)).toString('utf8');
    const [passwordLength = 0] = await reader.take(1);
    const password = (await reader.take(passwordLength)).toString('utf8');
    const accepted = username === behaviour.credentials.username && password === behaviour.credentials.password;
    if (!accepted) {
      client.end(Buffer.from([1, 1]));
      return;
    }
    await sendReply(client, Buffer.from([1, 0]), behaviour);
  } else {
    await sendReply(client, Buffer.from([5, 0x00]), behaviour);
  }

  const [, , , addressType] = await reader.take(4);
  let host: string;
  if (addressType === 0x01) host = [...(await reader.take(4))].join('.');
  else if (addressType === 0x03) {
    const [nameLength = 0] = await reader.take(1);
    host = (await reader.take(nameLength)).toString('utf8');
  } else throw new Error(`fake SOCKS5 proxy does not handle address type ${addressType}`);
  const port = (await reader.take(2)).readUInt16BE(0);
  targets.push(`${addressType === 0x01 ? 'ipv4' : 'domain'} ${host}:${port}`);

  if (behaviour.refuseTarget) {
    client.end(Buffer.from([5, 0x05, 0, 1, 0, 0, 0, 0, 0, 0]));
    return;
  }
  const success = Buffer.from([5, 0x00, 0, 1, 127, 0, 0, 1, 0x12, 0x34]);
  await finishHandshake(client, reader, { host, port }, success, behaviour, loopback);
}

async function serveHttpConnect(client: net.Socket, behaviour: FakeProxyBehaviour, targets: string[], loopback: LoopbackServer): Promise<void> {
  const reader = new SocketReader(client);
  const [requestLine = '', ...fieldLines] = (await reader.takeThrough('\r\n\r\n', 8192)).split('\r\n');
  const request = /^CONNECT (\S+):(\d+) HTTP\/1\.1$/.exec(requestLine);
  if (!request) {
    client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return;
  }
  const host = (request[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  const port = Number(request[2]);
  targets.push(`${host}:${port}`);

  if (behaviour.credentials) {
    const expected = `Basic ${Buffer.from(`${behaviour.credentials.username}:${behaviour.credentials.password}`).toString('base64')}`;
    const given = fieldLines.find((line) => /^proxy-authorization:/i.test(line))?.replace(/^[^:]*:\s*/, '');
    if (given !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
  }
  if (behaviour.refuseTarget) {
    client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const success = Buffer.from('HTTP/1.1 200 Connection established\r\nProxy-Agent: fake\r\n\r\n', 'latin1');
  await finishHandshake(client, reader, { host, port }, success, behaviour, loopback);
}

// ---------------------------------------------------------------------------------------------------
// WebSocket servers (echo)

let echoServer: { port: number; close(): Promise<void> };
let secureEchoServer: { port: number; close(): Promise<void> };

function echo(socket: WebSocket): void {
  socket.on('message', (data) => socket.send(`echo:${String(data)}`));
}

beforeAll(async () => {
  const plain = new WebSocketServer({ host: LOOPBACK, port: 0 });
  await once(plain, 'listening');
  plain.on('connection', echo);
  echoServer = {
    port: (plain.address() as net.AddressInfo).port,
    close: async () => {
      for (const client of plain.clients) client.terminate();
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    },
  };

  const httpsServer = https.createServer({ key: TLS_KEY, cert: TLS_CERTIFICATE });
  const secure = new WebSocketServer({ server: httpsServer });
  secure.on('connection', echo);
  httpsServer.listen(0, LOOPBACK);
  await once(httpsServer, 'listening');
  secureEchoServer = {
    port: (httpsServer.address() as net.AddressInfo).port,
    close: async () => {
      for (const client of secure.clients) client.terminate();
      secure.close();
      httpsServer.closeAllConnections();
      await new Promise<void>((resolve) => httpsServer.close(() => resolve()));
    },
  };
});

afterAll(async () => {
  await Promise.all([echoServer.close(), secureEchoServer.close()]);
});

/** Opens a WebSocket through the proxy, sends "ping", and returns the answer. */
async function pingThroughProxy(url: string, proxy: ProxyOptions, clientOptions: WebSocket.ClientOptions = {}): Promise<string> {
  const socket = new WebSocket(url, { ...webSocketOptionsForProxy(proxy, url, { timeoutMs: 5000 }), ...clientOptions });
  try {
    await once(socket, 'open');
    socket.send('ping');
    const [answer] = (await once(socket, 'message')) as [WebSocket.RawData];
    return String(answer);
  } finally {
    const closed = closeOf(socket);
    socket.terminate();
    await closed;
  }
}

function proxyOptions(type: ProxyOptions['type'], proxy: { port: number }, credentials?: ProxyCredentials): ProxyOptions {
  return { type, host: LOOPBACK, port: proxy.port, ...credentials };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the promise to reject'),
    (error: unknown) => error,
  );
}

/** Resolves on 'close' (unlike events.once, which rejects on the 'error' that precedes it). */
function closeOf(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

async function readToEnd(socket: net.Socket): Promise<string> {
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  await once(socket, 'end');
  socket.destroy();
  return text;
}

// ---------------------------------------------------------------------------------------------------

describe.each(['socks5', 'http'] as const)('through a %s proxy', (type) => {
  it('a WebSocket exchanges a message, with the target host name resolved by the proxy', async () => {
    const proxy = await startFakeProxy(type);
    await expect(pingThroughProxy(`ws://localhost:${echoServer.port}/`, proxyOptions(type, proxy))).resolves.toBe('echo:ping');
    expect(proxy.requestedTargets).toEqual([type === 'socks5' ? `domain localhost:${echoServer.port}` : `localhost:${echoServer.port}`]);
  });

  it('a WebSocket to an IPv4 literal exchanges a message', async () => {
    const proxy = await startFakeProxy(type);
    await expect(pingThroughProxy(`ws://${LOOPBACK}:${echoServer.port}/`, proxyOptions(type, proxy))).resolves.toBe('echo:ping');
    expect(proxy.requestedTargets).toEqual([type === 'socks5' ? `ipv4 ${LOOPBACK}:${echoServer.port}` : `${LOOPBACK}:${echoServer.port}`]);
  });

  it('username and password are accepted', async () => {
    const proxy = await startFakeProxy(type, { credentials: CREDENTIALS });
    await expect(pingThroughProxy(`ws://localhost:${echoServer.port}/`, proxyOptions(type, proxy, CREDENTIALS))).resolves.toBe('echo:ping');
  });

  it('a wss:// WebSocket runs TLS through the tunnel, with the TLS options given to ws', async () => {
    const proxy = await startFakeProxy(type, { credentials: CREDENTIALS });
    const url = `wss://localhost:${secureEchoServer.port}/`;
    await expect(pingThroughProxy(url, proxyOptions(type, proxy, CREDENTIALS), { ca: TLS_CERTIFICATE })).resolves.toBe('echo:ping');
  });

  it('a wss:// WebSocket with TLS options tls.connect refuses fails, and closes the tunnel', async () => {
    const proxy = await startFakeProxy(type);
    const url = `wss://localhost:${secureEchoServer.port}/`;
    const socket = new WebSocket(url, { ...webSocketOptionsForProxy(proxyOptions(type, proxy), url), ciphers: 'no-such-cipher' });
    const closed = closeOf(socket);
    const [error] = (await once(socket, 'error')) as [Error];
    expect(error.message).toMatch(/no cipher match/);
    await closed;
    await expect.poll(() => proxy.connections.size).toBe(0);
  });

  it('replies that arrive a byte at a time are reassembled', async () => {
    const proxy = await startFakeProxy(type, { credentials: CREDENTIALS, replyByteByByte: true });
    await expect(pingThroughProxy(`ws://localhost:${echoServer.port}/`, proxyOptions(type, proxy, CREDENTIALS))).resolves.toBe('echo:ping');
  });

  it('bytes sent with the last reply, even right before the proxy hangs up, stay in the tunnel', async () => {
    const proxy = await startFakeProxy(type, { tunnelBytesThenEnd: 'first bytes from the target' });
    const socket = await connectThroughProxy(proxyOptions(type, proxy), { host: 'localhost', port: 9 });
    await expect(readToEnd(socket)).resolves.toBe('first bytes from the target');
  });

  it('a WebSocket terminated while the proxy is still answering leaves no connection open', async () => {
    const proxy = await startFakeProxy(type, { replyDelayMs: 100 });
    const url = `ws://localhost:${echoServer.port}/`;
    const socket = new WebSocket(url, webSocketOptionsForProxy(proxyOptions(type, proxy), url));
    socket.on('error', () => undefined); // terminating before 'open' reports an error, expected here
    const closed = closeOf(socket);
    await expect.poll(() => proxy.connections.size).toBeGreaterThan(0);
    socket.terminate();
    await closed;
    // The tunnel still opens after the WebSocket is gone; the http agent then destroys it.
    await expect.poll(() => proxy.connections.size).toBe(0);
  });

  it('a wrong password is refused-auth', async () => {
    const proxy = await startFakeProxy(type, { credentials: CREDENTIALS });
    const wrong = { username: CREDENTIALS.username, password: 'wrong' };
    const error = await rejection(connectThroughProxy(proxyOptions(type, proxy, wrong), { host: 'localhost', port: echoServer.port }));
    expect(error).toBeInstanceOf(ProxyUnavailableError);
    expect(error).toMatchObject({ reason: 'refused-auth' });
  });

  it('missing credentials are refused-auth', async () => {
    const proxy = await startFakeProxy(type, { credentials: CREDENTIALS });
    const error = await rejection(connectThroughProxy(proxyOptions(type, proxy), { host: 'localhost', port: echoServer.port }));
    expect(error).toMatchObject({ name: 'ProxyUnavailableError', reason: 'refused-auth' });
  });

  it('a refused target is target-refused', async () => {
    const proxy = await startFakeProxy(type, { refuseTarget: true });
    const error = await rejection(connectThroughProxy(proxyOptions(type, proxy), { host: 'localhost', port: echoServer.port }));
    expect(error).toBeInstanceOf(ProxyUnavailableError);
    expect(error).toMatchObject({
      reason: 'target-refused',
      message: type === 'socks5' ? expect.stringMatching(/connection refused/) : expect.stringMatching(/502 Bad Gateway/),
    });
  });

  it('a WebSocket whose proxy refuses emits the ProxyUnavailableError, then closes', async () => {
    const proxy = await startFakeProxy(type, { credentials: CREDENTIALS });
    const url = `ws://localhost:${echoServer.port}/`;
    const socket = new WebSocket(url, webSocketOptionsForProxy(proxyOptions(type, proxy), url));
    const closed = closeOf(socket);
    const [error] = await once(socket, 'error');
    expect(error).toBeInstanceOf(ProxyUnavailableError);
    expect(error).toMatchObject({ reason: 'refused-auth' });
    await closed;
  });
});

describe('proxy failures', () => {
  it.each(['socks5', 'http'] as const)('an unreachable %s proxy fails fast with unreachable', async (type) => {
    const port = await closedLoopbackPort();
    const startedAt = Date.now();
    const error = await rejection(connectThroughProxy({ type, host: LOOPBACK, port }, { host: 'localhost', port: 80 }, { timeoutMs: 5000 }));
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(error).toBeInstanceOf(ProxyUnavailableError);
    expect(error).toMatchObject({ reason: 'unreachable', message: expect.stringContaining(`${LOOPBACK}:${port}`) });
  });

  it('a WebSocket through an unreachable proxy emits the ProxyUnavailableError', async () => {
    const port = await closedLoopbackPort();
    const url = `ws://localhost:${echoServer.port}/`;
    const socket = new WebSocket(url, webSocketOptionsForProxy({ type: 'socks5', host: LOOPBACK, port }, url));
    const closed = closeOf(socket);
    const [error] = await once(socket, 'error');
    expect(error).toMatchObject({ name: 'ProxyUnavailableError', reason: 'unreachable' });
    await closed;
  });

  it.each(['socks5', 'http'] as const)('a %s proxy that accepts but never answers times out, and the connection is closed', async (type) => {
    const silent = await listenOnLoopback(acceptAndIgnore);
    const startedAt = Date.now();
    const error = await rejection(
      connectThroughProxy({ type, host: LOOPBACK, port: silent.port }, { host: 'localhost', port: 80 }, { timeoutMs: 300 }),
    );
    const elapsed = Date.now() - startedAt;
    expect(error).toBeInstanceOf(ProxyUnavailableError);
    expect(error).toMatchObject({ reason: 'timeout', message: expect.stringMatching(/did not complete the handshake within 300 ms/) });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    await expect.poll(() => silent.connections.size).toBe(0);
  });

  it('a proxy that hangs up mid-handshake is protocol-error', async () => {
    const proxy = await listenOnLoopback((client) => client.end(Buffer.from([5])));
    const error = await rejection(connectThroughProxy({ type: 'socks5', host: LOOPBACK, port: proxy.port }, { host: 'localhost', port: 80 }));
    expect(error).toMatchObject({ name: 'ProxyUnavailableError', reason: 'protocol-error', message: expect.stringMatching(/closed the connection/) });
  });

  it('a proxy that is no HTTP proxy is protocol-error', async () => {
    const proxy = await listenOnLoopback((client) => {
      acceptAndIgnore(client);
      client.write('SSH-2.0-OpenSSH_9.6\r\n');
    });
    const error = await rejection(connectThroughProxy({ type: 'http', host: LOOPBACK, port: proxy.port }, { host: 'localhost', port: 80 }));
    expect(error).toMatchObject({ reason: 'protocol-error' });
    await expect.poll(() => proxy.connections.size).toBe(0);
  });

  it('aborting the signal gives up the attempt and closes the connection', async () => {
    const silent = await listenOnLoopback(acceptAndIgnore);
    const controller = new AbortController();
    const options: ConnectThroughProxyOptions = { signal: controller.signal };
    const attempt = connectThroughProxy({ type: 'http', host: LOOPBACK, port: silent.port }, { host: 'localhost', port: 80 }, options);
    await expect.poll(() => silent.connections.size).toBe(1);
    controller.abort();
    const error = await rejection(attempt);
    expect(error).toMatchObject({ name: 'AbortError' });
    await expect.poll(() => silent.connections.size).toBe(0);
  });

  it('refuses bad options and targets before connecting', async () => {
    await expect(connectThroughProxy({ type: 'socks5', host: '', port: 1080 }, { host: 'h', port: 80 })).rejects.toThrow(TypeError);
    await expect(connectThroughProxy({ type: 'socks5', host: LOOPBACK, port: 1 }, { host: 'a'.repeat(256), port: 80 })).rejects.toThrow(RangeError);
    await expect(connectThroughProxy({ type: 'http', host: LOOPBACK, port: 1 }, { host: 'h\r\n', port: 80 })).rejects.toThrow(RangeError);
  });
});
