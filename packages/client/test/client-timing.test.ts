import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionErrorCode as Code, ConnectionStatus, IMClient } from '@parley/client';
import { FaultProxy } from '../../server/test/support/fault-proxy.js';
import { freePort } from '../../server/test/support/free-port.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { PARLEY_BIN, spawnServer, startTestServer, type ServerProcess } from '../../server/test/support/test-server.js';
import { callServerApi } from '../../server/test/support/server-api-client.js';

/** Time limits and waiting for a server, with real sockets and the real clock. */
const run = promisify(execFile);
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = makeTempDir('parley-client-');
  cleanups.push(dir.remove);
  return dir.path;
}

/** A TCP listener that counts connections and drops each at once: every attempt fails, visibly. */
async function refusingServer(): Promise<{ port: number; count(): number }> {
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as { port: number }).port, count: () => count };
}

function newClient(appKey: string, options: Parameters<IMClient['init']>[1] = {}): IMClient {
  const c = new IMClient();
  c.init(appKey, { dataDir: tempDir(), ...options });
  cleanups.push(() => c.disconnect());
  return c;
}

describe('@parley/client time limits', () => {
  it('timeLimit = 2 against a dead server: 34006 and TIMEOUT between 2 and 3 s, and no attempt after', async () => {
    const dead = await refusingServer();
    const c = newClient('anyappkey00000', { navigators: [`http://127.0.0.1:${dead.port}`] });
    const started = Date.now();
    const code = await new Promise<number>((resolve) => c.connect('sometoken@', 2, { onSuccess: () => resolve(0), onError: resolve }));
    const elapsed = Date.now() - started;
    expect(code).toBe(Code.RC_CONNECT_TIMEOUT);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(3000);
    expect(c.getCurrentConnectionStatus()).toBe(ConnectionStatus.TIMEOUT);
    const attempts = dead.count();
    expect(attempts).toBeGreaterThan(3);
    await new Promise((r) => setTimeout(r, 2000));
    expect(dead.count()).toBe(attempts);
  });

  it('timeLimit = 0 waits for a server that starts 3 s later, then succeeds', async () => {
    const serverDir = tempDir();
    const port = await freePort();
    const created = await run(process.execPath, [PARLEY_BIN, 'app', 'create', '--name', 'late', '--json', '--data-dir', serverDir]);
    const { appKey } = JSON.parse(created.stdout) as { appKey: string };
    const token = (await run(process.execPath, [PARLEY_BIN, 'token', appKey, 'late-user', '--data-dir', serverDir, '--public-url', `http://127.0.0.1:${port}`])).stdout.trim();

    const c = newClient(appKey);
    const result = new Promise<string>((resolve, reject) => c.connect(token, 0, { onSuccess: resolve, onError: (code) => reject(new Error(`error ${code}`)) }));
    await new Promise((r) => setTimeout(r, 3000));
    expect(c.getCurrentConnectionStatus()).toBe(ConnectionStatus.CONNECTING);
    const server: ServerProcess = await spawnServer(['--port', String(port), '--data-dir', serverDir]);
    cleanups.push(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    expect(await result).toBe('late-user');
  });
});

describe('@parley/client reconnect-kick', () => {
  it('with reconnectKickEnable, a reconnecting device finds its class taken and stops with 31023', async () => {
    // phone-1 reaches the server through a proxy that can cut it off, so that phone-2 logs in while
    // phone-1 is away, whatever phone-1's retry timer does. Navigation names the proxy to phone-1
    // (the server answers with the Host it was asked on, which the allow-list admits).
    const proxy = await FaultProxy.start(0);
    cleanups.push(() => proxy.close());
    const server = await startTestServer({ allowedHosts: [`127.0.0.1:${proxy.port}`] });
    cleanups.push(() => server.stop());
    proxy.targetPort = Number(new URL(server.url).port);
    const tokenVia = async (url: string) => String((await callServerApi(url, 'user/getToken', { userId: 'rk-user' }, server.devApp)).body.token);
    const phone1 = newClient(server.devApp.appKey, { platform: 'mobile', reconnectKickEnable: true, deviceId: 'phone-1', navigators: [proxy.url] });
    const codes: (number | undefined)[] = [];
    phone1.addConnectionStatusListener((_s, code) => codes.push(code));
    await phone1.connectAsync(await tokenVia(proxy.url));

    // phone-1 loses its connection and cannot come back; meanwhile phone-2 logs in on the same class.
    proxy.refuse(true);
    proxy.resetAll();
    await expect.poll(() => phone1.getCurrentConnectionStatus()).not.toBe(ConnectionStatus.CONNECTED);
    const phone2 = newClient(server.devApp.appKey, { platform: 'mobile', deviceId: 'phone-2', navigators: [server.url] });
    await phone2.connectAsync(await tokenVia(server.url));
    proxy.refuse(false);

    await expect.poll(() => phone1.getCurrentConnectionStatus(), { timeout: 40_000 }).toBe(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT);
    expect(codes).toContain(Code.RC_CONN_OTHER_DEVICE_LOGIN);
    expect(codes).not.toContain(Code.RC_DISCONN_KICK);
    expect(phone2.getCurrentConnectionStatus()).toBe(ConnectionStatus.CONNECTED);
  }, 60_000);
});

describe('@parley/client proxy', () => {
  it('ends the attempt with 31028 when the proxy is unreachable, without retrying', async () => {
    const closedPort = await freePort();
    const c = newClient('anyappkey00000', { navigators: ['http://127.0.0.1:9'], proxy: { type: 'socks5', host: '127.0.0.1', port: closedPort } });
    const code = await new Promise<number>((resolve) => c.connect('sometoken@', 0, { onSuccess: () => resolve(0), onError: resolve }));
    expect(code).toBe(Code.RC_CONN_PROXY_UNAVAILABLE);
    expect(c.getCurrentConnectionStatus()).toBe(ConnectionStatus.UNCONNECTED);
  });

  it('refuses a malformed proxy setting at init with 33003', () => {
    const c = new IMClient();
    expect(() => c.init('appkey', { proxy: { type: 'socks5', host: '', port: 1080 } })).toThrow(expect.objectContaining({ code: Code.RC_INVALID_PARAMETER }));
  });
});
