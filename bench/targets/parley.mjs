// Parley, single node: one `parley serve` process with the SQLite store (durable: synchronous=FULL,
// every send committed before its PUBACK). A cluster variant can add another module with the same
// shape (several pids, memory summed) and register it in targets/index.mjs.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fdsOf, freePort, REPO, rssOf, spawnNode, waitForPort } from '../lib/proc.mjs';
import { callServerApi } from '../lib/server-api.mjs';
import { now } from '../lib/stats.mjs';

const PARLEY = join(REPO, 'packages/server/bin/parley.js');
const run = promisify(execFile);

/** @param {{tmpDir: string, profileDir?: string}} ctx */
export function parleyTarget(ctx) {
  const dataDir = join(ctx.tmpDir, 'parley-data');
  const logFile = join(ctx.tmpDir, 'parley.log');
  mkdirSync(dataDir, { recursive: true });
  /** @type {ReturnType<typeof spawnNode> | undefined} */
  let proc;
  let port = 0;
  /** @type {{appKey: string, appSecret: string} | undefined} */
  let app;
  /** @type {Map<string, string>} */
  const tokens = new Map();
  const profile = { on: false };

  const target = {
    name: 'parley',
    label: 'Parley',
    protocol: 'parley',
    kind: 'parley',
    note: 'durable: SQLite, synchronous=FULL, commit before PUBACK',
    /** Most connections one process holds here: 20,000 open files, minus the server's own. */
    maxConnections: 19_500,
    canRestart: true,
    /** Turns on --cpu-prof for the next start. */
    profileNextStart(/** @type {string} */ dir) {
      profile.on = true;
      /** @type {any} */ (profile).dir = dir;
    },
    async start() {
      port ||= await freePort();
      const nodeFlags = profile.on ? ['--cpu-prof', '--cpu-prof-dir', /** @type {any} */ (profile).dir] : [];
      profile.on = false;
      proc = spawnNode({
        script: PARLEY,
        nodeFlags,
        args: ['serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn', '--user-send-rate', '1000000', '--handshake-rate', '1000000'],
        logFile,
      });
      const failed = proc.exited.then(({ code, signal }) => {
        throw new Error(`parley exited during start (${code ?? signal}); see ${logFile}`);
      });
      await Promise.race([waitForPort(port), failed]);
      failed.catch(() => {});
      if (!app) {
        app = JSON.parse(readFileSync(join(dataDir, 'dev-app.json'), 'utf8'));
        // The dev app allows 1,000 Server API calls/s; provisioning thousands of users needs more.
        await run(process.execPath, [PARLEY, 'app', 'set', /** @type {any} */ (app).appKey, '--api-rate-limit', '1000000', '--data-dir', dataDir], { cwd: REPO });
        await new Promise((r) => setTimeout(r, 1100)); // the server's app cache lives 1 s
      }
    },
    async stop(signal = /** @type {NodeJS.Signals} */ ('SIGTERM')) {
      await proc?.stop(signal);
      proc = undefined;
    },
    /** Kills (SIGKILL) and starts again at once; returns the time of the kill. */
    async restart() {
      const killedAt = now();
      await proc?.stop('SIGKILL');
      await target.start();
      return { killedAt, upAt: now() };
    },
    endpoint() {
      return { url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}`, appKey: app?.appKey, port, host: '127.0.0.1' };
    },
    pids: () => (proc ? [proc.pid] : []),
    /** Event-loop delay since the previous call (ms). */
    loopDelay: async () => (proc ? /** @type {any} */ (proc).loopDelay() : null),
    /** Server memory after a full GC (probe over IPC) plus RSS from /proc. */
    async memory() {
      const m = await /** @type {any} */ (proc).memory();
      return { rss: rssOf(/** @type {any} */ (proc).pid), heapUsed: m.heapUsed, external: m.external, fds: fdsOf(/** @type {any} */ (proc).pid) };
    },
    /** Registers users through the Server API (`/user/getToken.json`) and returns their tokens. */
    async tokens(/** @type {string[]} */ userIds) {
      const missing = userIds.filter((u) => !tokens.has(u));
      let i = 0;
      const base = `http://127.0.0.1:${port}`;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (i < missing.length) {
            const userId = missing[i++];
            const r = await callServerApi(base, 'user/getToken', { userId, name: userId }, /** @type {any} */ (app));
            tokens.set(userId, r.token);
          }
        }),
      );
      return userIds.map((u) => /** @type {string} */ (tokens.get(u)));
    },
    /** Groups live on the server: `/group/create.json`. */
    async createGroups(/** @type {{id: string, members: string[]}[]} */ groups) {
      const base = `http://127.0.0.1:${port}`;
      // The form parser takes at most 256 fields per call (http/server-api/form.ts), although the
      // route allows 1,000 members: create with the first 250, join the rest 250 at a time.
      for (const g of groups) {
        for (let i = 0; i < g.members.length; i += 250) {
          const userId = g.members.slice(i, i + 250);
          if (i === 0) await callServerApi(base, 'group/create', { groupId: g.id, groupName: g.id, userId }, /** @type {any} */ (app));
          else await callServerApi(base, 'group/join', { groupId: g.id, userId }, /** @type {any} */ (app));
        }
      }
      return { clientJoins: false };
    },
  };
  return target;
}
