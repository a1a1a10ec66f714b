import type Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { migrations, sqliteDialect } from '../migrations.js';
import type { Store } from '../store.js';
import { ensurePrivateDir, ensurePrivateFile } from '../../data-dir.js';
import { sqliteApps } from './sqlite-apps.js';
import { sqliteConversationStates } from './sqlite-conversation-states.js';
import { sqliteGroups } from './sqlite-groups.js';
import { MessageWriterThread } from './writer/writer-thread.js';
import { openSqliteConnection } from './sqlite-connection.js';
import { sqliteDeletions } from './sqlite-deletions.js';
import { sqliteMessages } from './sqlite-messages.js';
import { sqliteMessageChanges } from './sqlite-message-changes.js';
import { sqliteReads } from './sqlite-reads.js';
import { InboxTail } from './inbox-tail.js';
import { sqliteUsers } from './sqlite-users.js';

/**
 * The embedded backend: one SQLite file. better-sqlite3 is synchronous: reads and the rare writes
 * (apps, users, groups) are short point queries on the main thread, while message writes, whose
 * commits are the heavy part, run in a writer thread on a connection of their own.
 */
export function openSqliteStore(file: string): Store {
  ensurePrivateDir(dirname(file));
  ensurePrivateFile(file);
  const db = openSqliteConnection(file);
  migrate(db);
  const writer = new MessageWriterThread(file);
  const tail = new InboxTail();
  return {
    apps: sqliteApps(db),
    users: sqliteUsers(db),
    groups: sqliteGroups(db),
    messages: sqliteMessages(db, writer, tail),
    deletions: sqliteDeletions(writer, tail),
    messageChanges: sqliteMessageChanges(db, writer, tail),
    reads: sqliteReads(db, writer),
    conversationStates: sqliteConversationStates(db),
    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => {
      await writer.close();
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
