import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations, sqliteDialect } from '../migrations.js';
import type { Store } from '../store.js';
import { sqliteApps } from './sqlite-apps.js';
import { sqliteGroups } from './sqlite-groups.js';
import { sqliteMessages } from './sqlite-messages.js';
import { sqliteUsers } from './sqlite-users.js';

/**
 * The embedded backend: one SQLite file in WAL mode, so the CLI can change apps while the server
 * runs. better-sqlite3 is synchronous; its calls are short point queries, and the async wrappers
 * only give the same shape as the PostgreSQL backend.
 */
export function openSqliteStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a commit reaches the disk before a message is acked, even across a power cut. Sends are
  // committed in batches (core/messaging/write-batcher.ts), so the fsync is shared.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return {
    apps: sqliteApps(db),
    users: sqliteUsers(db),
    groups: sqliteGroups(db),
    messages: sqliteMessages(db),
    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => {
      if (db.open) db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    // IMMEDIATE takes the write lock first, so a CLI and a server starting together cannot both migrate.
    db.transaction(() => {
      const again = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
      if (again) return;
      for (const statement of migration.statements(sqliteDialect)) db.exec(statement);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    }).immediate();
  }
}
