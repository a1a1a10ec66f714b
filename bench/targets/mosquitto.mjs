// Mosquitto (Debian package) at 127.0.0.1:1883, driven with mqtt.js at QoS 1. It is the machine's
// shared broker: the benchmark neither restarts nor reconfigures it. No token check is possible.
import { execFileSync, execFile } from 'node:child_process';
import { fdsOf, rssOf, waitForPort } from '../lib/proc.mjs';

export function mosquittoTarget() {
  const pid = () => {
    try {
      return Number(execFileSync('pgrep', ['-x', 'mosquitto'], { encoding: 'utf8' }).trim().split('\n')[0]);
    } catch {
      return NaN;
    }
  };
  return {
    name: 'mosquitto',
    label: 'Mosquitto',
    protocol: 'mqtt',
    kind: 'broker',
    note: 'QoS 1, no token check; persistence is periodic, not per message',
    maxConnections: 19_500,
    canRestart: false,
    profileNextStart() {},
    async start() {
      try {
        await waitForPort(1883, '127.0.0.1', 1000);
      } catch {
        await new Promise((resolve) => execFile('mosquitto', ['-d', '-c', '/etc/mosquitto/mosquitto.conf'], resolve));
        await waitForPort(1883, '127.0.0.1', 10_000);
      }
    },
    async stop() {},
    async restart() {
      throw new Error('the shared Mosquitto is not restarted by the benchmark');
    },
    endpoint: () => ({ host: '127.0.0.1', port: 1883 }),
    pids: () => [pid()].filter((p) => Number.isFinite(p)),
    /** Not a Node process: no event loop to sample. */
    loopDelay: async () => null,
    async memory() {
      const p = pid();
      return { rss: rssOf(p), heapUsed: null, external: null, fds: fdsOf(p) };
    },
    async tokens(/** @type {string[]} */ userIds) {
      return userIds.map(() => '');
    },
    async createGroups() {
      return { clientJoins: true };
    },
  };
}
