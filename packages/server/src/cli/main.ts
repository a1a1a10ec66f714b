import { ConfigError } from '../config.js';
import { StoreConfigError } from '../store/open-store.js';
import { appCommands, token } from './app-command.js';
import { backup } from './backup-command.js';
import { didYouMean } from './closest-name.js';
import { parseCommandArgs, type Command } from './command.js';
import { devCredentials } from './dev-credentials-command.js';
import { doctor } from './doctor-command.js';
import { commandHelp, groupHelp, overviewHelp } from './help.js';
import { UsageError, stdoutOutput } from './output.js';
import { serve } from './serve-command.js';

/** Every command and verb, in the order `parley --help` lists them; each declares its own flags and help. */
export const commands: readonly Command[] = [serve, ...appCommands, token, devCredentials, doctor, backup];

/** The `parley` entry point; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const [first, second] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      const topic = first === 'help' ? argv.slice(1) : [];
      stdoutOutput.line(topic.length > 0 ? helpFor(topic) : overviewHelp(commands));
      return first === undefined ? 2 : 0;
    }
    const command = commands.find((c) => c.name === `${first} ${second}`) ?? commands.find((c) => c.name === first);
    if (!command) {
      if (isGroup(first)) {
        if (second === undefined || second === '--help' || second === '-h') {
          stdoutOutput.line(groupHelp(first, commands));
          return second === undefined ? 2 : 0;
        }
        throw new UsageError(`unknown verb "${first} ${second}"${didYouMean(second, verbsOf(first))}\n\n${groupHelp(first, commands)}`);
      }
      throw new UsageError(`unknown command "${first}"${didYouMean(first, topWords())} (parley --help lists them)`);
    }
    const rest = argv.slice(command.name.split(' ').length);
    const parsed = parseCommandArgs(command, rest);
    if (parsed.values.help) {
      stdoutOutput.line(commandHelp(command));
      return 0;
    }
    return await command.run(parsed);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof StoreConfigError || isArgError(error)) {
      process.stderr.write(`parley: ${(error as Error).message}\n`);
      return 2;
    }
    if (isUnreachable(error)) {
      process.stderr.write(`parley: cannot reach ${describeTarget(error)} (${error.code}); is the database or Redis running?\n`);
      return 1;
    }
    throw error;
  }
}

/** `parley help app set`, `parley help app`, `parley help serve`. */
function helpFor(topic: string[]): string {
  const name = topic.join(' ');
  const command = commands.find((c) => c.name === name);
  if (command) return commandHelp(command);
  if (topic.length === 1 && isGroup(name)) return groupHelp(name, commands);
  throw new UsageError(`no command "${name}"${didYouMean(name, commands.map((c) => c.name))} (parley --help lists them)`);
}

/** A word that starts several commands (`app`). */
function isGroup(word: string): boolean {
  return commands.some((c) => c.name.startsWith(`${word} `));
}

function verbsOf(group: string): string[] {
  return commands.filter((c) => c.name.startsWith(`${group} `)).map((c) => c.name.slice(group.length + 1));
}

function topWords(): string[] {
  return [...new Set(commands.map((c) => c.name.split(' ')[0] ?? c.name))];
}

/** node:util parseArgs reports unknown or malformed flags with these codes. */
function isArgError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

interface NetworkError {
  code: string;
  address?: string;
  port?: number;
}

/** A backing service (PostgreSQL, Redis) that did not answer: a one-line error, not a stack trace. */
function isUnreachable(error: unknown): error is NetworkError {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH';
}

function describeTarget(error: NetworkError): string {
  return error.address ? `${error.address}${error.port ? `:${error.port}` : ''}` : 'a backing service';
}
