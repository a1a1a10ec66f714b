import type Database from 'better-sqlite3';
import type { AppRecord, AppRepository } from '../store.js';
import { appColumns, appColumnValue, appFromRow, type AppRow } from '../rows.js';

export function sqliteApps(db: Database.Database): AppRepository {
  const insert = db.prepare(
    `INSERT INTO apps (app_key, app_secret, name, state, token_lifetime_seconds, device_policy, max_devices,
       safe_domains, signature_mode, api_rate_limit, development, created_at, updated_at)
     VALUES (@app_key, @app_secret, @name, @state, @token_lifetime_seconds, @device_policy, @max_devices,
       @safe_domains, @signature_mode, @api_rate_limit, @development, @created_at, @updated_at)`,
  );
  // One writer at a time: the check and the insert of one statement cannot be split by another server.
  const insertFirst = db.prepare(
    `INSERT INTO apps (app_key, app_secret, name, state, token_lifetime_seconds, device_policy, max_devices,
       safe_domains, signature_mode, api_rate_limit, development, created_at, updated_at)
     SELECT @app_key, @app_secret, @name, @state, @token_lifetime_seconds, @device_policy, @max_devices,
       @safe_domains, @signature_mode, @api_rate_limit, @development, @created_at, @updated_at
     WHERE NOT EXISTS (SELECT 1 FROM apps)`,
  );
  const byKey = db.prepare('SELECT * FROM apps WHERE app_key = ?');
  const rowOf = (app: AppRecord): Record<string, unknown> => {
    const row: Record<string, unknown> = { app_key: app.appKey };
    for (const [field, column] of Object.entries(appColumns)) {
      row[column] = appColumnValue(field as keyof typeof appColumns, app[field as keyof typeof appColumns]);
    }
    return row;
  };
  const all = db.prepare('SELECT * FROM apps ORDER BY created_at, app_key');
  return {
    insert: async (app) => {
      insert.run(rowOf(app));
    },
    insertFirst: async (app) => insertFirst.run(rowOf(app)).changes === 1,
    get: async (appKey) => {
      const row = byKey.get(appKey) as AppRow | undefined;
      return row ? appFromRow(row) : undefined;
    },
    list: async () => (all.all() as AppRow[]).map(appFromRow),
    update: async (appKey, changes) => {
      // Column names come from the fixed map above, never from input; values are bound parameters.
      const fields = (Object.keys(changes) as (keyof typeof appColumns)[]).filter((f) => f in appColumns);
      if (fields.length > 0) {
        const assignments = fields.map((f) => `${appColumns[f]} = @${appColumns[f]}`).join(', ');
        const values: Record<string, unknown> = { app_key: appKey };
        for (const f of fields) values[appColumns[f]] = appColumnValue(f, (changes as Partial<AppRecord>)[f]);
        db.prepare(`UPDATE apps SET ${assignments} WHERE app_key = @app_key`).run(values);
      }
      const row = byKey.get(appKey) as AppRow | undefined;
      return row ? appFromRow(row) : undefined;
    },
  };
}
