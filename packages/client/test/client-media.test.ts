import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { IMError } from '@parley/client';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { connectedDevice } from './support/connected-device.js';

/** Image and file messages through @parley/client: upload with progress, then the peer downloads the same bytes. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PRIVATE = 1;
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(200_000)]);

async function server(overrides: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const started = await startTestServer(overrides);
  cleanups.push(() => started.stop());
  return started;
}

const device = (s: TestServer, userId: string) => connectedDevice(s, userId, cleanups);

const downloaded = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

describe('@parley/client files', () => {
  it('sends an image from a Buffer with progress; the peer gets RC:ImgMsg and downloads the same bytes', async () => {
    const s = await server();
    const alice = await device(s, 'cm-alice');
    const bob = await device(s, 'cm-bob');
    const progress: [number, number][] = [];
    const sent = await alice.c.sendImageMessage(PRIVATE, 'cm-bob', PNG, { name: 'photo.png', thumbnail: 'AAAA', onProgress: (loaded, total) => progress.push([loaded, total]) });
    expect(sent.objectName).toBe('RC:ImgMsg');
    // Several reports, rising, ending with the whole body (the file and the form around it).
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every(([loaded], i) => i === 0 || loaded > (progress[i - 1]?.[0] ?? 0))).toBe(true);
    const [last, total] = progress.at(-1)!;
    expect(last).toBe(total);
    expect(total).toBeGreaterThan(PNG.length);

    await expect.poll(() => bob.received.map((m) => m.objectName)).toContain('RC:ImgMsg');
    const content = bob.received.find((m) => m.objectName === 'RC:ImgMsg')!.content as { imageUri: string; content: string };
    expect(content.content).toBe('AAAA');
    expect((await downloaded(content.imageUri)).equals(PNG)).toBe(true);
  });

  it('sends a file from a Blob; the peer gets RC:FileMsg with its name, size and URL', async () => {
    const s = await server();
    const alice = await device(s, 'cm-carol');
    const bob = await device(s, 'cm-dave');
    const bytes = randomBytes(5000);
    await alice.c.sendFileMessage(PRIVATE, 'cm-dave', new Blob([bytes]), { name: 'notes.txt' });
    await expect.poll(() => bob.received.map((m) => m.objectName)).toContain('RC:FileMsg');
    const content = bob.received.find((m) => m.objectName === 'RC:FileMsg')!.content as { name: string; size: number; type: string; fileUrl: string };
    expect(content).toMatchObject({ name: 'notes.txt', size: 5000, type: 'txt' });
    const response = await fetch(content.fileUrl);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('refuses a file over the server limit before uploading it (26106), and sends nothing', async () => {
    const s = await server({ uploadLimit: 4096 });
    const alice = await device(s, 'cm-erin');
    const bob = await device(s, 'cm-fred');
    const progress: number[] = [];
    const refused = await alice.c.sendFileMessage(PRIVATE, 'cm-fred', new Uint8Array(10_000), { name: 'big.bin', onProgress: (loaded) => progress.push(loaded) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IMError);
    expect((refused as IMError).code).toBe(26106);
    expect(progress).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(bob.received).toEqual([]);
  });
});
