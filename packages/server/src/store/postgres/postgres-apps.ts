import type { Pool } from 'pg';
import type { AppRecord, AppRepository } from '../store.js';
import { appColumns, appColumnValue, appFromRow, type AppField, type AppRow } from '../rows.js';

export function postgresApps(pool: Pool): AppRepository {
  const get = async (appKey: string): Promise<AppRecord | undefined> => {
    const { rows } = await pool.query<AppRow>('SELECT * FROM apps WHERE app_key = $1', [appKey]);
    return rows[0] ? appFromRow(rows[0]) : undefined;
  };
  return {
    insert: async (app) => {
      const fields = Object.keys(appColumns) as AppField[];
      // Column names and placeholders come from the fixed map above; values are bound parameters.
      const columns = ['app_key', ...fields.map((f) => appColumns[f])];
      const placeholders = columns.map((_, i) => `$${i + 1}`);
      await pool.query(`INSERT INTO apps (${columns.join(', ')}) VALUES (${placeholders.join(', ')})`, [
        app.appKey,
        ...fields.map((f) => appColumnValue(f, app[f])),
      ]);
    },
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
