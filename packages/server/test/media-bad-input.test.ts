import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { decodePayload, encodePayload, MediaFileType } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanFileName } from '../src/core/media/media-service.js';
import { MAX_CONCURRENT_UPLOADS } from '../src/http/media/media-routes.js';
import { signUploadToken, uploadTokenKey } from '../src/core/media/upload-token.js';
import { RawClient } from './support/raw-client.js';
import { callServerApi, type Credentials } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** The upload and download routes refuse bad input with a clear status and store nothing. */
const LIMIT = 64 * 1024;
let server: TestServer;
let other: Credentials;
beforeAll(async () => {
  server = await startTestServer({ uploadLimit: LIMIT });
  const created = await server.services.apps.create({ name: 'other-media' });
  other = { appKey: created.appKey, appSecret: created.appSecret };
});
afterAll(() => server.stop());

const PNG_HEAD = Buffer.from('89504e470d0a1a0a', 'hex');
let messageId = 1;

/** A token as the SDK gets it: QUERY qnTkn on a connected session of `userId` in `app`. */
async function grant(userId: string, key: string, app: Credentials = server.devApp, sizeKiB = 1): Promise<{ status: number; token?: string }> {
  const raw = await RawClient.open(server.url);
  try {
    const token = String((await callServerApi(server.url, 'user/getToken', { userId }, app)).body.token);
    expect(await raw.connect(app.appKey, token)).toMatchObject({ type: 'CONNACK', status: 0 });
    const id = messageId++;
    raw.send({ type: 'QUERY', topic: 'qnTkn', targetId: userId, messageId: id, payload: encodePayload('GetQNupTokenInput', { type: MediaFileType.IMAGE, key, size: sizeKiB }) });
    const ack = await raw.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === id);
    if (ack.type !== 'QUERYACK') throw new Error('no answer');
    return ack.status === 0 ? { status: 0, token: decodePayload('GetQNupTokenOutput', ack.payload).token } : { status: ack.status };
  } finally {
    raw.close();
  }
}

async function upload(fields: { token?: string; key?: string; file?: Buffer; fileName?: string }): Promise<{ status: number; body: Record<string, unknown>; cors: string | null }> {
  const form = new FormData();
  if (fields.token !== undefined) form.set('token', fields.token);
  if (fields.key !== undefined) form.set('key', fields.key);
  if (fields.file !== undefined) form.set('file', new Blob([Uint8Array.from(fields.file)]), fields.fileName ?? 'f.bin');
  const response = await fetch(`${server.url}/media/upload`, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, cors: response.headers.get('access-control-allow-origin') };
}

const stored = () => ['blobs', 'records'].flatMap((d) => readdirSync(join(server.dataDir, 'media', d), { recursive: true }).filter((f) => String(f).includes('.') || String(f).length > 2));

describe('media uploads: bad input', () => {
  it('accepts a good upload once, and refuses the same key again (409)', async () => {
    const { token } = await grant('bad-alice', 'ok.png');
    const first = await upload({ token, key: 'ok.png', file: Buffer.concat([PNG_HEAD, Buffer.from('x')]) });
    expect(first).toMatchObject({ status: 200, body: { code: 200, key: 'ok.png', type: 'image/png' } });
    const before = stored().length;
    expect((await upload({ token, key: 'ok.png', file: PNG_HEAD })).status).toBe(409);
    expect(stored()).toHaveLength(before);
  });

  it('refuses a file over the limit: at the token (26106) and at the upload (413)', async () => {
    expect((await grant('bad-alice', 'big.png', server.devApp, LIMIT / 1024 + 1)).status).toBe(26106);
    const { token } = await grant('bad-alice', 'big.png');
    const before = stored().length;
    expect((await upload({ token, key: 'big.png', file: Buffer.alloc(LIMIT + 1) })).status).toBe(413);
    const tooBig = await upload({ token, key: 'big.png', file: Buffer.alloc(LIMIT + 128 * 1024) });
    expect(tooBig.status).toBe(413);
    // A browser page sees the refusal itself, not a CORS failure.
    expect(tooBig.cors).toBe('*');
    expect(stored()).toHaveLength(before);
  });

  it('refuses wrong, forged, expired and other-key tokens (401/403)', async () => {
    const before = stored().length;
    const file = PNG_HEAD;
    expect((await upload({ token: 'nonsense', key: 'a.png', file })).status).toBe(401);
    const { token } = await grant('bad-alice', 'a.png');
    expect((await upload({ token: token!.slice(0, -2) + (token!.endsWith('AA') ? 'BB' : 'AA'), key: 'a.png', file })).status).toBe(401);
    expect((await upload({ token, key: 'b.png', file })).status).toBe(403);
    const expired = signUploadToken({ appKey: server.devApp.appKey, userId: 'bad-alice', fileType: 1, key: 'a.png', expiresAt: Date.now() - 1 }, uploadTokenKey(server.devApp.appSecret));
    expect(await upload({ token: expired, key: 'a.png', file })).toEqual({ status: 401, body: { code: 401, errorMessage: 'upload token expired' }, cors: '*' });
    // Signed with another app's key but claiming the development app.
    const crossed = signUploadToken({ appKey: server.devApp.appKey, userId: 'bad-alice', fileType: 1, key: 'a.png', expiresAt: Date.now() + 60_000 }, uploadTokenKey(other.appSecret));
    expect((await upload({ token: crossed, key: 'a.png', file })).status).toBe(401);
    expect(stored()).toHaveLength(before);
  });

  it("keeps another app's file out of reach: its users cannot ask for the URL", async () => {
    const { token } = await grant('bad-olga', 'shared-name.png', other);
    expect((await upload({ token, key: 'shared-name.png', file: PNG_HEAD })).status).toBe(200);
    // The same key in the development app names nothing.
    const raw = await RawClient.open(server.url);
    const login = String((await callServerApi(server.url, 'user/getToken', { userId: 'bad-alice' }, server.devApp)).body.token);
    await raw.connect(server.devApp.appKey, login);
    raw.send({ type: 'QUERY', topic: 'qnUrl', targetId: 'bad-alice', messageId: 99, payload: encodePayload('GetDownloadUrlInput', { type: 1, key: 'shared-name.png' }) });
    expect(await raw.nextFrame((f) => f.type === 'QUERYACK' && f.messageId === 99)).toMatchObject({ status: 26010 });
    raw.close();
  });

  it('refuses path tricks in keys, and never uses the file name as a path', async () => {
    for (const key of ['../../etc/passwd', 'a/b.png', '..\\x.png']) expect((await grant('bad-alice', key)).status).toBe(26010);
    const { token } = await grant('bad-alice', 'named.png');
    expect((await upload({ token, key: '../named.png', file: PNG_HEAD })).status).toBe(400);
    const ok = await upload({ token, key: 'named.png', file: PNG_HEAD, fileName: '../../../../tmp/evil.png' });
    expect(ok.status).toBe(200);
    expect(ok.body.name).toBe('evil.png');
    const download = await fetch(String(ok.body.downloadUrl));
    expect(download.headers.get('content-disposition')).toBe(`inline; filename="evil.png"; filename*=UTF-8''evil.png`);
    // Quotes and line breaks never reach a header (browsers escape them in forms; other clients may not).
    expect(cleanFileName('..\\dir\\ev"il\r\n.png')).toBe('evil.png');
    expect(cleanFileName('../..')).toBeUndefined();
  });

  it('serves an HTML file named .png as an octet-stream attachment with nosniff', async () => {
    const { token } = await grant('bad-alice', 'trick.png');
    const html = Buffer.from('<html><body onload="alert(1)"></body></html>');
    const ok = await upload({ token, key: 'trick.png', file: html, fileName: 'trick.png' });
    const download = await fetch(String(ok.body.downloadUrl));
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await download.arrayBuffer()).equals(html)).toBe(true);
  });

  it('refuses malformed forms (400) and unknown or tampered download URLs (404)', async () => {
    const { token } = await grant('bad-alice', 'form.png');
    expect((await upload({ token, key: 'form.png' })).status).toBe(400);
    expect((await upload({ key: 'form.png', file: PNG_HEAD })).status).toBe(400);
    const json = await fetch(`${server.url}/media/upload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    const ok = await upload({ token, key: 'form.png', file: PNG_HEAD });
    const url = String(ok.body.downloadUrl);
    expect((await fetch(url.replace(/[0-9a-f]$/, (c) => (c === '0' ? '1' : '0')))).status).toBe(404);
    expect((await fetch(`${server.url}/media/files/..%2F..%2Fetc/passwd`)).status).toBe(404);
    expect((await fetch(`${server.url}/media/files/${'0'.repeat(64)}/${'0'.repeat(32)}`)).status).toBe(404);
  });

  it('turns uploads past the concurrency cap away before reading them (503), and takes them again once others end', async () => {
    const port = new URL(server.url).port;
    const slow: Socket[] = [];
    // Uploads whose bodies never come: each holds a slot until its connection closes.
    const head = `POST /media/upload HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000\r\n\r\n`;
    for (let i = 0; i < MAX_CONCURRENT_UPLOADS; i++) {
      const socket = connect(Number(port), '127.0.0.1');
      socket.write(head);
      slow.push(socket);
    }
    try {
      await expect.poll(async () => (await upload({ token: 'x', key: 'k.png', file: PNG_HEAD })).status, { timeout: 5000 }).toBe(503);
    } finally {
      for (const socket of slow) socket.destroy();
    }
    await expect.poll(async () => (await upload({ token: 'x', key: 'k.png', file: PNG_HEAD })).status, { timeout: 5000 }).toBe(401);
  });
});
