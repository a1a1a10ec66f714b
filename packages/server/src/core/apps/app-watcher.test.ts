import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../test/support/temp-dir.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { AppRecord, Store } from '../../store/store.js';
import { AppService } from './app-service.js';
import { AppWatcher, changedApps, snapshotApps, type AppSnapshot } from './app-watcher.js';

const snapshot = (entries: [string, AppSnapshot][]) => new Map(entries);
const active = (keyFingerprint = 'k1'): AppSnapshot => ({ state: 'active', keyFingerprint });

describe('changedApps', () => {
  it('finds nothing when state and token key are the same', () => {
    const apps = snapshot([['a', active()], ['b', { state: 'blocked', keyFingerprint: 'k2' }]]);
    expect(changedApps(apps, snapshot([...apps]))).toEqual([]);
  });

  it('finds a changed state, a changed token key, and apps only one reading has', () => {
    const before = snapshot([['blocked', active()], ['rotated', active()], ['same', active()], ['gone', active()]]);
    const after = snapshot([
      ['blocked', { state: 'blocked', keyFingerprint: 'k1' }],
      ['rotated', active('k2')],
      ['same', active()],
      ['new', active()],
    ]);
    expect(changedApps(before, after).sort()).toEqual(['blocked', 'gone', 'new', 'rotated']);
  });
});

describe('snapshotApps', () => {
  it('names the token key by a fingerprint that follows the secret and reveals neither it nor the key', () => {
    const app = (appSecret: string) => ({ appKey: 'a', appSecret, state: 'active' }) as AppRecord;
    const first = snapshotApps([app('secret-one-0123456789abc')]).get('a');
    expect(snapshotApps([app('secret-one-0123456789abc')]).get('a')).toEqual(first);
    const rotated = snapshotApps([app('secret-two-0123456789abc')]).get('a');
    expect(rotated?.keyFingerprint).not.toBe(first?.keyFingerprint);
    expect(JSON.stringify(first)).not.toContain('secret-one');
    expect(first?.keyFingerprint.length).toBeLessThanOrEqual(16);
  });
});

describe('AppWatcher', () => {
  const dir = makeTempDir('parley-app-watcher-');
  let store: Store;
  /** The server's view, with its cache. */
  let served: AppService;
  /** Another process on the same store, as the CLI is: no bus, no shared cache. */
  let cli: AppService;

  beforeAll(() => {
    store = openSqliteStore(join(dir.path, 'parley.sqlite'));
    served = new AppService(store);
    cli = new AppService(store);
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  function watch(onChange: (appKey: string) => Promise<void>): AppWatcher {
    // Ticks are driven by the test; the timer never fires within it.
    return new AppWatcher(served, onChange, pino({ enabled: false }), 60_000);
  }

  it("notices the CLI's block, delete and rotation, and drops the server's cached copy first", async () => {
    const app = await cli.create({ name: 'watched' });
    const seen: { appKey: string; state: string | undefined }[] = [];
    const watcher = watch(async (appKey) => {
      seen.push({ appKey, state: (await served.get(appKey))?.state });
    });
    await watcher.start();
    try {
      expect((await served.get(app.appKey))?.state).toBe('active');
      await watcher.tick();
      expect(seen).toEqual([]);

      await cli.setState(app.appKey, 'blocked');
      await watcher.tick();
      expect(seen).toEqual([{ appKey: app.appKey, state: 'blocked' }]);

      await cli.setState(app.appKey, 'active');
      await cli.rotateSecret(app.appKey);
      await watcher.tick();
      expect(seen).toHaveLength(2);

      await cli.configure(app.appKey, { name: 'renamed' });
      await watcher.tick();
      expect(seen).toHaveLength(2);

      await cli.setState(app.appKey, 'deleted');
      await watcher.tick();
      expect(seen.at(-1)).toEqual({ appKey: app.appKey, state: 'deleted' });
    } finally {
      await watcher.stop();
    }
  });

  it('tries again at the next reading when acting on a change failed', async () => {
    const app = await cli.create({ name: 'flaky' });
    let failures = 1;
    const handled: string[] = [];
    const watcher = watch(async (appKey) => {
      if (failures-- > 0) throw new Error('store unavailable');
      handled.push(appKey);
    });
    await watcher.start();
    try {
      await cli.setState(app.appKey, 'blocked');
      await watcher.tick();
      expect(handled).toEqual([]);
      await watcher.tick();
      expect(handled).toEqual([app.appKey]);
      await watcher.tick();
      expect(handled).toEqual([app.appKey]);
    } finally {
      await watcher.stop();
    }
  });
});
