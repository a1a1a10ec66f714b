import { randomBytes } from 'node:crypto';
import type { IAReceivedMessage } from '@rongcloud/imlib-next';
import { describe, expect, it } from 'vitest';
import type { OfficialClient } from './support/official-sdk/official-client.js';
import { officialSdkSuite } from './support/official-sdk/official-sdk-suite.js';

/**
 * File uploads with the unmodified official Web SDK: `sendImageMessage` and `sendFileMessage` ask
 * `qnTkn`, POST the file to navigation's `uploadServer` (Parley), ask `qnUrl`, and send the
 * message; the peer receives it and downloads the same bytes from the URL it carries.
 */
const suite = officialSdkSuite();
const { login } = suite;

const PRIVATE = 1;

/** A real PNG (1x1, one red pixel) followed by random bytes, so each upload is distinct. */
const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082', 'hex'),
  randomBytes(64),
]);

function received(client: OfficialClient): IAReceivedMessage[] {
  return client.payloadsOf('MESSAGES').flatMap((p) => p.messages);
}

async function sendMedia(client: OfficialClient, kind: 'image' | 'file', targetId: string, bytes: Buffer, name: string, type: string) {
  return client.call<IAReceivedMessage>('sendMediaMessage', { kind, conversationType: PRIVATE, targetId, base64: bytes.toString('base64'), name, type }, 20_000);
}

async function download(url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('official Web SDK: image and file messages', () => {
  it('sends an image message whose URL serves the uploaded bytes inline to the peer', async () => {
    const alice = await login('media-alice');
    const bob = await login('media-bob');
    const sent = await sendMedia(alice, 'image', 'media-bob', PNG, 'red.png', 'image/png');
    expect(sent.code).toBe(0);
    const imageUri = (sent.data!.content as { imageUri: string }).imageUri;
    expect(imageUri.startsWith(`${suite.server.url}/media/files/`)).toBe(true);

    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === 'RC:ImgMsg'));
    const got = received(bob).find((m) => m.messageType === 'RC:ImgMsg')!;
    expect(got.senderUserId).toBe('media-alice');
    const content = got.content as { imageUri: string; content: string };
    expect(content.imageUri).toBe(imageUri);
    expect(content.content.length).toBeGreaterThan(0);

    const file = await download(content.imageUri);
    expect(file.status).toBe(200);
    expect(file.bytes.equals(PNG)).toBe(true);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    // The upload went to Parley, as a multipart form, and nothing left the machine.
    expect(alice.httpRequests.filter((r) => r.method === 'POST' && r.originalUrl === `${suite.server.url}/media/upload`)).toHaveLength(1);
    expect(alice.httpRequests.every((r) => !r.redirectedToClosedPort || !r.originalUrl.includes('/media/'))).toBe(true);
  });

  it('sends a file message; the peer downloads the same bytes, as an attachment', async () => {
    const alice = await login('media-carol');
    const bob = await login('media-dave');
    const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(300_000)]);
    const sent = await sendMedia(alice, 'file', 'media-dave', bytes, 'report 2026.pdf', 'application/pdf');
    expect(sent.code).toBe(0);
    // The SDK's onProgress hook heard the upload go out, rising to all of it.
    const progress = alice.payloadsOf('harness:upload-progress') as number[];
    expect(progress.length).toBeGreaterThan(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    await bob.waitForEvent('MESSAGES', (p) => p.messages.some((m) => m.messageType === 'RC:FileMsg'));
    const content = received(bob).find((m) => m.messageType === 'RC:FileMsg')!.content as { fileUrl: string; name: string; size: number };
    expect(content).toMatchObject({ name: 'report 2026.pdf', size: bytes.length });
    const file = await download(content.fileUrl);
    expect(file.bytes.equals(bytes)).toBe(true);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="report 2026.pdf"; filename*=UTF-8''report%202026.pdf`);
  });

  it('serves an HTML page sent as an image file as an octet-stream attachment', async () => {
    const alice = await login('media-erin');
    await login('media-frank');
    const html = Buffer.from('<!doctype html><script>document.title="owned"</script>');
    const sent = await sendMedia(alice, 'file', 'media-frank', html, 'cat.png', 'image/png');
    expect(sent.code).toBe(0);
    const file = await download((sent.data!.content as { fileUrl: string }).fileUrl);
    expect(file.bytes.equals(html)).toBe(true);
    expect(file.headers.get('content-type')).toBe('application/octet-stream');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment;/);
  });
});
