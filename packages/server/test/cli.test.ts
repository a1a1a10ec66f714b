import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callServerApi } from './support/server-api-client.js';
import { runParley } from './support/parley-cli.js';
import { makeTempDir } from './support/temp-dir.js';
import { spawnServer, type ServerProcess } from './support/test-server.js';

const parley = runParley;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDataDir(): string {
  const dir = makeTempDir();
  cleanups.push(dir.remove);
  return dir.path;
}

async function serve(dataDir: string): Promise<ServerProcess> {
  const server = await spawnServer(['--port', '0', '--data-dir', dataDir]);
  cleanups.push(async () => {
    server.child.kill('SIGKILL');
    await server.exited;
  });
  return server;
}

describe('parley app', () => {
  it('creates an app and prints its credentials as JSON', async () => {
    const dataDir = tempDataDir();
    const created = await parley(['app', 'create', '--name', 'shop', '--json', '--data-dir', dataDir]);
    expect(created.code).toBe(0);
    const { appKey, appSecret } = JSON.parse(created.stdout) as { appKey: string; appSecret: string };
    expect(appKey).toMatch(/^[a-z0-9]{14}$/);
    expect(appSecret).toMatch(/^[A-Za-z0-9]{24}$/);

    const listed = await parley(['app', 'list', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ appKey, name: 'shop', state: 'active' })]);
    expect(listed.stdout).not.toContain(appSecret);
  });

  it('changes settings and shows them', async () => {
    const dataDir = tempDataDir();
    const { appKey } = JSON.parse((await parley(['app', 'create', '--name', 'a', '--json', '--data-dir', dataDir])).stdout) as { appKey: string };
    const set = await parley([
      'app', 'set', appKey, '--token-lifetime', '3600', '--device-policy', 'multi', '--max-devices', '3',
      '--safe-domains', 'example.com,*.example.org:8443', '--signature-mode', 'strict', '--api-rate-limit', '50', '--json', '--data-dir', dataDir,
    ]);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      tokenLifetimeSeconds: 3600,
      devicePolicy: 'multi',
      maxDevices: 3,
      safeDomains: ['example.com', '*.example.org:8443'],
      signatureMode: 'strict',
      apiRateLimit: 50,
    });
    expect((await parley(['app', 'delete', appKey, '--data-dir', dataDir])).stdout).toMatch(/deleted/);
    expect(JSON.parse((await parley(['app', 'list', '--json', '--data-dir', dataDir])).stdout)).toEqual([]);
    expect(JSON.parse((await parley(['app', 'list', '--all', '--json', '--data-dir', dataDir])).stdout)).toHaveLength(1);
  });

  it.each([
    [['app', 'set', 'KEY', '--device-policy', 'everyone'], /devicePolicy/],
    [['app', 'set', 'KEY', '--token-lifetime=-5'], /tokenLifetimeSeconds/],
    [['app', 'show', 'nosuchapp'], /no app with App Key nosuchapp/],
    [['app', 'create'], /--name/],
    [['app', 'frobnicate'], /unknown verb/],
    [['app', 'list', '--bogus'], /bogus/],
    [['nonsense'], /unknown command/],
    [['token', 'KEY', 'bad user'], /USERID/],
  ])('refuses %j with a message and exit code 2', async (args, message) => {
    const dataDir = tempDataDir();
    const { appKey } = JSON.parse((await parley(['app', 'create', '--name', 'a', '--json', '--data-dir', dataDir])).stdout) as { appKey: string };
    const result = await parley([...args.map((a) => (a === 'KEY' ? appKey : a)), '--data-dir', dataDir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('parley serve', () => {
  it('creates the development app once, saved with mode 0600, and names its file (stdout is no terminal here)', async () => {
    const dataDir = tempDataDir();
    const first = await serve(dataDir);
    expect(first.output()).toContain(`Created a development app; its App Key and App Secret are in ${join(dataDir, 'dev-app.json')}`);
    const saved = JSON.parse(readFileSync(join(dataDir, 'dev-app.json'), 'utf8')) as { appKey: string; appSecret: string };
    expect(first.output()).not.toContain(saved.appSecret);
    expect(statSync(join(dataDir, 'dev-app.json')).mode & 0o777).toBe(0o600);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await serve(dataDir);
    expect(second.output()).not.toContain('Created a development app');
    expect((await parley(['dev-credentials', '--data-dir', dataDir])).stdout).toContain(saved.appKey);
  });

  it('shuts down cleanly on SIGTERM, closing the SQLite file', async () => {
    const dataDir = tempDataDir();
    const server = await serve(dataDir);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // SQLite removes the WAL file when the last connection closes cleanly.
    expect(existsSync(join(dataDir, 'parley.sqlite-wal'))).toBe(false);
  });

  it('sees app changes made by the CLI while it runs', async () => {
    const dataDir = tempDataDir();
    const server = await serve(dataDir);
    const dev = JSON.parse(readFileSync(join(dataDir, 'dev-app.json'), 'utf8')) as { appKey: string; appSecret: string };
    const check = () => callServerApi(server.url, 'user/checkOnline', { userId: 'u' }, dev);
    expect((await check()).status).toBe(200);

    expect((await parley(['app', 'block', dev.appKey, '--data-dir', dataDir])).code).toBe(0);
    await expect.poll(async () => (await check()).status, { timeout: 3000 }).toBe(403);
    expect((await parley(['app', 'unblock', dev.appKey, '--data-dir', dataDir])).code).toBe(0);
    await expect.poll(async () => (await check()).status, { timeout: 3000 }).toBe(200);

    const token = (await parley(['token', dev.appKey, 'cliuser', '--data-dir', dataDir, '--public-url', server.url])).stdout.trim();
    expect(token.endsWith(`@${server.url}`)).toBe(true);
    const navigate = () =>
      fetch(`${server.url}/v2/navi.json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
    expect((await navigate()).status).toBe(200);

    const rotated = JSON.parse((await parley(['app', 'rotate-secret', dev.appKey, '--json', '--data-dir', dataDir])).stdout) as { appSecret: string };
    expect(rotated.appSecret).not.toBe(dev.appSecret);
    await expect.poll(async () => (await navigate()).status, { timeout: 3000 }).toBe(401);
    await expect.poll(async () => (await check()).status, { timeout: 3000 }).toBe(401);
    expect((await callServerApi(server.url, 'user/checkOnline', { userId: 'u' }, { appKey: dev.appKey, appSecret: rotated.appSecret })).status).toBe(200);
  });
});
