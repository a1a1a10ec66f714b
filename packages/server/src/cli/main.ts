import { readFile } from 'node:fs/promises';
import { ConfigError, parseConfigArgs, resolveConfig } from '../config.js';
import { devAppFile } from '../core/apps/dev-app.js';
import { StoreConfigError } from '../store/open-store.js';
import { appCommand, appUsage, tokenCommand, tokenUsage } from './app-command.js';
import { UsageError, stdoutOutput } from './output.js';
import { serveCommand } from './serve-command.js';

const usage = `parley — self-hosted instant messaging, RongCloud compatible

  parley serve [--port 8080] [--host 127.0.0.1] [--data-dir ./data] [--public-url URL]
               [--allowed-hosts NAMES] [--database-url URL] [--redis-url URL]
               [--admin-token TOKEN | --admin-token-file FILE] [--metrics-token TOKEN]
               [--demo | --no-demo] [--trust-proxy ADDRESSES] [--max-connections 100000]
               [--max-connections-per-ip 2000] [--handshake-rate 200] [--user-send-rate 200] [--recall-window 24h]
               [--retention-days 7] [--chatroom-history 50] [--upload-limit 20MB] [--log-level info]
               [--native-port PORT|off] [--native-addresses HOST:PORT,...] [--tls-cert FILE --tls-key FILE]
      each flag has an environment twin: PARLEY_PORT, PARLEY_HOST, PARLEY_DATA_DIR, ...
      (booleans: PARLEY_DEMO / PARLEY_NO_DEMO = 1/0, true/false, yes/no, on/off)
  ${appUsage.split('\n').join('\n  ')}
  ${tokenUsage.split('\n').join('\n  ')}
  parley dev-credentials [--data-dir DIR]   print the development app's App Key and App Secret`;

/** The `parley` entry point; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(parseConfigArgs(rest).config);
      case 'app':
        return await appCommand(rest, stdoutOutput);
      case 'token':
        return await tokenCommand(rest, stdoutOutput);
      case 'dev-credentials':
        return await devCredentials(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        stdoutOutput.line(usage);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"\n\n${usage}`);
    }
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

async function devCredentials(argv: string[]): Promise<number> {
  const dataDirFlag = argv[0] === '--data-dir' ? argv[1] : undefined;
  const { dataDir } = resolveConfig({ 'data-dir': dataDirFlag });
  try {
    stdoutOutput.line((await readFile(devAppFile(dataDir), 'utf8')).trim());
    return 0;
  } catch {
    throw new UsageError(`no development app in ${dataDir}: run \`npm start\` once, or \`parley app create --name NAME\``);
  }
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
