import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { z } from 'zod';
import { CHATROOM_HISTORY, CHATROOM_HISTORY_MAX } from './core/chatrooms/chatroom-rooms.js';

/** Every `parley serve` setting: a flag, with an environment variable twin. */
export interface ServerConfig {
  port: number;
  /**
   * A second port for RongCloud's native SDKs beside the HTTP port (which serves them too): with two
   * addresses the native SDK keeps retrying through a restart, with one it gives up (README, "Native
   * SDKs"). `undefined`: off; 0: any free port.
   */
  nativePort: number | undefined;
  /**
   * `host:port`s navigation gives the native stack instead of the ones derived from the public URL
   * and the ports (a TCP stream proxy in front, say); empty: derived.
   */
  nativeAddresses: string[];
  host: string;
  /**
   * PEM certificate chain and private key: with both, every port also takes TLS (HTTPS, WSS, and
   * RMTP over TLS for the native stack, which navigation then offers as protocol 2).
   */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  publicUrl: string | undefined;
  /**
   * Host names (with or without a port) that a request's Host header may carry when `publicUrl` is
   * unset; http/public-url.ts adds the bound address and, on loopback binds, the loopback names.
   */
  allowedHosts: string[];
  adminToken: string | undefined;
  /** A file holding the admin token: keeps it out of `ps` and the environment. */
  adminTokenFile: string | undefined;
  /** A bearer token that opens `/metrics` only (scrapers need not hold the admin token). */
  metricsToken: string | undefined;
  logLevel: string;
  /** Messages older than this are purged. */
  retentionDays: number;
  /** The largest file one upload may carry, bytes (`--upload-limit`, e.g. 20MB). */
  uploadLimit: number;
  /** Messages per second one user may send from clients (a burst of twice that). */
  userSendRate: number;
  /** How long after sending a message its sender may recall or edit it, ms (`--recall-window`, as RongCloud's console setting). */
  recallWindow: number;
  /** WebSocket handshakes per second allowed from one IP address (a burst of twice that). */
  handshakeRate: number;
  /** The newest messages each chatroom keeps for joins, pulls and history (`--chatroom-history`). */
  chatroomHistory: number;
  /** Open TCP connections (HTTP and gateway) this node holds at most; past it new ones are closed at once. */
  maxConnections: number;
  /** Open TCP connections one client address may hold at most. */
  maxConnectionsPerIp: number;
  /**
   * Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` is believed, so per-IP limits see
   * the client behind them; empty: nobody's.
   */
  trustProxy: string[];
  /** The demo chat's token-issuing routes (`/demo/api`): see `demoDefault`. */
  demo: boolean;
}

/** Flags that take a value, with their environment twins. */
const envTwins = {
  port: 'PARLEY_PORT',
  'native-port': 'PARLEY_NATIVE_PORT',
  'native-addresses': 'PARLEY_NATIVE_ADDRESSES',
  host: 'PARLEY_HOST',
  'tls-cert': 'PARLEY_TLS_CERT',
  'tls-key': 'PARLEY_TLS_KEY',
  'data-dir': 'PARLEY_DATA_DIR',
  'database-url': 'PARLEY_DATABASE_URL',
  'redis-url': 'PARLEY_REDIS_URL',
  'public-url': 'PARLEY_PUBLIC_URL',
  'allowed-hosts': 'PARLEY_ALLOWED_HOSTS',
  'admin-token': 'PARLEY_ADMIN_TOKEN',
  'admin-token-file': 'PARLEY_ADMIN_TOKEN_FILE',
  'metrics-token': 'PARLEY_METRICS_TOKEN',
  'log-level': 'PARLEY_LOG_LEVEL',
  'retention-days': 'PARLEY_RETENTION_DAYS',
  'upload-limit': 'PARLEY_UPLOAD_LIMIT',
  'user-send-rate': 'PARLEY_USER_SEND_RATE',
  'recall-window': 'PARLEY_RECALL_WINDOW',
  'handshake-rate': 'PARLEY_HANDSHAKE_RATE',
  'chatroom-history': 'PARLEY_CHATROOM_HISTORY',
  'max-connections': 'PARLEY_MAX_CONNECTIONS',
  'max-connections-per-ip': 'PARLEY_MAX_CONNECTIONS_PER_IP',
  'trust-proxy': 'PARLEY_TRUST_PROXY',
} as const;

export type FlagName = keyof typeof envTwins;

/** Values as parseArgs gives them: strings for the flags above, booleans for `--demo` / `--no-demo`. */
export type ConfigValues = Partial<Record<FlagName, string>> & { demo?: boolean; 'no-demo'?: boolean };

export const configFlagOptions = {
  ...(Object.fromEntries(Object.keys(envTwins).map((name) => [name, { type: 'string' as const }])) as Record<FlagName, { type: 'string' }>),
  // parseArgs has no automatic negation, so both spellings are flags of their own.
  demo: { type: 'boolean' as const },
  'no-demo': { type: 'boolean' as const },
};

const list = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0));

const DURATION_UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const SIZE_UNIT_BYTES = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as const;

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  nativePort: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === 'off' || /^\d{1,5}$/.test(v), 'must be a port number or off'),
  nativeAddresses: list.refine((entries) => entries.every((e) => isHostName(e) && /:\d{1,5}$/.test(e)), 'must be a comma-separated list of host:port'),
  // Loopback unless told otherwise: a first `npm start` is reachable from this machine only.
  host: z.string().min(1).default('127.0.0.1'),
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z.string().url().optional(),
  redisUrl: z.string().url().optional(),
  publicUrl: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
    .optional(),
  allowedHosts: list.refine((hosts) => hosts.every(isHostName), 'must be a comma-separated list of host names or host:port'),
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  adminTokenFile: z.string().min(1).optional(),
  metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  retentionDays: z.coerce.number().min(1).max(3650).default(7),
  // Bytes, or a number with KB, MB or GB (powers of 1024). Each upload is held in memory while it is checked.
  uploadLimit: z
    .string()
    .default('20MB')
    .refine((v) => /^\d{1,10}(?:[KMG]?B)?$/i.test(v), 'must be a size such as 20MB, 512KB or 1048576')
    .transform((v) => Number(v.replace(/[KMG]?B$/i, '')) * SIZE_UNIT_BYTES[(/([KMG]?)B$/i.exec(v)?.[1] ?? '').toUpperCase() as keyof typeof SIZE_UNIT_BYTES])
    .refine((bytes) => bytes >= 1024 && bytes <= 1024 ** 3, 'must be between 1KB and 1GB'),
  userSendRate: z.coerce.number().int().min(1).max(1_000_000).default(200),
  // A number and a unit (s, m, h, d); a bare number is minutes, as RongCloud's console counts.
  // Whole minutes, at least one: navigation tells the SDKs the window in minutes (msgModifyMinute),
  // and the native stack refuses edits by it on its own, so the two must agree.
  recallWindow: z
    .string()
    .default('24h')
    .refine((v) => /^\d{1,7}[smhd]?$/.test(v), 'must be a duration such as 2m, 24h or 7d')
    .transform((v) => Number(v.replace(/[smhd]$/, '')) * DURATION_UNIT_MS[/[smhd]$/.test(v) ? (v.at(-1) as keyof typeof DURATION_UNIT_MS) : 'm'])
    .refine((ms) => ms >= 60_000 && ms % 60_000 === 0, 'must be whole minutes, at least 1m (navigation advertises it in minutes)'),
  handshakeRate: z.coerce.number().int().min(1).max(1_000_000).default(200),
  // Rooms live in every node's memory: the ceiling keeps a busy app's rooms within it.
  chatroomHistory: z.coerce.number().int().min(1).max(CHATROOM_HISTORY_MAX).default(CHATROOM_HISTORY),
  // Generous enough for the 100,000-connection bar on one node that may hold that many files.
  maxConnections: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  // A benchmark's 16 loopback sources carry ~1,250 each; a NAT or a proxy without --trust-proxy may need more.
  maxConnectionsPerIp: z.coerce.number().int().min(1).max(10_000_000).default(2_000),
  trustProxy: list.refine((entries) => entries.every(isAddressOrRange), 'must be a comma-separated list of IP addresses or CIDR ranges'),
});

export class ConfigError extends Error {}

/** Flags win over environment variables, which win over defaults. */
export function resolveConfig(values: ConfigValues, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const pick = (name: FlagName) => values[name] ?? nonEmpty(env[envTwins[name]]);
  const result = schema.safeParse({
    port: pick('port'),
    nativePort: pick('native-port'),
    nativeAddresses: pick('native-addresses'),
    host: pick('host'),
    tlsCert: pick('tls-cert'),
    tlsKey: pick('tls-key'),
    dataDir: pick('data-dir'),
    databaseUrl: pick('database-url'),
    redisUrl: pick('redis-url'),
    publicUrl: pick('public-url'),
    allowedHosts: pick('allowed-hosts'),
    adminToken: pick('admin-token'),
    adminTokenFile: pick('admin-token-file'),
    metricsToken: pick('metrics-token'),
    logLevel: pick('log-level'),
    retentionDays: pick('retention-days'),
    uploadLimit: pick('upload-limit'),
    userSendRate: pick('user-send-rate'),
    recallWindow: pick('recall-window'),
    handshakeRate: pick('handshake-rate'),
    chatroomHistory: pick('chatroom-history'),
    maxConnections: pick('max-connections'),
    maxConnectionsPerIp: pick('max-connections-per-ip'),
    trustProxy: pick('trust-proxy'),
  });
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue?.path[0];
    const flag = Object.keys(envTwins).find((f) => camel(f) === key);
    throw new ConfigError(`invalid setting ${flag ? `--${flag}` : String(key ?? '')}: ${issue?.message ?? 'invalid'}`);
  }
  const c = result.data;
  if (c.adminToken && c.adminTokenFile) throw new ConfigError('give the admin token with --admin-token or --admin-token-file, not both');
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined)) throw new ConfigError('TLS needs both --tls-cert and --tls-key');
  return {
    ...c,
    dataDir: resolve(c.dataDir),
    databaseUrl: c.databaseUrl,
    redisUrl: c.redisUrl,
    adminToken: c.adminToken,
    adminTokenFile: c.adminTokenFile === undefined ? undefined : resolve(c.adminTokenFile),
    tlsCert: c.tlsCert === undefined ? undefined : resolve(c.tlsCert),
    tlsKey: c.tlsKey === undefined ? undefined : resolve(c.tlsKey),
    metricsToken: c.metricsToken,
    publicUrl: c.publicUrl?.replace(/\/+$/, ''),
    nativePort: nativePortOf(c.nativePort, c.port),
    demo: demoSetting(values, env) ?? !isExposed({ host: c.host, trustProxy: c.trustProxy, publicUrl: c.publicUrl }),
  };
}

export function parseConfigArgs(argv: string[]): { config: ServerConfig; rest: string[] } {
  const { values, positionals } = parseArgs({ args: argv, options: configFlagOptions, allowPositionals: true, strict: true });
  return { config: resolveConfig(values), rest: positionals };
}

/** `--native-port`: off, a port, or by default the HTTP port's neighbour (any free port when that is 0). */
function nativePortOf(value: string | undefined, httpPort: number): number | undefined {
  if (value === 'off') return undefined;
  if (value !== undefined) {
    const port = Number(value);
    if (port > 65535) throw new ConfigError('invalid setting --native-port: must be a port number or off');
    return port;
  }
  if (httpPort === 0) return 0;
  if (httpPort === 65535) throw new ConfigError('--native-port has no default next to port 65535: give one, or off');
  return httpPort + 1;
}

/** What the operator should know about these settings before anyone else reaches the server. */
export function configWarnings(config: ServerConfig): string[] {
  const warnings: string[] = [];
  const exposed = isExposed(config);
  if (exposed && config.demo) {
    warnings.push(`the demo is on while others can reach this server (${reachOf(config)}): anyone who reaches it gets tokens for the development app (--no-demo turns it off)`);
  }
  if (exposed && !config.publicUrl) {
    warnings.push('--public-url is unset: tokens and navigation name this server as each request\'s Host header does (only names of this server are accepted); set it to the address clients use');
  }
  if (exposed && config.publicUrl?.startsWith('http://')) {
    warnings.push('--public-url is plain http: put HTTPS in front of Parley on any network you do not control (docs/security.md)');
  }
  return warnings;
}

/**
 * The demo mints tokens for anyone who can reach the port, so it is on by default only on a loopback
 * bind. `--demo`/`--no-demo` (or PARLEY_DEMO / PARLEY_NO_DEMO) decide otherwise; undefined: not said.
 */
function demoSetting(values: ConfigValues, env: NodeJS.ProcessEnv): boolean | undefined {
  if (values.demo && values['no-demo']) throw new ConfigError('give --demo or --no-demo, not both');
  if (values.demo) return true;
  if (values['no-demo']) return false;
  const on = envBoolean(env, 'PARLEY_DEMO');
  const off = envBoolean(env, 'PARLEY_NO_DEMO');
  if (on !== undefined && off !== undefined && on === off) throw new ConfigError('PARLEY_DEMO and PARLEY_NO_DEMO disagree: set one of them');
  return on ?? (off === undefined ? undefined : !off);
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** A boolean environment variable in any of the usual spellings; anything else stops the start. */
export function envBoolean(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ConfigError(`${name} must be one of 1/0, true/false, yes/no, on/off, not ${JSON.stringify(raw.slice(0, 40))}`);
}

/**
 * Whether others than this machine's users can reach the server: it is bound beyond loopback, or a
 * reverse proxy forwards to it (`--trust-proxy`, or a `--public-url` that names another host).
 * The demo's default and `/metrics`' openness follow this, not the bind alone.
 */
export function isExposed(config: Pick<ServerConfig, 'host' | 'trustProxy' | 'publicUrl'>): boolean {
  if (!isLoopbackHost(config.host) || config.trustProxy.length > 0) return true;
  return config.publicUrl !== undefined && !isLoopbackHost(new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, ''));
}

function reachOf(config: Pick<ServerConfig, 'host' | 'trustProxy' | 'publicUrl'>): string {
  if (!isLoopbackHost(config.host)) return `bound to ${config.host}`;
  return config.trustProxy.length > 0 ? 'behind a trusted proxy' : `public URL ${config.publicUrl ?? ''}`;
}

/** Whether a bind address is reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** A Host header value (or an `--allowed-hosts` entry): a name or address, an optional port, nothing else. */
export function isHostName(value: string): boolean {
  return /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(value);
}

function isAddressOrRange(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function envNameOf(flag: FlagName): string {
  return envTwins[flag];
}
