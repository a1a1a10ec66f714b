import type { Bus } from '../../bus/bus.js';
import type { AppRecord, AppState, Store } from '../../store/store.js';
import { appSettingsSchema, defaultAppSettings, type AppSettingsInput } from './app-settings.js';
import { generateAppKey, generateAppSecret } from './app-keys.js';

/**
 * How long the server trusts its copy of an app. The CLI writes to the store directly (also while
 * the server runs), so a blocked app or a rotated secret takes effect within this time (for live
 * sessions too: see AppWatcher).
 */
export const APP_CACHE_MS = 1000;

export class AppNotFoundError extends Error {
  constructor(readonly appKey: string) {
    super(`no app with App Key ${appKey}`);
  }
}

export class AppService {
  private readonly cache = new Map<string, { app: AppRecord | undefined; until: number }>();
  /** Bumped at every invalidation, so that a read begun before it cannot put back what it read. */
  private generation = 0;

  /**
   * `bus`: where changes are announced to every node (this one included). The CLI has none: the
   * servers' AppWatcher notices its changes in the store.
   */
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
    private readonly bus?: Bus,
  ) {}

  async create(input: Partial<AppSettingsInput> & { name: string }): Promise<AppRecord> {
    const app = this.newApp(input);
    await this.store.apps.insert(app);
    return app;
  }

  /** Creates the app only if there is no app at all yet; undefined otherwise. */
  async createFirst(input: Partial<AppSettingsInput> & { name: string }): Promise<AppRecord | undefined> {
    // The first app is the development app: the demo serves it and no other.
    const app = { ...this.newApp(input), development: true };
    return (await this.store.apps.insertFirst(app)) ? app : undefined;
  }

  private newApp(input: Partial<AppSettingsInput> & { name: string }): AppRecord {
    const settings = appSettingsSchema.parse({ ...defaultAppSettings, ...input });
    const t = this.now();
    return { ...settings, appKey: generateAppKey(), appSecret: generateAppSecret(), state: 'active', development: false, createdAt: t, updatedAt: t };
  }

  /** The app as recently seen; the hot paths (connect, Server API) call this. */
  async get(appKey: string): Promise<AppRecord | undefined> {
    const t = this.now();
    const cached = this.cache.get(appKey);
    if (cached && cached.until > t) return cached.app;
    return this.load(appKey, t);
  }

  /** The app as stored now, bypassing the cache (which it refreshes): for acting on a change. */
  reread(appKey: string): Promise<AppRecord | undefined> {
    this.forget(appKey);
    return this.load(appKey, this.now());
  }

  forget(appKey: string): void {
    this.cache.delete(appKey);
    this.generation++;
  }

  private async load(appKey: string, t: number): Promise<AppRecord | undefined> {
    const generation = this.generation;
    const app = await this.store.apps.get(appKey);
    if (generation === this.generation) {
      // Unknown keys are cached too, so a flood of bad keys costs one query per key per second;
      // the cap keeps such a flood from growing the map without bound.
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(appKey, { app, until: t + APP_CACHE_MS });
    }
    return app;
  }

  async require(appKey: string): Promise<AppRecord> {
    const app = await this.store.apps.get(appKey);
    if (!app) throw new AppNotFoundError(appKey);
    return app;
  }

  list(): Promise<AppRecord[]> {
    return this.store.apps.list();
  }

  async configure(appKey: string, changes: Partial<AppSettingsInput>): Promise<AppRecord> {
    const checked = appSettingsSchema.partial().parse(changes);
    return this.change(appKey, checked);
  }

  setState(appKey: string, state: AppState): Promise<AppRecord> {
    return this.change(appKey, { state });
  }

  /** A new secret invalidates every token of the app, since token keys derive from it. */
  rotateSecret(appKey: string): Promise<AppRecord> {
    return this.change(appKey, { appSecret: generateAppSecret() });
  }

  private async change(appKey: string, changes: Partial<Omit<AppRecord, 'appKey' | 'createdAt'>>): Promise<AppRecord> {
    const app = await this.store.apps.update(appKey, { ...changes, updatedAt: this.now() });
    this.forget(appKey);
    if (!app) throw new AppNotFoundError(appKey);
    await this.bus?.publish({ kind: 'app-changed', appKey });
    return app;
  }
}
