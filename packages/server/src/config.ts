import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { CHATROOM_HISTORY, CHATROOM_HISTORY_MAX } from './core/chatrooms/chatroom-rooms.js';

/**
 * One `parley serve` setting, declared once: the flag, its environment twin (derived from the flag
 * by `envOf`), its key in a config file (the flag's name), its default, the help text that
 * `--help` and the README's configuration table show, and the validator.
 */
export interface Setting<S extends z.ZodType = z.ZodType> {
  /** The flag without its dashes; also the key in a config file. */
  flag: string;
  /** What the value looks like, for help (`PORT`, `URL`); empty for an on/off setting. */
  value: string;
  /** The value used when nothing gives one, written as on the command line; absent: see `defaultText`. */
  default?: string;
  /** The default in words, when there is no literal one or it needs explaining. */
  defaultText?: string;
  help: string;
  schema: S;
  /** A comma-separated list: a config file may give it as a JSON array. */
  list?: true;
  /** A file or directory: a relative path in a config file is taken from the file's directory. */
  path?: true;
  /** On or off, with a `--no-` flag (and `PARLEY_NO_` twin) of its own; a config file gives true or false. */
  negatable?: true;
}

const setting = <S extends z.ZodType>(spec: Setting<S>): Setting<S> => spec;

const list = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0));

const DURATION_UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const SIZE_UNIT_BYTES = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as const;

/** Every `parley serve` setting, keyed by its field in `ServerConfig`, in the order help lists them. */
export const settings = {
  port: setting({
    flag: 'port',
    value: 'PORT',
    default: '8080',
    help: 'HTTP and WebSocket port; it takes RongCloud\'s native stack (RMTP over TCP) too',
    schema: z.coerce.number().int().min(0).max(65535),
  }),
  nativePort: setting({
    flag: 'native-port',
    value: 'PORT|off',
    defaultText: '`--port` + 1 (any free port when `--port` is 0)',
    help: 'a second port for the native stack only, or `off`; on by default because a single address costs native clients their reconnects (see "Native SDKs")',
    schema: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === 'off' || /^\d{1,5}$/.test(v), 'must be a port number or off'),
  }),
  nativeAddresses: setting({
    flag: 'native-addresses',
    value: 'HOST:PORT,...',
    defaultText: 'derived',
    help: '`host:port,...` navigation gives the native stack, in place of the derived ones (a TCP stream proxy in front)',
    list: true,
    schema: list.refine((entries) => entries.every((e) => isHostName(e) && /:\d{1,5}$/.test(e)), 'must be a comma-separated list of host:port'),
  }),
  tlsCert: setting({
    flag: 'tls-cert',
    value: 'FILE',
    help: 'PEM certificate chain (with `--tls-key`): every port then also takes TLS (HTTPS, WSS, RMTP over TLS), and native clients are sent to TLS only; both files are read again on SIGHUP',
    path: true,
    schema: z.string().min(1).optional(),
  }),
  tlsKey: setting({
    flag: 'tls-key',
    value: 'FILE',
    help: 'PEM private key of `--tls-cert`',
    path: true,
    schema: z.string().min(1).optional(),
  }),
  host: setting({
    flag: 'host',
    value: 'ADDRESS',
    // Loopback unless told otherwise: a first `npm start` is reachable from this machine only.
    default: '127.0.0.1',
    help: 'address to bind (`0.0.0.0` for every interface)',
    schema: z.string().min(1),
  }),
  dataDir: setting({
    flag: 'data-dir',
    value: 'DIR',
    default: './data',
    help: 'SQLite file (`parley.sqlite`), `dev-app.json`, the admin token and uploaded files; owner-only (0700)',
    path: true,
    schema: z.string().min(1),
  }),
  databaseUrl: setting({
    flag: 'database-url',
    value: 'URL',
    defaultText: 'SQLite in `--data-dir`',
    help: 'PostgreSQL (`postgres://...`) for cluster mode (see "Cluster mode")',
    schema: z.string().url().optional(),
  }),
  redisUrl: setting({
    flag: 'redis-url',
    value: 'URL',
    defaultText: 'in-process bus (one node)',
    help: 'Redis (`redis://...`) for cluster mode: presence, node announcements, rate limits and cross-node events',
    schema: z.string().url().optional(),
  }),
  publicUrl: setting({
    flag: 'public-url',
    value: 'URL',
    defaultText: 'the request\'s Host, if it names this server',
    help: 'the address clients reach Parley at; goes into navigation answers and after the `@` of every token',
    schema: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must start with http:// or https://')
      .optional(),
  }),
  allowedHosts: setting({
    flag: 'allowed-hosts',
    value: 'NAMES',
    help: 'without `--public-url`: more Host names (comma-separated, `name` or `name:port`) taken as naming this server, beside the bound address; any other Host is answered 421',
    list: true,
    schema: list.refine((hosts) => hosts.every(isHostName), 'must be a comma-separated list of host names or host:port'),
  }),
  adminToken: setting({
    flag: 'admin-token',
    value: 'TOKEN',
    defaultText: 'generated, `<data-dir>/admin-token`',
    help: 'bearer token for the admin API (`/admin/api`) and the console, at least 16 characters (a command line shows in `ps`: prefer the file)',
    schema: z.string().min(16, 'must be at least 16 characters').optional(),
  }),
  adminTokenFile: setting({
    flag: 'admin-token-file',
    value: 'FILE',
    help: 'a file holding the admin token (read, never written); keeps it out of `ps` and the environment',
    path: true,
    schema: z.string().min(1).optional(),
  }),
  metricsToken: setting({
    flag: 'metrics-token',
    value: 'TOKEN',
    help: 'a bearer token that opens `/metrics` only; `/metrics` is open when only this machine reaches the server, and needs this or the admin token otherwise',
    schema: z.string().min(16, 'must be at least 16 characters').optional(),
  }),
  demo: setting({
    flag: 'demo',
    value: '',
    defaultText: 'on when only this machine reaches the server (a loopback bind, no `--trust-proxy`, no non-loopback `--public-url`), off otherwise',
    help: 'the demo chat\'s token-issuing routes (`/demo/api`): anyone who reaches them gets tokens for the development app',
    negatable: true,
    schema: z.boolean().optional(),
  }),
  trustProxy: setting({
    flag: 'trust-proxy',
    value: 'ADDRESSES',
    defaultText: 'nobody',
    help: 'reverse proxies (comma-separated addresses or CIDR ranges) whose `X-Forwarded-For` names the client for per-address limits',
    list: true,
    schema: list.refine((entries) => entries.every(isAddressOrRange), 'must be a comma-separated list of IP addresses or CIDR ranges'),
  }),
  maxConnections: setting({
    flag: 'max-connections',
    value: 'N',
    // Generous enough for the 100,000-connection bar on one node that may hold that many files.
    default: '100000',
    help: 'open TCP connections (HTTP and gateway, every port) one node holds; more are closed on accept',
    schema: z.coerce.number().int().min(1).max(10_000_000),
  }),
  maxConnectionsPerIp: setting({
    flag: 'max-connections-per-ip',
    value: 'N',
    // A benchmark's 16 loopback sources carry ~1,250 each; a NAT or a proxy without --trust-proxy may need more.
    default: '2000',
    help: 'open connections one client address holds on the node (trusted proxies exempt)',
    schema: z.coerce.number().int().min(1).max(10_000_000),
  }),
  handshakeRate: setting({
    flag: 'handshake-rate',
    value: 'PER_SECOND',
    default: '200',
    help: 'handshakes (WebSocket and native) per second per client IP (bursts of twice that); past it CONNACK 3',
    schema: z.coerce.number().int().min(1).max(1_000_000),
  }),
  logLevel: setting({
    flag: 'log-level',
    value: 'LEVEL',
    default: 'info',
    help: 'pino level: fatal, error, warn, info, debug, trace or silent',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
  retentionDays: setting({
    flag: 'retention-days',
    value: 'DAYS',
    default: '7',
    help: 'messages older than this are purged (a bounded sweep every 10 min); uploaded files too',
    schema: z.coerce.number().min(1).max(3650),
  }),
  uploadLimit: setting({
    flag: 'upload-limit',
    value: 'SIZE',
    default: '20MB',
    help: 'the largest file one upload may carry (bytes, or with KB/MB/GB; 1KB to 1GB); bigger ones are refused before they are sent (26106) or with HTTP 413. Each upload is held in memory while it is checked',
    schema: z
      .string()
      .refine((v) => /^\d{1,10}(?:[KMG]?B)?$/i.test(v), 'must be a size such as 20MB, 512KB or 1048576')
      .transform((v) => Number(v.replace(/[KMG]?B$/i, '')) * SIZE_UNIT_BYTES[(/([KMG]?)B$/i.exec(v)?.[1] ?? '').toUpperCase() as keyof typeof SIZE_UNIT_BYTES])
      .refine((bytes) => bytes >= 1024 && bytes <= 1024 ** 3, 'must be between 1KB and 1GB'),
  }),
  userSendRate: setting({
    flag: 'user-send-rate',
    value: 'PER_SECOND',
    default: '200',
    help: 'messages per second one user may send from clients (bursts of twice that); past it a send is refused with status 20604',
    schema: z.coerce.number().int().min(1).max(1_000_000),
  }),
  chatroomHistory: setting({
    flag: 'chatroom-history',
    value: 'N',
    default: String(CHATROOM_HISTORY),
    help: `the newest messages each chatroom keeps for joins, pulls and history (1 to ${CHATROOM_HISTORY_MAX}); rooms live in every node's memory, so this times the rooms times the message sizes is what they may take`,
    schema: z.coerce.number().int().min(1).max(CHATROOM_HISTORY_MAX),
  }),
  recallWindow: setting({
    flag: 'recall-window',
    value: 'DURATION',
    default: '24h',
    help: 'how long after sending its sender may recall or edit a message, in whole minutes of at least 1 (`15m`, `24h`, `7d`; a bare number is minutes): navigation gives the SDKs the window in minutes; past it a recall is refused with 25101, an edit with 20114',
    // Whole minutes: navigation tells the SDKs the window in minutes (msgModifyMinute), and the
    // native stack refuses edits by it on its own, so the two must agree.
    schema: z
      .string()
      .refine((v) => /^\d{1,7}[smhd]?$/.test(v), 'must be a duration such as 2m, 24h or 7d')
      .transform((v) => Number(v.replace(/[smhd]$/, '')) * DURATION_UNIT_MS[/[smhd]$/.test(v) ? (v.at(-1) as keyof typeof DURATION_UNIT_MS) : 'm'])
      .refine((ms) => ms >= 60_000 && ms % 60_000 === 0, 'must be whole minutes, at least 1m (navigation advertises it in minutes)'),
  }),
};

export type SettingKey = keyof typeof settings;

/** `--config FILE` / PARLEY_CONFIG: not a setting of its own, but where the others may come from. */
export const configFileFlag = {
  flag: 'config',
  value: 'FILE',
  help: 'a JSON file of settings, keyed by flag name (`{"port": 8080, "trust-proxy": ["10.0.0.0/8"]}`); flags and environment variables win over it',
} as const;

/** The environment twin of a flag: `--max-connections` is PARLEY_MAX_CONNECTIONS. */
export function envOf(flag: string): string {
  return `PARLEY_${flag.toUpperCase().replace(/-/g, '_')}`;
}

const schema = z.object(
  Object.fromEntries(Object.entries(settings).map(([key, s]) => [key, s.schema])) as { [K in SettingKey]: (typeof settings)[K]['schema'] },
);

/** Settings without a default are still always present, as undefined when not given. */
type Output = z.output<typeof schema>;
type Parsed = { [K in keyof Required<Output>]: Output[K] };

/** Every `parley serve` setting, as the server uses it (see `settings` for what each means). */
export type ServerConfig = Omit<Parsed, 'nativePort' | 'demo'> & {
  /** `undefined`: off; 0: any free port. */
  nativePort: number | undefined;
  demo: boolean;
};

/** Values as parseArgs gives them, by flag name: strings, and booleans for on/off flags (`demo`, `no-demo`). */
export type ConfigValues = Partial<Record<string, string | boolean>>;

/** A config file's settings by flag name, already checked against `settings` (cli/config-file.ts). */
export interface ConfigFileValues {
  file: string;
  values: Partial<Record<string, string | boolean>>;
}

export class ConfigError extends Error {}

/** Where a value came from, for an error that lets the operator find it. */
type Origin = { value: string | boolean; from: string } | undefined;

/** Flags win over environment variables, which win over the config file, which wins over defaults. */
export function resolveConfig(values: ConfigValues, env: NodeJS.ProcessEnv = process.env, file?: ConfigFileValues): ServerConfig {
  const input: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const [key, s] of Object.entries(settings) as [SettingKey, Setting][]) {
    const origin = s.negatable ? pickSwitch(s.flag, values, env, file) : pickValue(s, values, env, file);
    input[key] = origin?.value;
    if (origin) origins.set(key, origin.from);
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const flag = `--${settings[key as SettingKey]?.flag ?? key}`;
    const from = origins.get(key);
    throw new ConfigError(`invalid setting ${from && from !== flag ? `${from} (${flag})` : flag}: ${issue?.message ?? 'invalid'}`);
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
    demo: c.demo ?? !isExposed({ host: c.host, trustProxy: c.trustProxy, publicUrl: c.publicUrl }),
  };
}

function pickValue(s: Setting, values: ConfigValues, env: NodeJS.ProcessEnv, file: ConfigFileValues | undefined): Origin {
  const flag = values[s.flag];
  if (typeof flag === 'string') return { value: flag, from: `--${s.flag}` };
  const fromEnv = nonEmpty(env[envOf(s.flag)]);
  if (fromEnv !== undefined) return { value: fromEnv, from: envOf(s.flag) };
  const fromFile = file?.values[s.flag];
  if (fromFile !== undefined && file) return { value: fromFile, from: `"${s.flag}" in ${file.file}` };
  return s.default === undefined ? undefined : { value: s.default, from: `--${s.flag}` };
}

/**
 * An on/off setting such as the demo (whose default `resolveConfig` derives): `--demo` / `--no-demo`,
 * then PARLEY_DEMO / PARLEY_NO_DEMO, then the config file; undefined when none says.
 */
function pickSwitch(flag: string, values: ConfigValues, env: NodeJS.ProcessEnv, file: ConfigFileValues | undefined): Origin {
  const negation = `no-${flag}`;
  if (values[flag] && values[negation]) throw new ConfigError(`give --${flag} or --${negation}, not both`);
  if (values[flag]) return { value: true, from: `--${flag}` };
  if (values[negation]) return { value: false, from: `--${negation}` };
  const on = envBoolean(env, envOf(flag));
  const off = envBoolean(env, envOf(negation));
  if (on !== undefined && off !== undefined && on === off) throw new ConfigError(`${envOf(flag)} and ${envOf(negation)} disagree: set one of them`);
  if (on !== undefined) return { value: on, from: envOf(flag) };
  if (off !== undefined) return { value: !off, from: envOf(negation) };
  const fromFile = file?.values[flag];
  return fromFile === undefined || !file ? undefined : { value: fromFile, from: `"${flag}" in ${file.file}` };
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
