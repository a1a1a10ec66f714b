import type { AppRecord, AppState, Store } from '../../store/store.js';
import { appSettingsSchema, defaultAppSettings, type AppSettingsInput } from './app-settings.js';
import { generateAppKey, generateAppSecret } from './app-keys.js';

/**
 * How long the server trusts its copy of an app. The CLI writes to the store directly (also while
 * the server runs), so a blocked app or a rotated secret takes effect within this time.
 */
export const APP_CACHE_MS = 1000;

export class AppNotFoundError extends Error {
  constructor(readonly appKey: string) {
    super(`no app with App Key ${appKey}`);
  }
}

export class AppService {
  private readonly cache = new Map<string, { app: AppRecord | undefined; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async create(input: Partial<AppSettingsInput> & { name: string }): Promise<AppRecord> {
    const app = this.newApp(input);
    await this.store.apps.insert(app);
    return app;
  }

  /** Creates the app only if there is no app at all yet; undefined otherwise. */
  async createFirst(input: Partial<AppSettingsInput> & { name: string }): Promise<AppRecord | undefined> {
    const app = this.newApp(input);
    return (await this.store.apps.insertFirst(app)) ? app : undefined;
  }

  private newApp(input: Partial<AppSettingsInput> & { name: string }): AppRecord {
    const settings = appSettingsSchema.parse({ ...defaultAppSettings, ...input });
    const t = this.now();
    return { ...settings, appKey: generateAppKey(), appSecret: generateAppSecret(), state: 'active', createdAt: t, updatedAt: t };
  }

  /** The app as recently seen; the hot paths (connect, Server API) call this. */
  async get(appKey: string): Promise<AppRecord | undefined> {
    const t = this.now();
    const cached = this.cache.get(appKey);
    if (cached && cached.until > t) return cached.app;
    const app = await this.store.apps.get(appKey);
    // Unknown keys are cached too, so a flood of bad keys costs one query per key per second;
    // the cap keeps such a flood from growing the map without bound.
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(appKey, { app, until: t + APP_CACHE_MS });
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
    this.cache.delete(appKey);
    if (!app) throw new AppNotFoundError(appKey);
    return app;
  }
}
