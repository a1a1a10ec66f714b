import { userInfo } from 'node:os';
import { Pool, TypeOverrides, types } from 'pg';
import { migrations, postgresDialect } from '../migrations.js';
import type { Store } from '../store.js';
import { postgresApps } from './postgres-apps.js';
import { postgresConversationStates } from './postgres-conversation-states.js';
import { postgresGroups } from './postgres-groups.js';
import { postgresDeletions } from './postgres-deletions.js';
import { postgresMessages } from './postgres-messages.js';
import { postgresMessageChanges } from './postgres-message-changes.js';
import { postgresReads } from './postgres-reads.js';
import { inTransaction } from './postgres-transaction.js';
import { postgresUsers } from './postgres-users.js';

export interface PostgresStoreOptions {
  /**
   * Keeps Parley's tables in this schema (created if missing) instead of the connection's default,
   * so that tests, or several deployments, can share one database. An `options` parameter in the
   * URL replaces the one that sets this schema's search_path (pg lets the URL win).
   */
  schema?: string;
  /** Connections this process keeps open at most; 10 when not given. */
  poolSize?: number;
}

/** Unquoted-identifier shape: safe to pass in the connection's startup options and to name in DDL. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** One key for the whole database ("parley" in ASCII), held while a node checks and applies migrations. */
const MIGRATION_LOCK = 0x7061726c6579;

/**
 * The cluster backend: every `parley serve` process shares one PostgreSQL database through its own
 * connection pool. Concurrency between processes is handled in the database: conflict clauses, row
 * locks held to commit around every read that a later write depends on, and an advisory lock for
 * migrations.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`schema name "${schema}" must be lower-case letters, digits and _, not starting with a digit`);
  }
  const pool = new Pool({
    connectionString: withDefaultUser(url),
    max: options.poolSize ?? 10,
    types: bigintsAsNumbers(),
    // Set at connection start-up, so every pooled connection uses the schema from its first query on.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // A pooled connection that breaks while idle (database restart, network) is dropped by the pool and
  // replaced on the next query, which is where failures surface; an unheard 'error' would end the process.
  pool.on('error', () => {});
  try {
    await migrate(pool, schema);
  } catch (error) {
    await pool.end();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    apps: postgresApps(pool),
    users: postgresUsers(pool),
    groups: postgresGroups(pool),
    messages: postgresMessages(pool),
    deletions: postgresDeletions(pool),
    messageChanges: postgresMessageChanges(pool),
    reads: postgresReads(pool),
    conversationStates: postgresConversationStates(pool),
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: () => (closing ??= pool.end()),
  };
}

/**
 * Connects as the operating-system user when nothing else names one, as libpq (psql) does: pg
 * itself looks only at the URL, PGUSER and USER, and services and containers often have no USER.
 */
export function withDefaultUser(url: string): string {
  if (!URL.canParse(url) || process.env.PGUSER || process.env.USER) return url;
  const parsed = new URL(url);
  if (parsed.username) return url;
  try {
    parsed.username = encodeURIComponent(userInfo().username);
  } catch {
    // No account name for this uid: pg reports the missing user name when it connects.
    return url;
  }
  return parsed.toString();
}

/**
 * BIGINT columns hold millisecond instants, inbox cursors, seqs and counts, all far below 2^53, so
 * they are read as numbers rather than pg's default strings. A value beyond that fails the query
 * instead of silently losing precision.
 */
function bigintsAsNumbers(): TypeOverrides {
  const parsers = new TypeOverrides();
  parsers.setTypeParser(types.builtins.INT8, (text: string) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new RangeError(`BIGINT ${text} is beyond the integers a number holds exactly`);
    return value;
  });
  return parsers;
}

async function migrate(pool: Pool, schema: string | undefined): Promise<void> {
  await inTransaction(pool, async (client) => {
    // Nodes starting together queue here and each finds what the previous one applied, so every
    // migration runs once. The lock ends with the transaction; DDL is transactional in PostgreSQL.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements(postgresDialect)) await client.query(statement);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
    }
  });
}
