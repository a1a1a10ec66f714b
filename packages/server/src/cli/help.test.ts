import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFileFlag, envOf, settings, type Setting } from '../config.js';
import { helpFlag } from './command.js';
import { commandHelp, configurationTable, groupHelp, overviewHelp } from './help.js';
import { commands } from './main.js';

const README = new URL('../../../../README.md', import.meta.url);

/** Every flag `parley serve` takes, as the schema declares them. */
function schemaFlags(): string[] {
  return [configFileFlag.flag, ...(Object.values(settings) as Setting[]).flatMap((s) => (s.negatable ? [s.flag, `no-${s.flag}`] : [s.flag]))].map((f) => `--${f}`);
}

/** The rows of README.md's configuration table: the flags of its first column and its env column, per row. */
function readmeTable(): { text: string; rows: { flags: string[]; envs: string[] }[] } {
  const readme = readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const start = section.indexOf('| flag | env | default | meaning |');
  expect(start, 'README.md has a configuration table').toBeGreaterThanOrEqual(0);
  const lines = section.slice(start).split('\n');
  const table = lines.slice(0, lines.findIndex((line) => !line.startsWith('|')));
  const rows = table.slice(2).map((line) => {
    const [flagCell = '', envCell = ''] = line.split(' | ');
    return { flags: flagCell.match(/--[a-z-]+/g) ?? [], envs: envCell.match(/PARLEY_[A-Z_]+/g) ?? [] };
  });
  return { text: table.join('\n'), rows };
}

describe('help is generated from the one schema', () => {
  it('every setting and every flag of every command has help text', () => {
    const bare = (Object.entries(settings) as [string, Setting][]).filter(([, s]) => s.help.trim().length < 10).map(([key]) => key);
    expect(bare, 'settings without help').toEqual([]);
    for (const command of commands) {
      expect(command.summary.trim(), `parley ${command.name} has a summary`).not.toBe('');
      const undocumented = command.flags.filter((f) => f.help.trim().length < 8).map((f) => `--${f.name}`);
      expect(undocumented, `flags of parley ${command.name} without help`).toEqual([]);
    }
  });

  it('serve --help lists every flag of the schema with its environment twin and default', () => {
    const serve = commands.find((c) => c.name === 'serve');
    expect(serve).toBeDefined();
    const text = commandHelp(serve!);
    for (const s of Object.values(settings) as Setting[]) {
      const line = text.split('\n').find((l) => l.startsWith(`  --${s.flag}${s.value ? ` ${s.value}` : ''}  `) || l === `  --${s.flag}`);
      expect(line, `--${s.flag} in serve --help`).toBeDefined();
      expect(line).toContain(envOf(s.flag));
      if (s.default !== undefined) expect(line).toContain(`default: ${s.default}`);
    }
    expect(text).toContain('--no-demo');
    expect(text).toContain(`--${configFileFlag.flag} ${configFileFlag.value}   (PARLEY_CONFIG)`);
    expect(text).toContain(`--${helpFlag.name}`);
  });

  it('each command and group has a help text naming its own flags only', () => {
    for (const command of commands) {
      const text = commandHelp(command);
      expect(text.startsWith(`parley ${command.name}`)).toBe(true);
      for (const flag of command.flags) expect(text, `parley ${command.name} --help`).toContain(`--${flag.name}`);
    }
    const set = commandHelp(commands.find((c) => c.name === 'app set')!);
    expect(set).toContain('--device-policy per-class|single|multi   (default: per-class)');
    expect(set).not.toContain('--port');
    expect(groupHelp('app', commands)).toContain('app rotate-secret APPKEY');
    const overview = overviewHelp(commands);
    for (const command of commands) expect(overview).toContain(`  ${command.name} `);
  });
});

describe("README.md's configuration table", () => {
  it('lists every flag of the schema and no other, each with its environment twin', () => {
    const { rows } = readmeTable();
    const listed = rows.flatMap((r) => r.flags);
    const known = schemaFlags();
    expect(known.filter((f) => !listed.includes(f)), 'flags missing from the README table').toEqual([]);
    expect(listed.filter((f) => !known.includes(f)), 'README table rows for flags that do not exist').toEqual([]);
    for (const row of rows) expect(row.envs).toEqual(row.flags.map((f) => envOf(f.slice(2))));
  });

  it('is the table generated from the schema (same defaults and meanings as --help)', () => {
    // On a mismatch, the expected text is what to paste into README.md.
    expect(readmeTable().text).toBe(configurationTable());
  });
});
