import type { Logger } from 'pino';
import type { AppRecord, AppState } from '../../store/store.js';
import { tokenKeyFingerprintOf } from './app-keys.js';
import { APP_CACHE_MS, type AppService } from './app-service.js';

/** What of an app decides whether its live sessions may stay. */
export interface AppSnapshot {
  state: AppState;
  keyFingerprint: string;
}

export function snapshotApps(apps: readonly AppRecord[]): Map<string, AppSnapshot> {
  return new Map(apps.map((app) => [app.appKey, { state: app.state, keyFingerprint: tokenKeyFingerprintOf(app) }]));
}

/**
 * The App Keys whose state or token key differ between two readings. An app only one reading has
 * counts as changed: it may have been created, connected to and blocked between the two.
 */
export function changedApps(previous: ReadonlyMap<string, AppSnapshot>, current: ReadonlyMap<string, AppSnapshot>): string[] {
  const changed: string[] = [];
  for (const [appKey, now] of current) {
    const before = previous.get(appKey);
    if (!before || before.state !== now.state || before.keyFingerprint !== now.keyFingerprint) changed.push(appKey);
  }
  for (const appKey of previous.keys()) if (!current.has(appKey)) changed.push(appKey);
  return changed;
}

/**
 * Notices changes to apps that reach no bus: the CLI writes to the store directly, also while
 * servers run. Every `intervalMs` (the time the app cache trusts its copy anyway) it reads all apps
 * and, for each whose state or token key changed since the last reading, drops the cached copy and
 * calls `onChange`. Changes made through a server are announced on the bus as well; noticing them
 * here again costs one more check of that app.
 */
export class AppWatcher {
  private last: Map<string, AppSnapshot> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly apps: AppService,
    private readonly onChange: (appKey: string) => Promise<void>,
    private readonly logger: Logger,
    private readonly intervalMs = APP_CACHE_MS,
  ) {}

  /** Takes the first reading (the baseline), then watches. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One reading; a reading still under way (a slow store) is not overlapped. */
  tick(): Promise<void> {
    this.running ??= this.check().finally(() => (this.running = undefined));
    return this.running;
  }

  private async check(): Promise<void> {
    let current: Map<string, AppSnapshot>;
    try {
      current = snapshotApps(await this.apps.list());
    } catch (err) {
      if (!this.failing) this.logger.warn({ err }, 'app watcher: could not read the apps; retrying');
      this.failing = true;
      return;
    }
    this.failing = false;
    const previous = this.last;
    this.last = current;
    if (!previous) return;
    for (const appKey of changedApps(previous, current)) {
      this.apps.forget(appKey);
      try {
        await this.onChange(appKey);
      } catch (err) {
        this.logger.warn({ err, appKey }, 'app watcher: could not act on a changed app; retrying');
        // Seen as unchanged, it would never be acted on: keep the old view so the next reading retries.
        const before = previous.get(appKey);
        if (before) current.set(appKey, before);
        else current.delete(appKey);
      }
    }
  }
}
