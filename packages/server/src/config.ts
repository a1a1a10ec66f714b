import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { z } from 'zod';

/** Every `parley serve` setting: a flag, with an environment variable twin. */
export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  publicUrl: string | undefined;
  adminToken: string | undefined;
  logLevel: string;
  /** Messages older than this are purged. */
  retentionDays: number;
  /** Messages per second one user may send from clients (a burst of twice that). */
  userSendRate: number;
  /** WebSocket handshakes per second allowed from one IP address (a burst of twice that). */
  handshakeRate: number;
  /** The demo chat's token-issuing routes (`/demo/api`): on unless `--no-demo`. */
  demo: boolean;
}

const envTwins = {
  port: 'PARLEY_PORT',
  host: 'PARLEY_HOST',
  'data-dir': 'PARLEY_DATA_DIR',
  'database-url': 'PARLEY_DATABASE_URL',
  'redis-url': 'PARLEY_REDIS_URL',
  'public-url': 'PARLEY_PUBLIC_URL',
  'admin-token': 'PARLEY_ADMIN_TOKEN',
  'log-level': 'PARLEY_LOG_LEVEL',
  'retention-days': 'PARLEY_RETENTION_DAYS',
  'user-send-rate': 'PARLEY_USER_SEND_RATE',
  'handshake-rate': 'PARLEY_HANDSHAKE_RATE',
} as const;

export type FlagName = keyof typeof envTwins;
export const configFlagOptions = {
  ...(Object.fromEntries(Object.keys(envTwins).map((name) => [name, { type: 'string' as const }])) as Record<FlagName, { type: 'string' }>),
  // parseArgs has no automatic negation: the demo is on unless this flag (or PARLEY_NO_DEMO=1) is given.
  'no-demo': { type: 'boolean' as const },
};

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default('0.0.0.0'),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z.string().url().optional(),
  redisUrl: z.string().url().optional(),
  publicUrl: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
    .optional(),
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  retentionDays: z.coerce.number().min(1).max(3650).default(7),
  userSendRate: z.coerce.number().int().min(1).max(1_000_000).default(200),
  handshakeRate: z.coerce.number().int().min(1).max(1_000_000).default(200),
});

export class ConfigError extends Error {}

/** Flags win over environment variables, which win over defaults. */
export function resolveConfig(
  values: Partial<Record<FlagName, string>> & { 'no-demo'?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const pick = (name: FlagName) => values[name] ?? nonEmpty(env[envTwins[name]]);
  const result = schema.safeParse({
    port: pick('port'),
    host: pick('host'),
    dataDir: pick('data-dir'),
    databaseUrl: pick('database-url'),
    redisUrl: pick('redis-url'),
    publicUrl: pick('public-url'),
    adminToken: pick('admin-token'),
    logLevel: pick('log-level'),
    retentionDays: pick('retention-days'),
    userSendRate: pick('user-send-rate'),
    handshakeRate: pick('handshake-rate'),
  });
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`invalid setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const c = result.data;
  return {
    ...c,
    dataDir: resolve(c.dataDir),
    databaseUrl: c.databaseUrl,
    redisUrl: c.redisUrl,
    adminToken: c.adminToken,
    publicUrl: c.publicUrl?.replace(/\/+$/, ''),
    demo: !(values['no-demo'] ?? ['1', 'true'].includes(env.PARLEY_NO_DEMO ?? '')),
  };
}

export function parseConfigArgs(argv: string[]): { config: ServerConfig; rest: string[] } {
  const { values, positionals } = parseArgs({ args: argv, options: configFlagOptions, allowPositionals: true, strict: true });
  return { config: resolveConfig(values), rest: positionals };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function envNameOf(flag: FlagName): string {
  return envTwins[flag];
}
