import { describe, expect, it } from 'vitest';
import { migrations } from '../store/migrations.js';
import { formatFindings } from './doctor-command.js';
import { judgeClocks, judgeFreeSpace, judgeMigrations, MIN_FREE_BYTES } from './doctor.js';

const GiB = 1024 ** 3;

describe('doctor judgements', () => {
  it('reports a disk with less than 1 GiB or 5 % free', () => {
    expect(judgeFreeSpace('/d', 50 * GiB, 100 * GiB).ok).toBe(true);
    expect(judgeFreeSpace('/d', MIN_FREE_BYTES - 1, 8 * GiB)).toMatchObject({ ok: false, detail: expect.stringMatching(/^only 1024\.0 MiB free of 8\.0 GiB under \/d/) });
    expect(judgeFreeSpace('/d', 40 * GiB, 1000 * GiB).ok).toBe(false);
  });

  it('tells applied, pending and unknown migrations apart', () => {
    const all = migrations.map((m) => m.version);
    expect(judgeMigrations('S', all)).toMatchObject({ ok: true, detail: `S: all ${migrations.length} applied` });
    const last = migrations.at(-1)!;
    expect(judgeMigrations('S', all.slice(0, -1))).toMatchObject({ ok: false, detail: `S: 1 of ${migrations.length} pending (${last.version}: ${last.name})`, fix: expect.stringContaining('parley serve') });
    expect(judgeMigrations('S', [...all, 9999])).toMatchObject({ ok: false, detail: expect.stringContaining('newer Parley') });
  });

  it('flags a node whose clock is off by more than the tolerance, beyond the measuring error', () => {
    const ahead = judgeClocks([{ node: 'a', kind: 'announced', minOffsetMs: 4900, maxOffsetMs: 5100 }], 1000);
    expect(ahead).toEqual([expect.objectContaining({ ok: false, detail: expect.stringMatching(/^node a: its clock is 5\.0 s ahead of this machine's \(± 100 ms\)/) })]);
    expect(judgeClocks([{ node: 'b', kind: 'announced', minOffsetMs: -3100, maxOffsetMs: -2900 }], 1000)[0]?.detail).toMatch(/3\.0 s behind/);
    // Off by 1.2 s, give or take 0.5 s: it may be within tolerance, so it is not reported.
    expect(judgeClocks([{ node: 'c', kind: 'announced', minOffsetMs: 700, maxOffsetMs: 1700 }], 1000)).toEqual([expect.objectContaining({ ok: true })]);
  });

  it('flags a silent node whose last announcement reaches further than any honest clock could', () => {
    expect(judgeClocks([{ node: 'gone', kind: 'silent', expiresInMs: 3000 }], 1000)).toEqual([expect.objectContaining({ ok: true, detail: expect.stringMatching(/1 stopped recently/) })]);
    expect(judgeClocks([{ node: 'fast', kind: 'silent', expiresInMs: 26_000 }], 1000)[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/runs ahead by at least 20\.0 s/) });
    expect(judgeClocks([], 1000)[0]).toMatchObject({ ok: true, detail: expect.stringMatching(/no node announces itself/) });
  });

  it('prints a fix under each problem and counts them', () => {
    const text = formatFindings([
      { check: 'disk', ok: true, detail: 'plenty' },
      { check: 'migrations', ok: false, detail: '1 pending', fix: 'start the server' },
    ]);
    expect(text).toBe(['ok    disk        plenty', 'FAIL  migrations  1 pending', '                  fix: start the server', '', '1 problem found.'].join('\n'));
  });
});
