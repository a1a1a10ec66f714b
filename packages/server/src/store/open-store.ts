import { join } from 'node:path';
import type { Store } from './store.js';
import { openPostgresStore } from './postgres/postgres-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

export class StoreConfigError extends Error {}

/** The embedded store's file in a data dir. */
export function sqliteFileIn(dataDir: string): string {
  return join(dataDir, 'parley.sqlite');
}

/** The embedded SQLite file under the data dir, unless a database URL names PostgreSQL (cluster mode). */
export async function openStore(options: { dataDir: string; databaseUrl: string | undefined }): Promise<Store> {
  const url = options.databaseUrl;
  if (!url) return openSqliteStore(sqliteFileIn(options.dataDir));
  if (/^postgres(ql)?:\/\//i.test(url)) return openPostgresStore(url);
  // Only the scheme is echoed: the rest of the URL may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new StoreConfigError(
    `--database-url must be a postgres:// or postgresql:// URL, not ${scheme ? `a ${scheme}: one` : 'this'}; omit it to use SQLite`,
  );
}
