// The official SDKs over TLS against a server with `--tls-cert` / `--tls-key` and an https public
// URL: the Web SDK navigates over HTTPS and opens wss://, RongCloud's native stack is sent to TLS
// (navigation protocol 2) and speaks RMTP inside it; a message goes each way between them.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../support/fault-proxy.js';
import { freePort } from '../support/free-port.js';
import { NativeClient } from '../support/official-native/native-client.js';
import { expectConfinedToLoopback } from '../support/official-native/loopback-confinement.js';
import { OfficialClient } from '../support/official-sdk/official-client.js';
import { selfSignedCertificate } from '../support/self-signed.js';
import { callServerApi } from '../support/server-api-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PRIVATE = 1;
const TLS_HANDSHAKE = 0x16;

const certificate = selfSignedCertificate();
/** The SDK children trust the test's certificate as a browser would a real one. */
const trusted = { NODE_EXTRA_CA_CERTS: certificate.certFile };
let server: TestServer;
let publicUrl: string;
/** Where navigation sends the native stack: a relay that records how each connection opens. */
let nativeRelay: FaultProxy;
const natives: NativeClient[] = [];
const webs: OfficialClient[] = [];

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `https://127.0.0.1:${port}`;
  nativeRelay = await FaultProxy.start(port);
  server = await startTestServer({
    port,
    publicUrl,
    tlsCert: certificate.certFile,
    tlsKey: certificate.keyFile,
    nativeAddresses: [`127.0.0.1:${nativeRelay.port}`],
  });
});

afterEach(async () => {
  const started = natives.splice(0);
  try {
    for (const client of started) expectConfinedToLoopback(client);
  } finally {
    await Promise.all([...started.map((c) => c.close()), ...webs.splice(0).map((c) => c.close())]);
  }
});

afterAll(async () => {
  await server?.stop();
  await nativeRelay?.close();
  certificate.remove();
});

async function tokenFor(userId: string): Promise<string> {
  const response = await callServerApi(server.url, 'user/getToken', { userId }, server.devApp);
  expect(response.body.code).toBe(200);
  return String(response.body.token);
}

describe('the official SDKs over TLS', () => {
  it('the Web SDK over wss and the native stack over TLS exchange messages', async () => {
    const [web, native, webToken, nativeToken] = await Promise.all([
      OfficialClient.start({ appKey: server.devApp.appKey, navigators: [publicUrl], label: 'web over wss', env: trusted }),
      NativeClient.start({ appKey: server.devApp.appKey, navigators: [publicUrl], deviceId: 'tls-pc', label: 'native over TLS', env: trusted }),
      tokenFor('wss-web'),
      tokenFor('tls-native'),
    ]);
    webs.push(web);
    natives.push(native);

    expect(await web.connect(webToken)).toEqual({ code: 0, userId: 'wss-web' });
    expect(web.httpRequests.some((r) => r.url.startsWith(`${publicUrl}/v2/navi.json`))).toBe(true);
    expect(web.webSockets.map((s) => s.url)).toEqual([expect.stringMatching(new RegExp(`^wss://127\\.0\\.0\\.1:${server.port}/websocket\\?`))]);

    expect(await native.connect(nativeToken)).toEqual({ code: 0, userId: 'tls-native' });
    expect(native.stackAddresses.map((a) => a.address)).toContain(`127.0.0.1:${nativeRelay.port}`);
    // Every connection the stack made to its gateway opened with a TLS handshake.
    expect(nativeRelay.firstBytes.length).toBeGreaterThan(0);
    expect(nativeRelay.firstBytes.every((b) => b === TLS_HANDSHAKE)).toBe(true);

    const toNative = await web.sendText(PRIVATE, 'tls-native', 'over wss');
    expect(toNative.code).toBe(0);
    await native.waitForEvent('batchMessage', () => native.receivedMessages.some((m) => m.messageUId === toNative.data?.messageUId));

    const toWeb = await native.sendText(PRIVATE, 'wss-web', 'over TLS');
    expect(toWeb.code).toBe(0);
    const received = await web.waitForEvent('MESSAGES', ({ messages }) => messages.some((m) => m.messageUId === toWeb.messageUId));
    expect(received.payload.messages.find((m) => m.messageUId === toWeb.messageUId)).toMatchObject({ senderUserId: 'tls-native', content: { content: 'over TLS' } });
  });
});
