import Database from 'better-sqlite3';

/**
 * A connection to the store's SQLite file, set up the same way on the main thread and in the writer
 * thread. WAL lets readers run beside the one writer, and the CLI change apps while the server runs.
 */
export function openSqliteConnection(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a commit reaches the disk before a message is acked, even across a power cut. Sends are
  // committed in batches (core/messaging/write-batcher.ts), so the fsync is shared.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}
