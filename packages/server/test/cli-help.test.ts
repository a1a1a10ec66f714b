import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settings, type Setting } from '../src/config.js';
import { runParley } from './support/parley-cli.js';
import { makeTempDir } from './support/temp-dir.js';
import { spawnServer } from './support/test-server.js';

const parley = runParley;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = makeTempDir();
  cleanups.push(dir.remove);
  return dir.path;
}

describe('parley --help', () => {
  it('lists every command, and every flag of serve with its twin', async () => {
    const overview = await parley(['--help']);
    expect(overview.code).toBe(0);
    for (const name of ['serve', 'app create', 'app set', 'app rotate-secret', 'token', 'dev-credentials', 'doctor']) expect(overview.stdout).toContain(`  ${name} `);
    expect((await parley([])).code).toBe(2);

    const serve = await parley(['serve', '--help']);
    expect(serve.code).toBe(0);
    for (const s of Object.values(settings) as Setting[]) expect(serve.stdout).toMatch(new RegExp(`--${s.flag}\\b.*PARLEY_${s.flag.toUpperCase().replace(/-/g, '_')}`));
    expect(serve.stdout).toMatch(/--handshake-rate PER_SECOND {3}\(PARLEY_HANDSHAKE_RATE; default: 200\)/);
  });

  it('describes each verb, the same way whichever way it is asked', async () => {
    const set = await parley(['app', 'set', '--help']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^parley app set APPKEY \[options\]/);
    expect(set.stdout).toContain('--api-rate-limit CALLS_PER_SECOND   (default: 1000)');
    expect((await parley(['help', 'app', 'set'])).stdout).toBe(set.stdout);
    expect((await parley(['app', 'set', '-h'])).stdout).toBe(set.stdout);
    const doctor = await parley(['doctor', '--help']);
    expect(doctor.stdout).toContain('--redis-url URL   (PARLEY_REDIS_URL');
  });

  it('names the closest flag or command for a typo', async () => {
    const flag = await parley(['serve', '--prot', '80']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe('parley: unknown option --prot for parley serve; did you mean --port? (parley serve --help lists them)\n');
    expect((await parley(['app', 'set', 'KEY', '--api-rate', '5'])).stderr).toMatch(/unknown option --api-rate for parley app set; did you mean --api-rate-limit\?/);
    expect((await parley(['doctr'])).stderr).toMatch(/unknown command "doctr"; did you mean doctor\?/);
    expect((await parley(['app', 'rotate'])).stderr).toMatch(/unknown verb "app rotate"; did you mean rotate-secret\?/);
  });
});

describe('parley serve --config', () => {
  it('runs with the file\'s settings, relative paths taken from the file\'s directory, and flags winning', async () => {
    const dir = tempDir();
    const file = join(dir, 'parley.json');
    writeFileSync(file, JSON.stringify({ 'data-dir': 'state', 'log-level': 'warn', port: 1 }));
    const server = await spawnServer(['--config', file, '--port', '0']);
    cleanups.push(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    expect(server.port).not.toBe(1);
    expect(existsSync(join(dir, 'state', 'parley.sqlite'))).toBe(true);
  });

  it('refuses a bad file before starting, naming the key and the file', async () => {
    const file = join(tempDir(), 'parley.json');
    writeFileSync(file, JSON.stringify({ 'retention-dayz': 3 }));
    const unknown = await parley(['serve', '--config', file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`parley: ${file}: unknown setting "retention-dayz"; did you mean "retention-days"?\n`);
    writeFileSync(file, JSON.stringify({ 'upload-limit': '5TB' }));
    const invalid = await parley(['serve'], { PARLEY_CONFIG: file });
    expect(invalid.stderr).toBe(`parley: invalid setting "upload-limit" in ${file} (--upload-limit): must be a size such as 20MB, 512KB or 1048576\n`);
  });
});

describe('parley doctor', () => {
  it('exits 0 on a healthy data directory and 1, with the fix, on a broken one', async () => {
    const dataDir = join(tempDir(), 'data');
    expect((await parley(['app', 'list', '--data-dir', dataDir])).code).toBe(0);
    const healthy = await parley(['doctor', '--data-dir', dataDir]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/No problems found\.\n$/);

    chmodSync(join(dataDir, 'parley.sqlite'), 0o640);
    const broken = await parley(['doctor'], { PARLEY_DATA_DIR: dataDir });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`fix: chmod 600 ${join(dataDir, 'parley.sqlite')}`);
    expect(broken.stdout).toMatch(/1 problem found\.\n$/);
  });
});
