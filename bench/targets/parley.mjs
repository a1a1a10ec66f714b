// Parley, single node: one `parley serve` process with the SQLite store (durable: synchronous=FULL,
// every send committed before its PUBACK), reached over WebSocket (`parley`) or over native TCP
// (`parley-native`). The cluster variant (parley-cluster.mjs) starts its nodes with the same
// settings, through serveParley() and unlimitedDevApp() below.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fdsOf, keptOrFreePort, REPO, rssOf, spawnNode, waitForPort } from '../lib/proc.mjs';
import { callServerApi, registerUsers } from '../lib/server-api.mjs';
import { now, sleep } from '../lib/stats.mjs';

const PARLEY = join(REPO, 'packages/server/bin/parley.js');
const run = promisify(execFile);

/**
 * Starts `parley serve` on 127.0.0.1:port with the bench's settings (no per-user send or handshake
 * limits, warnings only) plus `args`, and waits until it accepts connections.
 * @param {{port: number, args: string[], logFile: string, nodeFlags?: string[]}} o
 */
export async function serveParley(o) {
  const proc = spawnNode({
    script: PARLEY,
    nodeFlags: o.nodeFlags,
    args: ['serve', '--port', String(o.port), '--host', '127.0.0.1', '--log-level', 'warn', '--user-send-rate', '1000000', '--handshake-rate', '1000000', ...o.args],
    logFile: o.logFile,
  });
  const failed = proc.exited.then(({ code, signal }) => {
    throw new Error(`parley exited during start (${code ?? signal}); see ${o.logFile}`);
  });
  await Promise.race([waitForPort(o.port), failed]);
  failed.catch(() => {});
  return proc;
}

/**
 * The development app a first start created (`dataDir/dev-app.json`), with its Server API limit
 * raised: it allows 1,000 calls/s, and provisioning thousands of users needs more.
 * @param {string} dataDir
 * @param {string[]} storeArgs how the CLI reaches the store: `--data-dir DIR` or `--database-url URL`
 * @returns {Promise<{appKey: string, appSecret: string}>}
 */
export async function unlimitedDevApp(dataDir, storeArgs) {
  const app = JSON.parse(readFileSync(join(dataDir, 'dev-app.json'), 'utf8'));
  await run(process.execPath, [PARLEY, 'app', 'set', app.appKey, '--api-rate-limit', '1000000', ...storeArgs], { cwd: REPO });
  await sleep(1100); // the server's app cache lives 1 s
  return app;
}

/**
 * The single node's store, one per run: the WebSocket and the native target serve the same data
 * directory, development app and users (only one of them runs at a time), so their figures differ
 * by the transport alone and the users are registered once.
 * @typedef {{dataDir: string, app?: {appKey: string, appSecret: string}, tokens: Map<string, string>}} Store
 * @type {WeakMap<object, Store>}
 */
const stores = new WeakMap();

/**
 * @param {{tmpDir: string, profileDir?: string}} ctx
 * @param {'websocket' | 'native'} transport how the load clients reach it: `/websocket` on the HTTP
 *   port, or RMTP over TCP on `--native-port` as RongCloud's native stack speaks it
 */
export function parleyTarget(ctx, transport = 'websocket') {
  const native = transport === 'native';
  const store = stores.get(ctx) ?? { dataDir: join(ctx.tmpDir, 'parley-data'), tokens: new Map() };
  stores.set(ctx, store);
  const { dataDir, tokens } = store;
  const logFile = join(ctx.tmpDir, native ? 'parley-native.log' : 'parley.log');
  mkdirSync(dataDir, { recursive: true });
  /** @type {ReturnType<typeof spawnNode> | undefined} */
  let proc;
  let port = 0;
  let nativePort = 0;
  const profile = { on: false };

  const target = {
    name: native ? 'parley-native' : 'parley',
    label: native ? 'Parley (native TCP)' : 'Parley',
    protocol: native ? 'parley-native' : 'parley',
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
      port = await keptOrFreePort(port);
      // Its default, the HTTP port + 1, may be taken: freePort() only vouches for the port it gives.
      nativePort = await keptOrFreePort(nativePort);
      const nodeFlags = profile.on ? ['--cpu-prof', '--cpu-prof-dir', /** @type {any} */ (profile).dir] : [];
      profile.on = false;
      proc = await serveParley({ port, args: ['--data-dir', dataDir, '--native-port', String(nativePort)], logFile, nodeFlags });
      store.app ??= await unlimitedDevApp(dataDir, ['--data-dir', dataDir]);
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
      return { url: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}`, appKey: store.app?.appKey, port, nativePort, host: '127.0.0.1' };
    },
    pids: () => (proc ? [proc.pid] : []),
    /** Event-loop delay since the previous call (ms). */
    loopDelay: async () => (proc ? /** @type {any} */ (proc).loopDelay() : null),
    /** loopDelay() then also reports the longest stretch of CPU work (lib/probe.mjs). */
    busyOn: async () => (proc ? /** @type {any} */ (proc).busyOn() : null),
    /** Server memory after a full GC (probe over IPC) plus RSS from /proc. */
    async memory() {
      const m = await /** @type {any} */ (proc).memory();
      return { rss: rssOf(/** @type {any} */ (proc).pid), heapUsed: m.heapUsed, external: m.external, fds: fdsOf(/** @type {any} */ (proc).pid) };
    },
    /** Registers users through the Server API (`/user/getToken.json`) and returns their tokens. */
    async tokens(/** @type {string[]} */ userIds) {
      return registerUsers([`http://127.0.0.1:${port}`], userIds, /** @type {any} */ (store.app), tokens);
    },
    /** Groups live on the server: `/group/create.json`. */
    async createGroups(/** @type {{id: string, members: string[]}[]} */ groups) {
      const base = `http://127.0.0.1:${port}`;
      // The form parser takes at most 256 fields per call (http/server-api/form.ts), although the
      // route allows 1,000 members: create with the first 250, join the rest 250 at a time.
      for (const g of groups) {
        for (let i = 0; i < g.members.length; i += 250) {
          const userId = g.members.slice(i, i + 250);
          if (i === 0) await callServerApi(base, 'group/create', { groupId: g.id, groupName: g.id, userId }, /** @type {any} */ (store.app));
          else await callServerApi(base, 'group/join', { groupId: g.id, userId }, /** @type {any} */ (store.app));
        }
      }
      return { clientJoins: false };
    },
  };
  return target;
}
