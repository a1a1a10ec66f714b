import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/temp-dir.js';
import type { MediaRecord } from '../media-storage.js';
import { LocalMediaStorage } from './local-media-storage.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup() {
  const dir = makeTempDir('parley-media-store-');
  cleanups.push(dir.remove);
  return { dir: dir.path, storage: new LocalMediaStorage(dir.path) };
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const record = (over: Partial<MediaRecord> = {}): MediaRecord => ({
  appKey: 'app', key: 'k.png', uploaderId: 'alice', fileType: 1, sha256: '', size: 0, contentType: 'image/png', disposition: 'inline',
  fileName: 'k.png', downloadUrl: 'http://h/media/files/x/y', accessCode: '0'.repeat(32), createdAt: 1, ...over,
});
const age = (path: string, ms: number) => utimesSync(path, new Date(ms), new Date(ms));
const read = async (stream: NodeJS.ReadableStream | undefined) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream ?? []) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe('local media storage', () => {
  it('stores blobs by hash once, privately, and reads them back', async () => {
    const { dir, storage } = setup();
    const bytes = Buffer.from('hello');
    await storage.putBlob(sha(bytes), bytes);
    await storage.putBlob(sha(bytes), bytes);
    const path = join(dir, 'media', 'blobs', sha(bytes).slice(0, 2), sha(bytes));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await read(await storage.openBlob(sha(bytes)))).toString()).toBe('hello');
    expect(await storage.openBlob('f'.repeat(64))).toBeUndefined();
  });

  it('creates a record once under an id and refuses names that are not hex hashes', async () => {
    const { storage } = setup();
    const id = 'a'.repeat(64);
    expect(await storage.createRecord(id, record())).toBe(true);
    expect(await storage.createRecord(id, record({ uploaderId: 'mallory' }))).toBe(false);
    expect((await storage.getRecord(id))?.uploaderId).toBe('alice');
    await expect(storage.createRecord('../../x', record())).rejects.toThrow('not a storage name');
    await expect(storage.putBlob('a'.repeat(63) + '/', Buffer.from('x'))).rejects.toThrow('not a storage name');
  });

  it('purges what is older than the cutoff, renewed blobs excepted, at most `limit` of each kind a call', async () => {
    const { dir, storage } = setup();
    const old = Buffer.from('old');
    const renewed = Buffer.from('renewed');
    await storage.putBlob(sha(old), old);
    await storage.putBlob(sha(renewed), renewed);
    await storage.createRecord('b'.repeat(64), record());
    const blobPath = (b: Buffer) => join(dir, 'media', 'blobs', sha(b).slice(0, 2), sha(b));
    for (const path of [blobPath(old), blobPath(renewed), join(dir, 'media', 'records', 'bb', `${'b'.repeat(64)}.json`)]) age(path, 1000);
    // Uploading the same bytes again renews them.
    await storage.putBlob(sha(renewed), renewed);
    // One old record and one old blob: `limit` counts each kind.
    expect(await storage.purgeBefore(Date.now() - 60_000, 1)).toBe(2);
    expect(await storage.purgeBefore(Date.now() - 60_000, 10)).toBe(0);
    expect(existsSync(blobPath(old))).toBe(false);
    expect(existsSync(blobPath(renewed))).toBe(true);
    expect(await storage.getRecord('b'.repeat(64))).toBeUndefined();
    expect(readdirSync(join(dir, 'media', 'tmp'))).toEqual([]);
  });
});
