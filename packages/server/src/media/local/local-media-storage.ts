import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../data-dir.js';
import { isStorageName, type MediaRecord, type MediaStorage } from '../media-storage.js';

/**
 * Files in the data directory: `media/blobs/<ab>/<sha256>` and `media/records/<ab>/<id>.json`,
 * fanned out by the first two hex digits. Writes go to a temporary name and are renamed into
 * place, so a reader never sees half a file. A file's modification time is its age for retention.
 */
export class LocalMediaStorage implements MediaStorage {
  private readonly blobs: string;
  private readonly records: string;
  private readonly temp: string;

  constructor(dataDir: string) {
    const root = join(dataDir, 'media');
    this.blobs = join(root, 'blobs');
    this.records = join(root, 'records');
    this.temp = join(root, 'tmp');
    for (const dir of [root, this.blobs, this.records, this.temp]) ensurePrivateDir(dir);
  }

  async putBlob(sha256: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(this.blobs, sha256, '');
    const now = new Date();
    try {
      await utimes(path, now, now);
      return;
    } catch {
      // Not there yet: written below.
    }
    await this.writeAtomically(path, bytes);
  }

  async openBlob(sha256: string): Promise<Readable | undefined> {
    const path = this.pathOf(this.blobs, sha256, '');
    try {
      await stat(path);
    } catch {
      return undefined;
    }
    return createReadStream(path);
  }

  async createRecord(id: string, record: MediaRecord): Promise<boolean> {
    const path = this.pathOf(this.records, id, '.json');
    await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
    try {
      // 'wx': the existence check and the write are one step, so two uploads of a key cannot both win.
      const handle = await open(path, 'wx', PRIVATE_FILE_MODE);
      try {
        await handle.writeFile(JSON.stringify(record));
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async getRecord(id: string): Promise<MediaRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.pathOf(this.records, id, '.json'), 'utf8')) as MediaRecord;
    } catch {
      return undefined;
    }
  }

  async purgeBefore(cutoff: number, limit: number): Promise<number> {
    // Records first: a blob is renewed by every upload of its bytes, so it never outlives the records naming it by being older.
    return (await this.purgeDir(this.records, cutoff, limit)) + (await this.purgeDir(this.blobs, cutoff, limit)) + (await this.purgeDir(this.temp, cutoff, limit, true));
  }

  private async purgeDir(dir: string, cutoff: number, limit: number, flat = false): Promise<number> {
    let removed = 0;
    const dirs = flat ? [dir] : (await readdir(dir)).filter((d) => /^[0-9a-f]{2}$/.test(d)).map((d) => join(dir, d));
    for (const sub of dirs) {
      for (const name of await readdir(sub)) {
        if (removed >= limit) return removed;
        const path = join(sub, name);
        const info = await stat(path).catch(() => undefined);
        if (info && info.mtimeMs < cutoff) {
          await rm(path, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  private async writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
    const temp = join(this.temp, randomUUID());
    await writeFile(temp, bytes, { mode: PRIVATE_FILE_MODE });
    await rename(temp, path);
  }

  private pathOf(dir: string, name: string, suffix: string): string {
    if (!isStorageName(name)) throw new Error('not a storage name');
    return join(dir, name.slice(0, 2), name + suffix);
  }
}
