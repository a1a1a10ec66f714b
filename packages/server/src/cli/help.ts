import { configFileFlag, envOf, settings, type Setting } from '../config.js';
import { helpFlag, type Command, type Flag } from './command.js';

const WIDTH = 100;
const INDENT = '      ';

/** How settings combine, said once for every help text and the README. */
export const PRECEDENCE = 'flags win over environment variables, which win over a --config file, which wins over defaults';

/** `parley --help`: every command with its one-line summary. */
export function overviewHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    'parley — self-hosted instant messaging, RongCloud compatible',
    '',
    'Usage: parley <command> [options]       (parley <command> --help describes one)',
    '',
    ...commands.flatMap((c) => {
      const [first = '', ...more] = wrap(c.summary, ' '.repeat(width + 2));
      return [`  ${c.name.padEnd(width)}${first.trimStart()}`, ...more];
    }),
    '',
    `Settings: ${PRECEDENCE}.`,
  ].join('\n');
}

/** A group's verbs (`parley app --help`). */
export function groupHelp(group: string, commands: readonly Command[]): string {
  const verbs = commands.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...verbs.map((c) => usageOf(c).length)) + 2;
  return [`parley ${group} <verb> [options]`, '', ...verbs.map((c) => `  ${usageOf(c).padEnd(width)}${c.summary}`), '', `parley ${group} <verb> --help describes one.`].join('\n');
}

/** A command's own `--help`: usage, what it does, and every flag with its environment twin, default and meaning. */
export function commandHelp(command: Command): string {
  const lines = [`parley ${usageOf(command)}${command.flags.length > 0 ? ' [options]' : ''}`, '', ...wrap(command.summary, ''), ''];
  if (command.details) lines.push(...command.details.split('\n').flatMap((line) => (line === '' ? [''] : wrap(line, ''))), '');
  lines.push('Options:');
  for (const flag of [...command.flags, helpFlag]) lines.push(...flagHelp(flag));
  if (command.flags.some((f) => f.env !== undefined)) lines.push('', ...wrap(`Settings: ${PRECEDENCE}. Boolean environment variables take 1/0, true/false, yes/no or on/off.`, ''));
  return lines.join('\n');
}

function usageOf(command: Command): string {
  return command.args ? `${command.name} ${command.args}` : command.name;
}

function flagHelp(flag: Flag): string[] {
  const name = `  --${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
  const facts = [flag.env, flag.default === undefined ? undefined : `default: ${plain(flag.default)}`].filter((f) => f !== undefined);
  return [facts.length > 0 ? `${name}   (${facts.join('; ')})` : name, ...wrap(plain(flag.help), INDENT)];
}

/** Help text is written for the README too, where backticks mark code; a terminal shows it plain. */
function plain(text: string): string {
  return text.replace(/`/g, '');
}

function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines;
}

/**
 * The README's configuration table, generated from the same settings as `--help`
 * (test/configuration-docs.test.ts keeps README.md equal to it).
 */
export function configurationTable(): string {
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rows = (Object.values(settings) as Setting[]).map((s) =>
    row([
      s.negatable ? `\`--${s.flag}\`, \`--no-${s.flag}\`` : `\`--${s.flag}\``,
      s.negatable ? `\`${envOf(s.flag)}\`, \`${envOf(`no-${s.flag}`)}\`` : `\`${envOf(s.flag)}\``,
      s.default ?? s.defaultText ?? '—',
      s.help,
    ]),
  );
  return [
    row(['flag', 'env', 'default', 'meaning']),
    '|---|---|---|---|',
    row([`\`--${configFileFlag.flag}\``, `\`${envOf(configFileFlag.flag)}\``, '—', configFileFlag.help]),
    ...rows,
  ].join('\n');
}
