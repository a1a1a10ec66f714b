import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRecord, Store } from '../../src/store/store.js';

/**
 * The behaviour every Store backend must show. Each backend's test file calls this with a factory
 * that returns an empty, migrated store.
 */
export function describeStoreContract(backend: string, open: () => Promise<Store>, reopen?: () => Promise<Store>): void {
  describe(`${backend} store`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const app = (appKey: string): AppRecord => ({
      appKey,
      appSecret: `secret-${appKey}`,
      name: appKey,
      state: 'active',
      tokenLifetimeSeconds: 0,
      devicePolicy: 'per-class',
      maxDevices: 5,
      safeDomains: ['example.com'],
      signatureMode: 'compatible',
      apiRateLimit: 100,
      createdAt: 1,
      updatedAt: 1,
    });

    it('stores, lists and updates apps', async () => {
      await store.apps.insert(app('a1'));
      await store.apps.insert({ ...app('a2'), createdAt: 2 });
      expect(await store.apps.get('a1')).toEqual(app('a1'));
      expect((await store.apps.list()).map((a) => a.appKey)).toEqual(['a1', 'a2']);
      const updated = await store.apps.update('a1', { state: 'blocked', safeDomains: [], tokenLifetimeSeconds: 60, updatedAt: 5 });
      expect(updated).toEqual({ ...app('a1'), state: 'blocked', safeDomains: [], tokenLifetimeSeconds: 60, updatedAt: 5 });
      expect(await store.apps.get('missing')).toBeUndefined();
      expect(await store.apps.update('missing', { state: 'blocked' })).toBeUndefined();
    });

    it('refuses a second app with the same key and keeps the first', async () => {
      await store.apps.insert(app('a1'));
      await expect(store.apps.insert({ ...app('a1'), name: 'other' })).rejects.toThrow();
      expect((await store.apps.get('a1'))?.name).toBe('a1');
    });

    it('upserts profiles, changing only the fields given', async () => {
      await store.apps.insert(app('a1'));
      const created = await store.users.upsertProfile('a1', 'u1', { name: 'Ann', portraitUri: 'p1' }, 10);
      expect(created).toMatchObject({ userId: 'u1', name: 'Ann', portraitUri: 'p1', createdAt: 10, tokensValidAfter: 0 });
      const renamed = await store.users.upsertProfile('a1', 'u1', { name: 'Anne' }, 20);
      expect(renamed).toMatchObject({ name: 'Anne', portraitUri: 'p1', createdAt: 10 });
      expect(await store.users.updateProfile('a1', 'u1', { portraitUri: 'p2' })).toBe(true);
      expect(await store.users.updateProfile('a1', 'nobody', { portraitUri: 'p2' })).toBe(false);
      expect(await store.users.get('a1', 'u1')).toMatchObject({ name: 'Anne', portraitUri: 'p2' });
    });

    it('keeps the users of different apps apart', async () => {
      await store.apps.insert(app('a1'));
      await store.apps.insert(app('a2'));
      await store.users.upsertProfile('a1', 'same', { name: 'one' }, 1);
      await store.users.upsertProfile('a2', 'same', { name: 'two' }, 1);
      await store.users.setBlockedUntil('a1', ['same'], 1000, 1);
      expect(await store.users.get('a1', 'same')).toMatchObject({ name: 'one', blockedUntil: 1000 });
      expect(await store.users.get('a2', 'same')).toMatchObject({ name: 'two', blockedUntil: 0 });
    });

    it('sets bans, expiry instants and deactivation for several users, creating missing ones', async () => {
      await store.apps.insert(app('a1'));
      await store.users.setBlockedUntil('a1', ['b', 'a', 'c'], 5000, 1);
      await store.users.setBlockedUntil('a1', ['c'], 0, 1);
      await store.users.setTokensValidAfter('a1', ['a'], 777, 1);
      await store.users.setDeactivated('a1', ['b'], true, 1);
      expect((await store.users.listBlocked('a1', 100, { offset: 0, limit: 10 })).map((u) => u.userId)).toEqual(['a', 'b']);
      expect((await store.users.listBlocked('a1', 100, { offset: 1, limit: 10 })).map((u) => u.userId)).toEqual(['b']);
      expect(await store.users.listBlocked('a1', 5000, { offset: 0, limit: 10 })).toEqual([]);
      expect(await store.users.get('a1', 'a')).toMatchObject({ tokensValidAfter: 777, deactivated: false });
      expect(await store.users.get('a1', 'b')).toMatchObject({ deactivated: true });
      await store.users.setDeactivated('a1', ['b'], false, 1);
      expect(await store.users.get('a1', 'b')).toMatchObject({ deactivated: false });
    });

    if (reopen) {
      it('keeps what it stored across a close and reopen', async () => {
        await store.apps.insert(app('a1'));
        await store.users.upsertProfile('a1', 'u1', { name: 'kept' }, 1);
        await store.close();
        store = await reopen();
        expect(await store.users.get('a1', 'u1')).toMatchObject({ name: 'kept' });
      });
    }
  });
}
