import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './support/free-port.js';
import { OfficialClient } from './support/official-sdk/official-client.js';
import { callServerApi } from './support/server-api-client.js';
import { makeTempDir } from './support/temp-dir.js';
import { spawnServer, type ServerProcess } from './support/test-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(port: number, dataDir: string): Promise<ServerProcess> {
  const server = await spawnServer(['--port', String(port), '--data-dir', dataDir]);
  cleanups.push(async () => {
    server.child.kill('SIGKILL');
    await server.exited;
  });
  return server;
}

describe('official Web SDK across a server restart', () => {
  it.each(['SIGTERM', 'SIGKILL'] as const)('goes SUSPEND, then CONNECTED again after a %s and restart, with no app code', async (signal) => {
    const dir = makeTempDir();
    cleanups.push(dir.remove);
    const port = await freePort();
    const first = await serve(port, dir.path);
    const dev = JSON.parse(readFileSync(join(dir.path, 'dev-app.json'), 'utf8')) as { appKey: string; appSecret: string };
    const token = String((await callServerApi(first.url, 'user/getToken', { userId: 'restarter' }, dev)).body.token);

    const client = await OfficialClient.start({ appKey: dev.appKey, navigators: [first.url] });
    cleanups.push(() => client.close());
    expect(await client.connect(token)).toEqual({ code: 0, userId: 'restarter' });
    const mark = client.events.length;

    first.child.kill(signal);
    await first.exited;
    const suspended = await client.waitForEvent('SUSPEND', (_p, e) => e.seq >= mark);
    expect(typeof suspended.payload).toBe('number');

    await serve(port, dir.path);
    await client.waitForEvent('CONNECTED', (_p, e) => e.seq >= mark, 20_000);
    const online = await callServerApi(`http://127.0.0.1:${port}`, 'user/checkOnline', { userId: 'restarter' }, dev);
    expect(online.body.status).toBe('1');
    expect(client.events.slice(mark).some((e) => e.event === 'DISCONNECT')).toBe(false);
  });
});
