import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IndexedDbLocalStoreFactory } from './indexeddb-store.js';
import { LocalStoreClosedError, LocalStoreOpenError, type MetaStore, type UserStore } from './local-store.js';

const APP = 'app1key';

function openRaw(indexedDB: IDBFactory, name: string, version: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error(`opening ${name} v${version} was blocked`));
  });
}

describe('IndexedDbLocalStoreFactory', () => {
  let indexedDB: IDBFactory;
  let factory: IndexedDbLocalStoreFactory;
  const opened: (UserStore | MetaStore)[] = [];

  const track = <T extends UserStore | MetaStore>(store: T): T => {
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    indexedDB = new IDBFactory();
    factory = new IndexedDbLocalStoreFactory(indexedDB);
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    vi.unstubAllGlobals();
  });

  it('names one database per user and one meta database per app', async () => {
    track(await factory.openUser(APP, 'Alice|Bob'));
    track(await factory.openUser('app2key', 'Alice|Bob'));
    track(await factory.openMeta(APP));
    const names = (await indexedDB.databases()).map((database) => database.name).sort();
    expect(names).toEqual(['parley-meta:app1key', 'parley:app1key:Alice|Bob', 'parley:app2key:Alice|Bob']);
  });

  it('refuses a userId the server would not accept, creating nothing', async () => {
    for (const userId of ['', 'a b', 'a:b', 'x'.repeat(65)]) {
      await expect(factory.openUser(APP, userId)).rejects.toBeInstanceOf(LocalStoreOpenError);
    }
    expect(await indexedDB.databases()).toEqual([]);
  });

  it('fails with LocalStoreOpenError where there is no IndexedDB', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const withoutIndexedDb = new IndexedDbLocalStoreFactory();
    await expect(withoutIndexedDb.openUser(APP, 'alice')).rejects.toBeInstanceOf(LocalStoreOpenError);
    await expect(withoutIndexedDb.openMeta(APP)).rejects.toBeInstanceOf(LocalStoreOpenError);
  });

  it('uses the global IndexedDB by default', async () => {
    vi.stubGlobal('indexedDB', indexedDB);
    track(await new IndexedDbLocalStoreFactory().openMeta(APP));
    expect((await indexedDB.databases()).map((database) => database.name)).toEqual(['parley-meta:app1key']);
  });

  it('fails with LocalStoreOpenError when open throws (opaque origins)', async () => {
    const denying = {
      open: () => {
        throw new DOMException('access denied', 'SecurityError');
      },
    } as unknown as IDBFactory;
    const failure = new IndexedDbLocalStoreFactory(denying).openUser(APP, 'alice');
    await expect(failure).rejects.toBeInstanceOf(LocalStoreOpenError);
    await expect(failure).rejects.toThrow('access denied');
  });

  it('fails with LocalStoreOpenError on a database of a newer schema', async () => {
    (await openRaw(indexedDB, 'parley:app1key:alice', 99)).close();
    await expect(factory.openUser(APP, 'alice')).rejects.toBeInstanceOf(LocalStoreOpenError);
  });

  it('steps aside when another tab upgrades the database, instead of blocking it', async () => {
    const store = track(await factory.openUser(APP, 'alice'));
    const newer = await openRaw(indexedDB, 'parley:app1key:alice', 99);
    newer.close();
    await expect(store.getSyncCursor()).rejects.toBeInstanceOf(LocalStoreClosedError);
  });
});
