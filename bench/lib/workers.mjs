// The runner's side of the load generators: fork, call over IPC, spread clients, stop.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO } from './proc.mjs';

const WORKER = fileURLToPath(new URL('../load/worker.mjs', import.meta.url));

/** Source addresses for client sockets: each has its own ~28k ephemeral ports. */
export function sourceAddress(i, count = 16) {
  return `127.0.0.${2 + (i % count)}`;
}

export class WorkerPool {
  /** @param {number} size */
  static async start(size) {
    const pool = new WorkerPool();
    await Promise.all(
      Array.from({ length: size }, async () => {
        const child = fork(WORKER, [], { cwd: REPO, execArgv: ['--max-old-space-size=4096'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        await new Promise((resolve, reject) => {
          child.once('message', resolve);
          child.once('exit', (code) => reject(new Error(`load worker exited with ${code}`)));
        });
        pool.add(child);
      }),
    );
    return pool;
  }

  constructor() {
    /** @type {{child: import('node:child_process').ChildProcess, waiting: Map<number, {resolve: Function, reject: Function}>}[]} */
    this.workers = [];
    this.nextId = 1;
  }

  get size() {
    return this.workers.length;
  }

  /** @param {import('node:child_process').ChildProcess} child */
  add(child) {
    const w = { child, waiting: new Map() };
    child.on('message', (/** @type {any} */ m) => {
      const p = w.waiting.get(m.id);
      if (!p) return;
      w.waiting.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(`load worker: ${m.error}`));
    });
    child.on('exit', () => {
      for (const p of w.waiting.values()) p.reject(new Error('load worker exited'));
      w.waiting.clear();
    });
    this.workers.push(w);
  }

  /** @param {number} i @param {string} cmd @param {any} args @returns {Promise<any>} */
  call(i, cmd, args = {}, timeoutMs = 600_000) {
    const w = this.workers[i];
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        w.waiting.delete(id);
        reject(new Error(`load worker ${i}: ${cmd} timed out`));
      }, timeoutMs);
      w.waiting.set(id, {
        resolve: (/** @type {any} */ r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (/** @type {any} */ e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      w.child.send({ id, cmd, args });
    });
  }

  /** Same command to every worker; `argsOf(i)` may tailor the arguments. @returns {Promise<any[]>} */
  all(cmd, argsOf = () => ({}), timeoutMs) {
    return Promise.all(this.workers.map((_, i) => this.call(i, cmd, typeof argsOf === 'function' ? argsOf(i) : argsOf, timeoutMs)));
  }

  async stop() {
    for (const w of this.workers) {
      w.child.disconnect?.();
      setTimeout(() => w.child.kill('SIGKILL'), 3000).unref();
    }
    await Promise.all(this.workers.map((w) => (w.child.exitCode !== null ? undefined : new Promise((r) => w.child.once('exit', r)))));
    this.workers = [];
  }
}
