import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { decodeNativeServerFrame, encodeNativeClientFrame, NativeDeframer, type ServerFrame } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callServerApi } from '../support/server-api-client.js';
import { selfSignedCertificate } from '../support/self-signed.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** With `--tls-cert` / `--tls-key`, every port takes TLS too: HTTPS, and RMTP over TLS for the native stack. */
let server: TestServer;
let certificate: ReturnType<typeof selfSignedCertificate>;

beforeAll(async () => {
  certificate = selfSignedCertificate();
  server = await startTestServer({ tlsCert: certificate.certFile, tlsKey: certificate.keyFile });
});
afterAll(async () => {
  await server.stop();
  certificate.remove();
});

function https(path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: server.port, path, method: body === undefined ? 'GET' : 'POST', ca: certificate.cert, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A native CONNECT over TLS, and the server's first answer. */
async function connectOverTls(port: number, token: string): Promise<ServerFrame> {
  const socket: TLSSocket = await new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: certificate.cert }, () => resolve(s));
    s.once('error', reject);
  });
  try {
    const deframer = new NativeDeframer();
    const answer = new Promise<ServerFrame>((resolve) =>
      socket.on('data', (chunk: Buffer) => {
        deframer.push(chunk);
        const wire = deframer.read();
        if (wire) resolve(decodeNativeServerFrame(wire));
      }),
    );
    socket.write(
      encodeNativeClientFrame({
        type: 'CONNECT', keepAliveSeconds: 10, clientId: `tls-${port}`, appKey: server.devApp.appKey, token, platform: 'desktop',
        isReconnect: false, refuseIfTaken: false, willTopic: 'RongIMPCClient', willMessage: 'PC--5.46.1', sdkVersion: '5.46.1',
      }),
    );
    return await answer;
  } finally {
    socket.destroy();
  }
}

describe('TLS on every port', () => {
  it('serves HTTPS on the HTTP port', async () => {
    expect(await https('/healthz')).toEqual({ status: 200, text: '{"status":"ok"}' });
  });

  it('takes native RMTP over TLS on the HTTP port and on the native port', async () => {
    const token = String((await callServerApi(server.url, 'user/getToken', { userId: 'tls-user' }, server.devApp)).body.token).replace(/@.*$/, '@');
    for (const port of [server.port, server.nativePort!]) {
      expect(await connectOverTls(port, token)).toMatchObject({ type: 'CONNACK', status: 0, session: { userId: 'tls-user' } });
    }
  });

  it('refuses to start on a certificate and key that do not go together, naming the flags', async () => {
    const other = selfSignedCertificate();
    try {
      await expect(startTestServer({ tlsCert: certificate.certFile, tlsKey: other.keyFile })).rejects.toThrow(/--tls-cert and --tls-key do not make a usable pair/);
      await expect(startTestServer({ tlsCert: `${certificate.certFile}.missing`, tlsKey: other.keyFile })).rejects.toThrow(/--tls-cert .*ENOENT/);
    } finally {
      other.remove();
    }
  });

  it('sends native clients to TLS only (protocol 2)', async () => {
    const token = String((await callServerApi(server.url, 'user/getToken', { userId: 'tls-navi' }, server.devApp)).body.token);
    const answer = await https('/v2/navi.json', `token=${encodeURIComponent(token)}&platfrom=electron`, {
      'content-type': 'application/x-www-form-urlencoded',
      'rc-negotiate': 'conn=1,2;rtc=4',
      host: `127.0.0.1:${server.port}`,
    });
    const addresses = (JSON.parse(answer.text) as { serverAddr: { protocol: number }[] }).serverAddr;
    expect(addresses.map((a) => a.protocol)).toEqual([2, 2]);
  });

  it('sends the Web SDK to wss when it navigated over HTTPS, and to ws over plain HTTP', async () => {
    const token = String((await callServerApi(server.url, 'user/getToken', { userId: 'tls-web-navi' }, server.devApp)).body.token);
    const form = { 'content-type': 'application/x-www-form-urlencoded', 'rc-appkey': server.devApp.appKey, host: `127.0.0.1:${server.port}` };
    const secure = await https('/v2/navi.json', `token=${encodeURIComponent(token)}&v=5.38.0&platfrom=web`, form);
    expect(JSON.parse(secure.text)).toMatchObject({ code: 200, serverAddr: [{ addr: `127.0.0.1:${server.port}`, protocol: 6 }] });
    const plain = await fetch(`${server.url}/v2/navi.json`, { method: 'POST', headers: { 'content-type': form['content-type'], 'rc-appkey': form['rc-appkey'] }, body: `token=${encodeURIComponent(token)}&v=5.38.0&platfrom=web` });
    expect(await plain.json()).toMatchObject({ code: 200, serverAddr: [{ addr: `127.0.0.1:${server.port}`, protocol: 5 }] });
  });
});
