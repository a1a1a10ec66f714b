import type { Pool } from 'pg';
import { inTransaction } from './postgres-transaction.js';
import type { AppRecord, AppRepository } from '../store.js';
import { appColumns, appColumnValue, appFromRow, type AppField, type AppRow } from '../rows.js';

/** Serializes "insert the first app" between servers; any constant no other lock of Parley's uses. */
const FIRST_APP_LOCK = 0x706172617070;

export function postgresApps(pool: Pool): AppRepository {
  const fields = Object.keys(appColumns) as AppField[];
  // Column names and placeholders come from the fixed map above; values are bound parameters.
  const columns = ['app_key', ...fields.map((f) => appColumns[f])];
  const placeholders = columns.map((_, i) => `$${i + 1}`);
  const valuesOf = (app: AppRecord) => [app.appKey, ...fields.map((f) => appColumnValue(f, app[f]))];
  const get = async (appKey: string): Promise<AppRecord | undefined> => {
    const { rows } = await pool.query<AppRow>('SELECT * FROM apps WHERE app_key = $1', [appKey]);
    return rows[0] ? appFromRow(rows[0]) : undefined;
  };
  return {
    insert: async (app) => {
      await pool.query(`INSERT INTO apps (${columns.join(', ')}) VALUES (${placeholders.join(', ')})`, valuesOf(app));
    },
    // Two transactions could both see no app and both insert; the lock makes the second wait and
    // then, its statement taking a fresh snapshot under READ COMMITTED, see the first one's app.
    insertFirst: (app) =>
      inTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [FIRST_APP_LOCK]);
        const { rowCount } = await client.query(
          `INSERT INTO apps (${columns.join(', ')}) SELECT ${placeholders.join(', ')} WHERE NOT EXISTS (SELECT 1 FROM apps)`,
          valuesOf(app),
        );
        return rowCount === 1;
      }),
    get,
    // "C" orders keys by bytes, as SQLite does, whatever the database's default collation.
    list: async () => (await pool.query<AppRow>('SELECT * FROM apps ORDER BY created_at, app_key COLLATE "C"')).rows.map(appFromRow),
    update: async (appKey, changes) => {
      const fields = (Object.keys(changes) as AppField[]).filter((f) => f in appColumns);
      if (fields.length === 0) return get(appKey);
      // Column names come from the fixed map above, never from input; values are bound parameters.
      const assignments = fields.map((f, i) => `${appColumns[f]} = $${i + 2}`).join(', ');
      const { rows } = await pool.query<AppRow>(`UPDATE apps SET ${assignments} WHERE app_key = $1 RETURNING *`, [
        appKey,
        ...fields.map((f) => appColumnValue(f, (changes as Partial<AppRecord>)[f])),
      ]);
      return rows[0] ? appFromRow(rows[0]) : undefined;
    },
  };
}
