import { parseArgs } from 'node:util';
import { configFileFlag, envOf, settings, type SettingKey } from '../config.js';
import { didYouMean } from './closest-name.js';
import { UsageError } from './output.js';

/** One flag of a command, as `--help` shows it. */
export interface Flag {
  /** Without the dashes. */
  name: string;
  /** What the value looks like (`PORT`); absent for an on/off flag. */
  value?: string;
  env?: string;
  default?: string;
  help: string;
}

export type FlagValues = Partial<Record<string, string | boolean>>;

/**
 * A command or verb of `parley` (`serve`, `app set`, ...): everything `--help` says about it is
 * declared here, and the flags it accepts are exactly the ones listed.
 */
export interface Command {
  /** The words after `parley`, e.g. `app set`. */
  name: string;
  /** Its positional arguments, for the usage line (`APPKEY USERID`). */
  args?: string;
  /** One line, for `parley --help`. */
  summary: string;
  /** More paragraphs for its own `--help`. */
  details?: string;
  flags: Flag[];
  run(input: { values: FlagValues; positionals: string[] }): Promise<number>;
}

/** The flags of server settings, with their environment twins and defaults from the one schema (config.ts). */
export function settingFlags(...keys: SettingKey[]): Flag[] {
  return keys.flatMap((key): Flag[] => {
    const s = settings[key];
    const flag: Flag = { name: s.flag, env: envOf(s.flag), help: s.help };
    if (s.value) flag.value = s.value;
    const fallback = s.default ?? s.defaultText;
    if (fallback !== undefined) flag.default = fallback;
    if (!s.negatable) return [flag];
    return [flag, { name: `no-${s.flag}`, env: envOf(`no-${s.flag}`), help: `turns \`--${s.flag}\` off` }];
  });
}

/** `--config FILE`, which every command that reads settings takes. */
export const configFlag: Flag = { name: configFileFlag.flag, value: configFileFlag.value, env: envOf(configFileFlag.flag), help: configFileFlag.help };

export const helpFlag: Flag = { name: 'help', help: 'prints this help' };

/**
 * The command's flags and positionals, or a UsageError naming the closest known flag when one is
 * mistyped. `--help` (or `-h`) is always accepted.
 */
export function parseCommandArgs(command: Pick<Command, 'name' | 'flags'>, argv: string[]): { values: FlagValues; positionals: string[] } {
  const options = Object.fromEntries(
    [...command.flags, helpFlag].map((f) => [f.name, { type: f.value === undefined ? ('boolean' as const) : ('string' as const) }]),
  );
  const known = Object.keys(options);
  // A lenient pass first, so that an unknown flag is reported with a suggestion rather than as parseArgs words it.
  const { tokens } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option' || Object.hasOwn(options, token.name)) continue;
    throw new UsageError(`unknown option ${token.rawName} for parley ${command.name}${didYouMean(token.name, known, (name) => `--${name}`)} (parley ${command.name} --help lists them)`);
  }
  const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  return { values: values as FlagValues, positionals };
}
