// The two reference relays (bench/peers/*.mjs): one Node process each, same token check as Parley,
// nothing stored.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fdsOf, keptOrFreePort, rssOf, spawnNode, waitForPort } from '../lib/proc.mjs';
import { now } from '../lib/stats.mjs';
import { deriveKey, issueToken } from '../lib/token.mjs';

const PEERS = fileURLToPath(new URL('../peers/', import.meta.url));

/**
 * @param {'ws' | 'socketio'} kind
 * @param {{tmpDir: string}} ctx
 */
export function relayTarget(kind, ctx) {
  const script = join(PEERS, kind === 'ws' ? 'ws-relay.mjs' : 'socketio-relay.mjs');
  const logFile = join(ctx.tmpDir, `${kind}-relay.log`);
  const appKey = 'benchapp';
  const appSecret = randomBytes(18).toString('base64url');
  const key = deriveKey(appSecret);
  /** @type {ReturnType<typeof spawnNode> | undefined} */
  let proc;
  let port = 0;
  const profile = { on: false, dir: '' };

  const target = {
    name: kind,
    label: kind === 'ws' ? 'raw ws' : 'Socket.IO',
    protocol: kind,
    kind: 'relay',
    note: 'in-memory relay, stores nothing',
    maxConnections: 19_500,
    canRestart: true,
    profileNextStart(/** @type {string} */ dir) {
      profile.on = true;
      profile.dir = dir;
    },
    async start() {
      port = await keptOrFreePort(port);
      const nodeFlags = profile.on ? ['--cpu-prof', '--cpu-prof-dir', profile.dir] : [];
      profile.on = false;
      proc = spawnNode({ script, nodeFlags, env: { PORT: String(port), APP_KEY: appKey, APP_SECRET: appSecret }, logFile });
      await waitForPort(port);
    },
    async stop(signal = /** @type {NodeJS.Signals} */ ('SIGTERM')) {
      await proc?.stop(signal);
      proc = undefined;
    },
    async restart() {
      const killedAt = now();
      await proc?.stop('SIGKILL');
      await target.start();
      return { killedAt, upAt: now() };
    },
    endpoint() {
      return { url: kind === 'ws' ? `ws://127.0.0.1:${port}/` : `http://127.0.0.1:${port}`, port, host: '127.0.0.1', appKey };
    },
    pids: () => (proc ? [proc.pid] : []),
    /** Event-loop delay since the previous call (ms). */
    loopDelay: async () => (proc ? /** @type {any} */ (proc).loopDelay() : null),
    /** loopDelay() then also reports the longest stretch of CPU work (lib/probe.mjs). */
    busyOn: async () => (proc ? /** @type {any} */ (proc).busyOn() : null),
    async memory() {
      const m = await /** @type {any} */ (proc).memory();
      return { rss: rssOf(/** @type {any} */ (proc).pid), heapUsed: m.heapUsed, external: m.external, fds: fdsOf(/** @type {any} */ (proc).pid) };
    },
    /** Tokens in Parley's format, minted with the relay's secret. */
    async tokens(/** @type {string[]} */ userIds) {
      const issuedAt = Date.now();
      return userIds.map((userId) => issueToken({ appKey, userId, issuedAt }, key));
    },
    /** Relay groups are joined by the clients. */
    async createGroups() {
      return { clientJoins: true };
    },
  };
  return target;
}
