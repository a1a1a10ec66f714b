import Database from 'better-sqlite3';
import { closeSync, existsSync, linkSync, openSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { sqliteFileIn } from '../store/open-store.js';
import { configFlag, settingFlags, type Command } from './command.js';
import { loadConfig } from './config-file.js';
import { UsageError, stdoutOutput } from './output.js';

/** What the Postgres operator is told instead: the server has nothing to add to pg_dump. */
export const POSTGRES_BACKUP_ADVICE =
  'parley backup copies the embedded SQLite store; a PostgreSQL store is backed up with pg_dump, e.g. pg_dump --format=custom --file parley.dump "$PARLEY_DATABASE_URL" (restore with pg_restore)';

export const backup: Command = {
  name: 'backup',
  args: 'FILE',
  summary: 'copies the SQLite store to FILE, also while the server runs and writes (SQLite\'s online backup); for PostgreSQL it points to pg_dump',
  details: [
    'The copy is one consistent moment of the store: every message the server had acknowledged when the copy was taken is in it, none in part. It is checked before the command ends.',
    'FILE must not exist yet (a backup never overwrites), and is readable by its owner only. To restore: stop the server, put FILE in place of parley.sqlite in the data directory (removing parley.sqlite-wal and parley.sqlite-shm), start it.',
  ].join('\n'),
  flags: [configFlag, ...settingFlags('dataDir', 'databaseUrl')],
  run: async ({ values, positionals }) => {
    const config = loadConfig(values);
    if (config.databaseUrl) throw new UsageError(POSTGRES_BACKUP_ADVICE);
    if (positionals.length !== 1) throw new UsageError('parley backup FILE: name the one file to write the copy to');
    const source = sqliteFileIn(config.dataDir);
    const copy = await backupSqlite(source, resolve(positionals[0] as string));
    stdoutOutput.line(`Backed up ${source} to ${copy.file}: ${copy.pages} pages (${(copy.bytes / 1024 / 1024).toFixed(1)} MiB), integrity checked.`);
    return 0;
  },
};

/**
 * Copies a live SQLite file with SQLite's online backup API: from a read transaction of its own, so
 * the copy is one committed state whatever the server writes meanwhile. The copy is made under a
 * temporary name beside `target` and linked to it only once complete and checked.
 */
export async function backupSqlite(source: string, target: string): Promise<{ file: string; pages: number; bytes: number }> {
  if (!existsSync(source)) throw new UsageError(`no SQLite store at ${source}: is --data-dir the server's?`);
  if (existsSync(target)) throw new UsageError(`${target} exists: give a new file (a backup never overwrites)`);
  if (!existsSync(dirname(target))) throw new UsageError(`${dirname(target)} does not exist: create it first`);
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  // Created here, owner-only, before SQLite writes the store's contents into it.
  closeSync(openSync(partial, 'wx', 0o600));
  try {
    // Read-write only so that, when it is the last connection, closing it tidies the WAL files away;
    // it writes nothing.
    const db = new Database(source, { fileMustExist: true });
    let pages: number;
    try {
      db.pragma('busy_timeout = 5000');
      // All pages in one step: the copy is taken inside one read transaction. Smaller steps would
      // start over each time the server commits in between, and under steady writes never end.
      pages = (await db.backup(partial, { progress: ({ totalPages }) => totalPages + 1 })).totalPages;
    } finally {
      db.close();
    }
    let bytes: number;
    const check = new Database(partial, { fileMustExist: true });
    try {
      // The store runs in WAL mode, and so would the copy: one self-contained file is what a backup should be.
      check.pragma('journal_mode = DELETE');
      const verdict = check.pragma('quick_check', { simple: true });
      if (verdict !== 'ok') throw new Error(`the copy failed its check (${String(verdict)}); nothing was written to ${target}`);
      bytes = pages * Number(check.pragma('page_size', { simple: true }));
    } finally {
      check.close();
    }
    try {
      linkSync(partial, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${target} appeared while the copy was made: nothing was overwritten`);
      throw error;
    }
    return { file: target, pages, bytes };
  } finally {
    for (const file of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) rmSync(file, { force: true });
  }
}
