import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations, sqliteDialect } from '../migrations.js';
import type {
  AppRecord,
  AppRepository,
  Store,
  UserProfile,
  UserRecord,
  UserRepository,
} from '../store.js';

/**
 * The embedded backend: one SQLite file in WAL mode, so the CLI can change apps while the server
 * runs. better-sqlite3 is synchronous; its calls are short point queries, and the async wrappers
 * only give the same shape as the PostgreSQL backend.
 */
export function openSqliteStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return {
    apps: sqliteApps(db),
    users: sqliteUsers(db),
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

const appColumns: Record<keyof Omit<AppRecord, 'appKey'>, keyof AppRow> = {
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

function appColumnValue(field: keyof Omit<AppRecord, 'appKey'>, value: unknown): unknown {
  return field === 'safeDomains' ? JSON.stringify(value) : value;
}

function sqliteApps(db: Database.Database): AppRepository {
  const insert = db.prepare(
    `INSERT INTO apps (app_key, app_secret, name, state, token_lifetime_seconds, device_policy, max_devices,
       safe_domains, signature_mode, api_rate_limit, created_at, updated_at)
     VALUES (@app_key, @app_secret, @name, @state, @token_lifetime_seconds, @device_policy, @max_devices,
       @safe_domains, @signature_mode, @api_rate_limit, @created_at, @updated_at)`,
  );
  const byKey = db.prepare('SELECT * FROM apps WHERE app_key = ?');
  const all = db.prepare('SELECT * FROM apps ORDER BY created_at, app_key');
  return {
    insert: async (app) => {
      const row: Record<string, unknown> = { app_key: app.appKey };
      for (const [field, column] of Object.entries(appColumns)) {
        row[column] = appColumnValue(field as keyof typeof appColumns, app[field as keyof typeof appColumns]);
      }
      insert.run(row);
    },
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

interface UserRow {
  app_key: string;
  user_id: string;
  name: string;
  portrait_uri: string;
  created_at: number;
  tokens_valid_after: number;
  blocked_until: number;
  deactivated: number;
}

function userFromRow(row: UserRow): UserRecord {
  return {
    appKey: row.app_key,
    userId: row.user_id,
    name: row.name,
    portraitUri: row.portrait_uri,
    createdAt: row.created_at,
    tokensValidAfter: row.tokens_valid_after,
    blockedUntil: row.blocked_until,
    deactivated: row.deactivated === 1,
  };
}

function sqliteUsers(db: Database.Database): UserRepository {
  const get = db.prepare('SELECT * FROM users WHERE app_key = ? AND user_id = ?');
  const ensure = db.prepare(
    `INSERT INTO users (app_key, user_id, name, portrait_uri, created_at) VALUES (?, ?, '', '', ?)
     ON CONFLICT (app_key, user_id) DO NOTHING`,
  );
  const setProfile = db.prepare(
    `UPDATE users SET name = COALESCE(@name, name), portrait_uri = COALESCE(@portraitUri, portrait_uri)
     WHERE app_key = @appKey AND user_id = @userId`,
  );
  const setTokensValidAfter = db.prepare('UPDATE users SET tokens_valid_after = ? WHERE app_key = ? AND user_id = ?');
  const setBlockedUntil = db.prepare('UPDATE users SET blocked_until = ? WHERE app_key = ? AND user_id = ?');
  const setDeactivated = db.prepare('UPDATE users SET deactivated = ? WHERE app_key = ? AND user_id = ?');
  const blocked = db.prepare(
    'SELECT * FROM users WHERE app_key = ? AND blocked_until > ? ORDER BY user_id LIMIT ? OFFSET ?',
  );

  const profileParams = (appKey: string, userId: string, profile: UserProfile) => ({
    appKey,
    userId,
    name: profile.name ?? null,
    portraitUri: profile.portraitUri ?? null,
  });

  const setForMany = (statement: Database.Statement, value: number) =>
    db.transaction((appKey: string, userIds: string[], now: number) => {
      for (const userId of userIds) {
        ensure.run(appKey, userId, now);
        statement.run(value, appKey, userId);
      }
    });

  return {
    upsertProfile: async (appKey, userId, profile, now) => {
      const row = db.transaction(() => {
        ensure.run(appKey, userId, now);
        setProfile.run(profileParams(appKey, userId, profile));
        return get.get(appKey, userId) as UserRow;
      })();
      return userFromRow(row);
    },
    get: async (appKey, userId) => {
      const row = get.get(appKey, userId) as UserRow | undefined;
      return row ? userFromRow(row) : undefined;
    },
    updateProfile: async (appKey, userId, profile) =>
      setProfile.run(profileParams(appKey, userId, profile)).changes > 0,
    setTokensValidAfter: async (appKey, userIds, instant, now) => {
      setForMany(setTokensValidAfter, instant)(appKey, userIds, now);
    },
    setBlockedUntil: async (appKey, userIds, instant, now) => {
      setForMany(setBlockedUntil, instant)(appKey, userIds, now);
    },
    setDeactivated: async (appKey, userIds, deactivated, now) => {
      setForMany(setDeactivated, deactivated ? 1 : 0)(appKey, userIds, now);
    },
    listBlocked: async (appKey, now, page) =>
      (blocked.all(appKey, now, page.limit, page.offset) as UserRow[]).map(userFromRow),
  };
}
