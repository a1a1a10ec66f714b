import type { Pool } from 'pg';
import type { AppRecord, AppRepository } from '../store.js';

interface AppRow {
  app_key: string;
  app_secret: string;
  name: string;
  state: string;
  token_lifetime_seconds: number;
  device_policy: string;
  max_devices: number;
  safe_domains: string;
  signature_mode: string;
  api_rate_limit: number;
  created_at: number;
  updated_at: number;
}

type AppField = keyof Omit<AppRecord, 'appKey'>;

const appColumns: Record<AppField, keyof AppRow> = {
  appSecret: 'app_secret',
  name: 'name',
  state: 'state',
  tokenLifetimeSeconds: 'token_lifetime_seconds',
  devicePolicy: 'device_policy',
  maxDevices: 'max_devices',
  safeDomains: 'safe_domains',
  signatureMode: 'signature_mode',
  apiRateLimit: 'api_rate_limit',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

function appFromRow(row: AppRow): AppRecord {
  return {
    appKey: row.app_key,
    appSecret: row.app_secret,
    name: row.name,
    state: row.state as AppRecord['state'],
    tokenLifetimeSeconds: row.token_lifetime_seconds,
    devicePolicy: row.device_policy as AppRecord['devicePolicy'],
    maxDevices: row.max_devices,
    safeDomains: JSON.parse(row.safe_domains) as string[],
    signatureMode: row.signature_mode as AppRecord['signatureMode'],
    apiRateLimit: row.api_rate_limit,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function appColumnValue(field: AppField, value: unknown): unknown {
  return field === 'safeDomains' ? JSON.stringify(value) : value;
}

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
