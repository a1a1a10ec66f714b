// RabbitMQ as a durable peer: a node of the machine's RabbitMQ (the Debian package's
// rabbitmq-server) started by the benchmark on a free loopback port, with its own node name,
// Mnesia/message store under results/tmp/<run>/rabbitmq-<n>/ (removed at stop; its logs stay beside
// it in rabbitmq-<n>-log/). Not the
// machine's broker on 5672: that one runs with the soft limit of 1,024 open files, which
// RabbitMQ turns into at most 832 sockets, fewer than the connect storm, idle density and group
// fan-out hold. Clients: load/protocols/amqp.mjs (persistent messages, publisher confirms, a
// durable queue per user, fanout exchanges for groups).
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fdsOf, freePort, keptOrFreePort, rssOf, spawnServer, waitForPort } from '../lib/proc.mjs';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** @param {{tmpDir: string}} ctx */
export function rabbitmqTarget(ctx) {
  const nodePrefix = `bench-${randomBytes(3).toString('hex')}`;
  /** @type {ReturnType<typeof spawnServer> | undefined} */
  let proc;
  let port = 0;
  let starts = 0;
  let dir = '';
  let logDir = '';

  return {
    name: 'rabbitmq',
    label: 'RabbitMQ',
    protocol: 'amqp',
    kind: 'broker',
    note: 'persistent messages, publisher confirms, durable queue per user',
    // RabbitMQ keeps 100 of its open files and 10 % of the rest for itself: with 20,000 it accepts
    // at most 17,910 sockets, so idle density stops short of the others' 19,500.
    maxConnections: 17_500,
    canRestart: false,
    profileNextStart() {},
    async start() {
      port = await keptOrFreePort(port);
      const distPort = await freePort();
      dir = join(ctx.tmpDir, `rabbitmq-${++starts}`);
      logDir = `${dir}-log`;
      mkdirSync(dir, { recursive: true });
      mkdirSync(logDir, { recursive: true });
      // The listen backlog as the Node servers' (511, RabbitMQ's default is 128), so a connect
      // storm measures the broker, not SYN retries.
      writeFileSync(
        join(dir, 'rabbitmq.conf'),
        [`listeners.tcp.1 = 127.0.0.1:${port}`, 'tcp_listen_options.backlog = 511', 'tcp_listen_options.nodelay = true', 'log.file.level = warning', ''].join('\n'),
      );
      writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
      // An empty env file: the machine's /etc/rabbitmq/rabbitmq-env.conf names its own node.
      writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
      proc = spawnServer({
        command: SERVER,
        logFile: join(logDir, 'stdout.log'),
        env: {
          HOME: dir,
          RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
          RABBITMQ_NODENAME: `${nodePrefix}-${starts}@localhost`,
          RABBITMQ_DIST_PORT: String(distPort),
          ERL_EPMD_ADDRESS: '127.0.0.1',
          ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
          RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
          RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
          RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
          RABBITMQ_LOG_BASE: logDir,
          RABBITMQ_LOGS: join(logDir, 'rabbit.log'),
          RABBITMQ_PID_FILE: join(dir, 'pid'),
          // The start script then execs the VM: the child's pid is the broker's (beam.smp).
          RUNNING_UNDER_SYSTEMD: '1',
        },
      });
      try {
        await waitForPort(port, '127.0.0.1', 60_000);
      } catch (e) {
        await proc.stop('SIGKILL');
        throw new Error(`RabbitMQ did not start (log: ${logDir}): ${/** @type {Error} */ (e).message}`);
      }
    },
    async stop(signal = /** @type {NodeJS.Signals} */ ('SIGTERM')) {
      await proc?.stop(signal);
      proc = undefined;
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = '';
    },
    async restart() {
      throw new Error('the RabbitMQ peer is not restarted by the benchmark');
    },
    endpoint: () => ({ host: '127.0.0.1', port }),
    pids: () => (proc ? [proc.pid] : []),
    /** Not a Node process: no event loop to sample. */
    loopDelay: async () => null,
    async memory() {
      const pid = /** @type {number} */ (proc?.pid);
      return { rss: rssOf(pid), heapUsed: null, external: null, fds: fdsOf(pid) };
    },
    /** No tokens: every client logs in as guest (allowed from loopback only). */
    async tokens(/** @type {string[]} */ userIds) {
      return userIds.map(() => '');
    },
    /** Each member binds its own queue to the group's exchange. */
    async createGroups() {
      return { clientJoins: true };
    },
  };
}
