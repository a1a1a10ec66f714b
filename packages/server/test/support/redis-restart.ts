import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

const REDIS_PORT = 6379;
/** How CI starts the shared test Redis: nothing on disk, so a restart comes back empty. */
const REDIS_SERVER_ARGS = [
  '--daemonize', 'yes',
  '--bind', '127.0.0.1', '-::1',
  '--port', String(REDIS_PORT),
  '--save', '',
  '--appendonly', 'no',
  '--dir', '/var/lib/redis',
  '--logfile', '/var/log/redis/ci.log',
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function portAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(REDIS_PORT, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`redis restart: ${what} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/**
 * Stops the shared test Redis on 127.0.0.1:6379, losing every key, as a crash of a Redis without
 * persistence would. It disturbs every test using that Redis at the time: run such tests apart.
 */
export async function stopRedis(): Promise<void> {
  // The server closes the connection as it stops, which redis-cli may report as an error.
  await run('redis-cli', ['-p', String(REDIS_PORT), 'shutdown', 'nosave']).catch(() => undefined);
  await waitUntil(async () => !(await portAnswers()), 'the old server did not stop', 5000);
}

/** Starts the shared test Redis again, empty; resolves once it answers PING. */
export async function startRedis(): Promise<void> {
  await run('redis-server', REDIS_SERVER_ARGS);
  await waitUntil(
    () => run('redis-cli', ['-p', String(REDIS_PORT), 'ping']).then(({ stdout }) => stdout.trim() === 'PONG', () => false),
    'the new server did not answer',
    5000,
  );
}

/** Restarts the shared test Redis (see stopRedis). */
export async function restartRedis(): Promise<void> {
  await stopRedis();
  await startRedis();
}
