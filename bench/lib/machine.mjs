// Facts about the machine and the software measured, for the results' header.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { natsServerVersion } from '../targets/jetstream.mjs';
import { REPO } from './proc.mjs';

const require = createRequire(import.meta.url);

function tryRun(/** @type {string} */ cmd, /** @type {string[]} */ args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    return String(/** @type {any} */ (e).stdout ?? '').trim() || undefined;
  }
}

function versionOf(/** @type {string} */ pkg) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`, { paths: [REPO] }), 'utf8')).version;
  } catch {
    // A package whose `exports` hide its package.json (amqplib): read it where npm put it.
    try {
      return JSON.parse(readFileSync(new URL(`node_modules/${pkg}/package.json`, `file://${REPO}`), 'utf8')).version;
    } catch {
      return undefined;
    }
  }
}

export function machineFacts() {
  const cpus = os.cpus();
  let fileLimit;
  try {
    fileLimit = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.slice(1, 3).map(Number);
  } catch {
    fileLimit = undefined;
  }
  const mosquitto = tryRun('mosquitto', ['-h'])?.split('\n')[0];
  const commit = tryRun('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = (tryRun('git', ['status', '--porcelain', '--untracked-files=no']) ?? '').length > 0;
  return {
    cpuModel: cpus[0]?.model,
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    openFilesPerProcess: fileLimit ? { soft: fileLimit[0], hard: fileLimit[1] } : undefined,
    ephemeralPorts: tryRun('cat', ['/proc/sys/net/ipv4/ip_local_port_range'])?.replace(/\s+/, '–'),
    somaxconn: Number(tryRun('cat', ['/proc/sys/net/core/somaxconn'])),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    versions: { ws: versionOf('ws'), 'socket.io': versionOf('socket.io'), 'socket.io-client': versionOf('socket.io-client'), mqtt: versionOf('mqtt'), mosquitto,
      amqplib: versionOf('amqplib'), rabbitmq: tryRun('dpkg-query', ['-W', '-f=${Version}', 'rabbitmq-server']), nats: versionOf('nats'), 'nats-server': natsServerVersion() },
    parleyCommit: commit ? `${commit}${dirty ? ' (with uncommitted changes)' : ''}` : undefined,
  };
}
