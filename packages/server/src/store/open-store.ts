import { join } from 'node:path';
import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

export class StoreConfigError extends Error {}

/** The embedded SQLite file under the data dir, unless a database URL names another backend. */
export async function openStore(options: { dataDir: string; databaseUrl: string | undefined }): Promise<Store> {
  if (options.databaseUrl) {
    throw new StoreConfigError('--database-url (PostgreSQL cluster mode) is not available in this build yet; omit it to use SQLite');
  }
  return openSqliteStore(join(options.dataDir, 'parley.sqlite'));
}
