import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { resolveConfig, type ServerConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/server.js';
import { freePort } from './free-port.js';
import { makeTempDir } from './temp-dir.js';

export const PARLEY_BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  logText(): string;
  /** A development app created on first start: key and secret. */
  devApp: { appKey: string; appSecret: string };
  stop(): Promise<void>;
}

/** A real server in this process, on a random loopback port, over a fresh SQLite file. */
export async function startTestServer(overrides: Partial<ServerConfig> = {}, options: StartOptions = {}): Promise<TestServer> {
  const dir = overrides.dataDir ? undefined : makeTempDir();
  const config = { ...resolveConfig({ port: '0', host: '127.0.0.1', 'log-level': 'debug' }, {}), dataDir: dir?.path ?? '', ...overrides };
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  const server = await startServer(config, createLogger(config.logLevel, sink), options);
  const devApp = server.createdDevApp ?? (await server.services.apps.list())[0];
  if (!devApp) throw new Error('test server has no app');
  return {
    ...server,
    dataDir: config.dataDir,
    devApp: { appKey: devApp.appKey, appSecret: devApp.appSecret },
    get logs() {
      return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logText: () => lines.join('\n'),
    stop: async () => {
      await server.close();
      dir?.remove();
    },
  };
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** `parley serve` as a separate process, for tests that kill or restart it. */
export async function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  // The default native port (--port + 1) may be taken next to a port picked at random: any free one
  // unless the test chooses.
  const nativePort = args.includes('--native-port') ? [] : ['--native-port', '0'];
  const child = spawn(process.execPath, [PARLEY_BIN, 'serve', '--host', '127.0.0.1', ...nativePort, ...args], {
    env: { ...process.env, PARLEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 15 s:\n${output}`)), 15_000);
    const check = () => {
      const match = /Parley is running at (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${output}`));
    });
  });
  return { child, url, port: Number(new URL(url).port), output: () => output, exited };
}

export interface RestartableServer {
  /** Stable across restarts: the ports and data dir stay the same. */
  url: string;
  /** The `--native-port`, for RongCloud's native stack. */
  nativePort: number;
  dataDir: string;
  /** The development app the first start created. */
  credentials: { appKey: string; appSecret: string };
  /** Kills the running process (SIGKILL unless told otherwise) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port and data dir. */
  restart(): Promise<void>;
  /** Kills the process if running and removes the data dir. */
  dispose(): Promise<void>;
}

/**
 * `parley serve` as a process that tests kill and start again on the same port and data dir, as
 * crash tests do; client-visible URLs stay valid across restarts.
 */
export async function startRestartableServer(extraArgs: string[] = []): Promise<RestartableServer> {
  const dir = makeTempDir('parley-restartable-');
  const port = await freePort();
  // Picked here, free now: the default (port + 1) may be taken.
  let nativePort = await freePort();
  while (nativePort === port) nativePort = await freePort();
  let current: ServerProcess | undefined;
  const start = async () => {
    current = await spawnServer(['--port', String(port), '--native-port', String(nativePort), '--data-dir', dir.path, ...extraArgs]);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const running = current;
    current = undefined;
    running?.child.kill(signal);
    await running?.exited;
  };
  await start();
  const credentials = JSON.parse(readFileSync(join(dir.path, 'dev-app.json'), 'utf8')) as { appKey: string; appSecret: string };
  return {
    url: `http://127.0.0.1:${port}`,
    nativePort,
    dataDir: dir.path,
    credentials,
    kill,
    restart: start,
    dispose: async () => {
      await kill();
      dir.remove();
    },
  };
}
