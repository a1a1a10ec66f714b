import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppRecord } from '../../store/store.js';
import type { AppService } from './app-service.js';

/**
 * On first start with an empty store, creates the development app so that `npm start` is enough to
 * try Parley. Returns it only when it was created now, so its secret is shown exactly once; it is
 * also written to `<dataDir>/dev-app.json`, readable by the owner only.
 */
export async function ensureDevApp(apps: AppService, dataDir: string): Promise<AppRecord | undefined> {
  if ((await apps.list()).length > 0) return undefined;
  // Several nodes of a cluster may start together on an empty database: one of them creates it.
  const app = await apps.createFirst({ name: 'dev' });
  if (!app) return undefined;
  await mkdir(dataDir, { recursive: true });
  await writeFile(devAppFile(dataDir), JSON.stringify({ appKey: app.appKey, appSecret: app.appSecret }, null, 2) + '\n', {
    mode: 0o600,
  });
  return app;
}

export function devAppFile(dataDir: string): string {
  return join(dataDir, 'dev-app.json');
}
