// NATS JetStream as a durable peer: the benchmark's own nats-server (the Debian package's binary;
// the machine's shared server on 4222 is left alone) on a free loopback port, JetStream with file
// storage under results/tmp/<run>/jetstream-<n>/, removed at stop (its log stays beside it,
// jetstream-<n>.log). One stream (`BENCH`, subjects `u.*` and `g.*`, file storage, limits
// retention) is created at each start. `sync_interval: always` (an fsync per write, as Parley's
// commit) is set when the server knows it (2.10 and later); older servers write each message to
// the OS before the ack and fsync on their own timer.
// Clients: load/protocols/jetstream.mjs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'nats';
import { STREAM, STREAM_SUBJECTS } from '../load/protocols/jetstream.mjs';
import { fdsOf, keptOrFreePort, rssOf, spawnServer, waitForPort } from '../lib/proc.mjs';

const SERVER = 'nats-server';

/** `nats-server --version` → "2.9.10" (undefined when it is not installed). */
export function natsServerVersion() {
  try {
    return /v?(\d+\.\d+\.\d+)/.exec(execFileSync(SERVER, ['--version'], { encoding: 'utf8' }))?.[1];
  } catch {
    return undefined;
  }
}

/** Whether this nats-server version accepts `jetstream { sync_interval: always }` (added in 2.10.0). */
export function syncAlwaysSupported(/** @type {string | undefined} */ version) {
  const [major, minor] = (version ?? '0.0').split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 10);
}

/** How the store reaches the disk, for the report's notes. */
export function storeNote(/** @type {string | undefined} */ version) {
  return syncAlwaysSupported(version)
    ? 'file storage, sync_interval always'
    : `file storage; nats-server ${version ?? '?'} has no sync_interval (2.10+): acked once written to the OS, fsynced on its own timer`;
}

/** @param {{tmpDir: string}} ctx */
export function jetstreamTarget(ctx) {
  const version = natsServerVersion();
  /** @type {ReturnType<typeof spawnServer> | undefined} */
  let proc;
  let port = 0;
  let starts = 0;
  let dir = '';

  return {
    name: 'jetstream',
    label: 'NATS JetStream',
    protocol: 'jetstream',
    kind: 'broker',
    note: storeNote(version),
    maxConnections: 19_500,
    canRestart: false,
    profileNextStart() {},
    async start() {
      port = await keptOrFreePort(port);
      dir = join(ctx.tmpDir, `jetstream-${++starts}`);
      mkdirSync(dir, { recursive: true });
      const sync = syncAlwaysSupported(version) ? ', sync_interval: always' : '';
      const config = join(dir, 'nats.conf');
      writeFileSync(config, `listen: "127.0.0.1:${port}"\njetstream { store_dir: ${JSON.stringify(join(dir, 'store'))}${sync} }\n`);
      proc = spawnServer({ command: SERVER, args: ['-c', config], logFile: `${dir}.log` });
      try {
        await waitForPort(port, '127.0.0.1', 20_000);
        const nc = await connect({ servers: `127.0.0.1:${port}`, reconnect: false });
        try {
          const jsm = await nc.jetstreamManager();
          await jsm.streams.add({ name: STREAM, subjects: STREAM_SUBJECTS, storage: /** @type {any} */ ('file'), retention: /** @type {any} */ ('limits'), num_replicas: 1 });
        } finally {
          await nc.close();
        }
      } catch (e) {
        await proc.stop('SIGKILL');
        throw new Error(`nats-server did not start with JetStream (log: ${dir}.log): ${/** @type {Error} */ (e).message}`);
      }
    },
    async stop(signal = /** @type {NodeJS.Signals} */ ('SIGTERM')) {
      await proc?.stop(signal);
      proc = undefined;
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = '';
    },
    async restart() {
      throw new Error('the JetStream peer is not restarted by the benchmark');
    },
    endpoint: () => ({ host: '127.0.0.1', port }),
    pids: () => (proc ? [proc.pid] : []),
    /** Not a Node process: no event loop to sample. */
    loopDelay: async () => null,
    async memory() {
      const pid = /** @type {number} */ (proc?.pid);
      return { rss: rssOf(pid), heapUsed: null, external: null, fds: fdsOf(pid) };
    },
    /** No tokens: the server runs without authentication. */
    async tokens(/** @type {string[]} */ userIds) {
      return userIds.map(() => '');
    },
    /** Each member creates its own durable consumer of the group's subject. */
    async createGroups() {
      return { clientJoins: true };
    },
  };
}
