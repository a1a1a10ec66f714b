// Starting, probing and stopping server processes.
import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from './stats.mjs';

export const PROBE = fileURLToPath(new URL('./probe.mjs', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Spawns `node [nodeFlags] --expose-gc --import probe.mjs script ...args` with an IPC channel.
 * @param {{script: string, args?: string[], nodeFlags?: string[], env?: Record<string,string>, logFile: string, cwd?: string}} o
 */
export function spawnNode(o) {
  const log = createWriteStream(o.logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...(o.nodeFlags ?? []), '--expose-gc', '--import', PROBE, o.script, ...(o.args ?? [])], {
    cwd: o.cwd ?? REPO,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let nextId = 1;
  /** @type {Map<number, (m: any) => void>} */
  const waiting = new Map();
  child.on('message', (/** @type {any} */ m) => {
    const w = waiting.get(m?.id);
    if (w) {
      waiting.delete(m.id);
      w(m);
    }
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  /** @param {string} probe @returns {Promise<any>} */
  const ask = (probe) => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`${probe} probe timed out`));
      }, 30_000);
      waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.send({ probe, id });
    });
  };
  return {
    child,
    pid: /** @type {number} */ (child.pid),
    exited,
    /** Memory after a full GC, as the process sees it. @returns {Promise<{rss:number, heapUsed:number, heapTotal:number, external:number, arrayBuffers:number}>} */
    memory() {
      return ask('mem');
    },
    /** Event-loop delay (ms) since the previous call. @returns {Promise<{p50: number, p99: number, max: number, mean: number}>} */
    loopDelay() {
      return ask('loop');
    },
    /** From now on, loopDelay() also reports `busyCpuMax`: the most CPU ms the process used between two 5 ms turns (probe.mjs). */
    busyOn() {
      return ask('busy-on');
    },
    /** @param {NodeJS.Signals} signal */
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** Waits until something accepts TCP connections on host:port. */
export async function waitForPort(port, host = '127.0.0.1', timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = connect({ port, host }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
}

/** Resident memory of any process, from /proc (bytes). */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Open file descriptors of a process. */
export function fdsOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** CPU time (user+sys, ms) a process has used so far. */
export function cpuMsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/**
 * `port` again if it can still be listened on, else a fresh one. A target keeps its port across
 * starts (a restarted server must come back where its clients reconnect), but between scenarios a
 * client connection's ephemeral port may have become that very port: a full run lost Parley's
 * 19,500-connection idle figure and the raw relay's ramp to "taken" ports before this check.
 * @param {number} port 0: none yet
 */
export async function keptOrFreePort(port) {
  if (port && (await canListen(port))) return port;
  return freePort();
}

/** @param {number} port */
async function canListen(port) {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = /** @type {import('node:net').AddressInfo} */ (s.address()).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * Spawns a server that is not a Node program, with the open-files limit raised to the hard limit
 * (the peers' brokers would otherwise get the soft 1,024), its output appended to `logFile`.
 * @param {{command: string, args?: string[], env?: Record<string,string>, logFile: string, cwd?: string}} o
 */
export function spawnServer(o) {
  const log = createWriteStream(o.logFile, { flags: 'a' });
  const child = spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"', o.command, ...(o.args ?? [])], {
    cwd: o.cwd ?? REPO,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    pid: /** @type {number} */ (child.pid),
    exited,
    /** @param {NodeJS.Signals} signal */
    async stop(signal = 'SIGTERM', graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
