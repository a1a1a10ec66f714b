import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeRawClient } from './support/native-raw-client.js';
import { selfSignedCertificate } from './support/self-signed.js';
import { callServerApi } from './support/server-api-client.js';
import { makeTempDir } from './support/temp-dir.js';
import { spawnServer, type ServerProcess } from './support/test-server.js';

/**
 * `parley serve --tls-cert --tls-key` takes a renewed certificate on SIGHUP: connections opened
 * after it get the new one, connections already open stay, and a pair that cannot serve is logged
 * and leaves the old one in place. A real process, so that the signal is the real one.
 */
const first = selfSignedCertificate();
const second = selfSignedCertificate();
const dir = makeTempDir('parley-tls-reload-');
const certFile = join(dir.path, 'cert.pem');
const keyFile = join(dir.path, 'key.pem');
let server: ServerProcess;
let credentials: { appKey: string; appSecret: string };
const clients: NativeRawClient[] = [];

function install(pair: { certFile: string; keyFile: string }): void {
  copyFileSync(pair.certFile, certFile);
  copyFileSync(pair.keyFile, keyFile);
}

const fingerprintOf = (pem: Buffer) => new X509Certificate(pem).fingerprint256;

/** A native client over TLS that trusts `ca`, with its CONNACK, and the certificate the server showed it. */
async function connectOverTls(ca: Buffer, userId: string): Promise<{ client: NativeRawClient; served: string; status: unknown }> {
  const token = String((await callServerApi(server.url, 'user/getToken', { userId }, credentials)).body.token).replace(/@.*$/, '@');
  const client = await NativeRawClient.openTls(server.port, ca);
  clients.push(client);
  const connack = await client.connect(credentials.appKey, token);
  return { client, served: (client.socket as TLSSocket).getPeerCertificate().fingerprint256, status: connack.type === 'CONNACK' ? connack.status : connack.type };
}

/** Sends SIGHUP and waits for the log line that says how the reload went. */
async function hangUp(expected: RegExp): Promise<void> {
  const before = server.output().length;
  server.child.kill('SIGHUP');
  const deadline = Date.now() + 10_000;
  while (!expected.test(server.output().slice(before))) {
    if (Date.now() > deadline) throw new Error(`no ${expected} in the log after SIGHUP:\n${server.output().slice(before)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  install(first);
  server = await spawnServer(['--port', '0', '--data-dir', join(dir.path, 'data'), '--tls-cert', certFile, '--tls-key', keyFile], { PARLEY_LOG_LEVEL: 'info' });
  credentials = JSON.parse(readFileSync(join(dir.path, 'data', 'dev-app.json'), 'utf8')) as typeof credentials;
});

afterAll(async () => {
  for (const client of clients) client.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  first.remove();
  second.remove();
  dir.remove();
});

describe('TLS certificate reload on SIGHUP', () => {
  it('serves the renewed certificate to new connections and keeps the open ones', async () => {
    const old = await connectOverTls(first.cert, 'tls-before');
    expect(old).toMatchObject({ status: 0, served: fingerprintOf(first.cert) });

    install(second);
    await hangUp(/TLS certificate and key reloaded/);

    const renewed = await connectOverTls(second.cert, 'tls-after');
    expect(renewed).toMatchObject({ status: 0, served: fingerprintOf(second.cert) });
    // The connection made before the reload still answers.
    old.client.send({ type: 'PINGREQ' });
    await old.client.nextFrame((f) => f.type === 'PINGRESP');
    expect(old.client.closed).toBe(false);
  });

  it('keeps serving the previous pair when the new one cannot serve, and says so', async () => {
    writeFileSync(certFile, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
    await hangUp(/TLS certificate and key not reloaded, still serving the previous ones/);
    expect(server.output()).toMatch(/--tls-cert and --tls-key do not make a usable pair/);

    const after = await connectOverTls(second.cert, 'tls-kept');
    expect(after).toMatchObject({ status: 0, served: fingerprintOf(second.cert) });
    expect(server.child.exitCode).toBeNull();
  });
});
