import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { firstStartNotice } from '../../src/cli/serve-command.js';
import { adminTokenFile } from '../../src/http/admin/admin-token.js';
import { raw } from '../support/raw-http.js';
import { makeTempDir } from '../support/temp-dir.js';
import { spawnServer, startTestServer } from '../support/test-server.js';

/** Secrets at rest and on the way out: file modes, startup output, the admin token's sources. */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = makeTempDir('parley-rest-');
  cleanups.push(dir.remove);
  return dir.path;
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the data directory', () => {
  it('is created owner-only, and so is every file in it, the SQLite WAL and shared memory included', async () => {
    const dataDir = join(tempDir(), 'nested', 'data');
    const server = await startTestServer({ dataDir });
    cleanups.push(() => server.stop());
    expect(modeOf(dataDir)).toBe(0o700);
    const files = readdirSync(dataDir);
    expect(files).toEqual(expect.arrayContaining(['parley.sqlite', 'parley.sqlite-wal', 'parley.sqlite-shm', 'dev-app.json', 'admin-token']));
    // Folders (the media store's) are owner-only too: 700 for a folder, 600 for a file, all the way down.
    for (const file of readdirSync(dataDir, { recursive: true, encoding: 'utf8' })) {
      const path = join(dataDir, file);
      expect({ file, mode: modeOf(path).toString(8) }).toEqual({ file, mode: statSync(path).isDirectory() ? '700' : '600' });
    }
    expect(server.warnings).toEqual([]);
  });

  it('is warned about at startup when it or a file in it is readable by others', async () => {
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'parley.sqlite'), '', { mode: 0o644 });
    chmodSync(join(dataDir, 'parley.sqlite'), 0o644);
    const server = await startTestServer({ dataDir });
    cleanups.push(() => server.stop());
    expect(server.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`${dataDir} is readable by other users \\(mode 755\\): chmod 700`)),
        expect.stringMatching(/parley\.sqlite is readable by other users \(mode 644\): chmod 600/),
      ]),
    );
  });
});

describe('first start output', () => {
  it('names the files, never the secrets, when stdout is not a terminal', async () => {
    const dataDir = tempDir();
    const server = await spawnServer(['--port', '0', '--data-dir', dataDir]);
    cleanups.push(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    const { appSecret } = JSON.parse(readFileSync(join(dataDir, 'dev-app.json'), 'utf8')) as { appSecret: string };
    const adminToken = readFileSync(adminTokenFile(dataDir), 'utf8').trim();
    const output = server.output();
    expect(output).toContain(`its App Key and App Secret are in ${join(dataDir, 'dev-app.json')}`);
    expect(output).toContain(`it is in ${adminTokenFile(dataDir)}`);
    expect(output).not.toContain(appSecret);
    expect(output).not.toContain(adminToken);
  });

  it('shows them once on a terminal', () => {
    const app = { appKey: 'k', appSecret: 'the-app-secret' } as Parameters<typeof firstStartNotice>[0]['createdDevApp'];
    const text = firstStartNotice({ createdDevApp: app, createdAdminToken: 'the-admin-token' }, '/data', true);
    expect(text).toContain('App Secret: the-app-secret');
    expect(text).toContain('the-admin-token');
    expect(firstStartNotice({ createdDevApp: undefined, createdAdminToken: undefined }, '/data', true)).toBe('');
  });
});

describe('the admin token', () => {
  it('can come from a file, so it stays out of ps and the environment', async () => {
    const dir = tempDir();
    const file = join(dir, 'secret-admin-token');
    writeFileSync(file, 'token-from-a-file-0123456789\n', { mode: 0o600 });
    mkdirSync(join(dir, 'data'));
    const server = await startTestServer({ dataDir: join(dir, 'data'), adminTokenFile: file });
    cleanups.push(() => server.stop());
    const answer = await raw(server.url, 'GET', '/admin/api/apps', { headers: { authorization: 'Bearer token-from-a-file-0123456789' } });
    expect(answer.status).toBe(200);
    expect(server.createdAdminToken).toBeUndefined();
  });

  it('refuses to start on a missing or too short token file', async () => {
    const dir = tempDir();
    await expect(startTestServer({ dataDir: join(dir, 'd1'), adminTokenFile: join(dir, 'missing') })).rejects.toThrow(/does not exist/);
    writeFileSync(join(dir, 'short'), 'short\n');
    await expect(startTestServer({ dataDir: join(dir, 'd2'), adminTokenFile: join(dir, 'short') })).rejects.toThrow(/shorter than 16/);
  });
});
