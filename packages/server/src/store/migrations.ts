/**
 * Versioned schema, shared by both backends. Each migration is a list of statements written once
 * with the few type names that differ between SQLite and PostgreSQL passed in, so the two schemas
 * cannot drift apart. Append new migrations; never edit an applied one.
 */
export interface Dialect {
  /** 64-bit integer: milliseconds, counters. */
  bigint: string;
}

export const sqliteDialect: Dialect = { bigint: 'INTEGER' };
export const postgresDialect: Dialect = { bigint: 'BIGINT' };

export interface Migration {
  version: number;
  name: string;
  statements(d: Dialect): string[];
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'apps and users',
    statements: (d) => [
      `CREATE TABLE apps (
        app_key TEXT PRIMARY KEY,
        app_secret TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        token_lifetime_seconds ${d.bigint} NOT NULL,
        device_policy TEXT NOT NULL,
        max_devices INTEGER NOT NULL,
        safe_domains TEXT NOT NULL,
        signature_mode TEXT NOT NULL,
        api_rate_limit INTEGER NOT NULL,
        created_at ${d.bigint} NOT NULL,
        updated_at ${d.bigint} NOT NULL
      )`,
      `CREATE TABLE users (
        app_key TEXT NOT NULL REFERENCES apps (app_key),
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        portrait_uri TEXT NOT NULL,
        created_at ${d.bigint} NOT NULL,
        tokens_valid_after ${d.bigint} NOT NULL DEFAULT 0,
        blocked_until ${d.bigint} NOT NULL DEFAULT 0,
        deactivated INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (app_key, user_id)
      )`,
      `CREATE INDEX users_blocked ON users (app_key, blocked_until) WHERE blocked_until > 0`,
    ],
  },
];
