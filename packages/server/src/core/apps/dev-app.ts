import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../data-dir.js';
import type { AppRecord, Store } from '../../store/store.js';
import type { AppService } from './app-service.js';

/**
 * On first start with an empty store, creates the development app so that `npm start` is enough to
 * try Parley. Returns it only when it was created now, so its secret is shown exactly once; it is
 * also written to `<dataDir>/dev-app.json`, readable by the owner only. The store records which app
 * it is (`development`), so the demo serves that app and no other, on every node.
 */
export async function ensureDevApp(apps: AppService, store: Store, dataDir: string): Promise<AppRecord | undefined> {
  if ((await apps.list()).length > 0) {
    await recordOlderDevApp(store, dataDir);
    return undefined;
  }
  // Several nodes of a cluster may start together on an empty database: one of them creates it.
  const app = await apps.createFirst({ name: 'dev' });
  if (!app) return undefined;
  ensurePrivateDir(dataDir);
  await writeFile(devAppFile(dataDir), JSON.stringify({ appKey: app.appKey, appSecret: app.appSecret }, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
  return app;
}

/** The development app, if the store has one (deleted or not: the caller decides what that means). */
export async function findDevelopmentApp(store: Store): Promise<AppRecord | undefined> {
  return (await store.apps.list()).find((app) => app.development);
}

/**
 * Stores made before the store recorded the development app: the app `dev-app.json` names, if it
 * still exists, becomes it. Nothing else does: no "oldest app" guess that could hand a production
 * app to the demo.
 */
async function recordOlderDevApp(store: Store, dataDir: string): Promise<void> {
  if (await findDevelopmentApp(store)) return;
  const saved = await readFile(devAppFile(dataDir), 'utf8')
    .then((text) => (JSON.parse(text) as { appKey?: unknown }).appKey)
    .catch(() => undefined);
  if (typeof saved === 'string' && (await store.apps.get(saved))) await store.apps.update(saved, { development: true });
}

export function devAppFile(dataDir: string): string {
  return join(dataDir, 'dev-app.json');
}
