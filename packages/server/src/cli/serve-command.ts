import { settings, type ServerConfig, type SettingKey } from '../config.js';
import { devAppFile } from '../core/apps/dev-app.js';
import { adminTokenFile } from '../http/admin/admin-token.js';
import type { Logger } from 'pino';
import { createLogger } from '../logger.js';
import { startServer, type RunningServer } from '../server.js';
import { configFlag, settingFlags, type Command } from './command.js';
import { loadConfig } from './config-file.js';
import { UsageError } from './output.js';

/** `parley serve`: runs until SIGTERM or SIGINT, then shuts down gracefully. */
export async function serveCommand(config: ServerConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
  // Listening before startup, so a signal that arrives while the store opens still stops us cleanly.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const server = await startServer(config, logger);
  process.stdout.write(firstStartNotice(server, config.dataDir, process.stdout.isTTY === true));
  for (const warning of server.warnings) logger.warn(warning);
  logger.info({ url: server.url, dataDir: config.dataDir, demo: config.demo }, 'parley is listening');
  process.stdout.write(`Parley is running at ${server.url}\n`);
  process.stdout.write(`  ${config.demo ? `demo chat ${server.url}/  ·  ` : ''}console ${server.url}/console\n`);
  // A renewed certificate is taken on SIGHUP (systemd's ExecReload, a renewal hook); without TLS
  // the signal keeps its usual meaning.
  const reload = () => void reloadTls(server, logger);
  if (config.tlsCert) process.on('SIGHUP', reload);

  logger.info({ signal: await stopSignal }, 'shutting down');
  process.off('SIGHUP', reload);
  await server.close();
  logger.info('stopped');
  return 0;
}

/** Reloads the TLS pair; one that cannot serve is logged and the old one kept. */
async function reloadTls(server: RunningServer, logger: Logger): Promise<void> {
  try {
    await server.reloadTls();
    logger.info('SIGHUP: TLS certificate and key reloaded');
  } catch (err) {
    logger.error({ err }, 'SIGHUP: TLS certificate and key not reloaded, still serving the previous ones');
  }
}

/**
 * What the first start created. Secrets go to a terminal only: when stdout is a pipe or a file it
 * usually feeds a log store (journald, a container runtime), which keeps what it is given, so then
 * only the files that hold them are named.
 */
export function firstStartNotice(server: Pick<RunningServer, 'createdDevApp' | 'createdAdminToken'>, dataDir: string, terminal: boolean): string {
  const lines: string[] = [];
  const app = server.createdDevApp;
  if (app) {
    lines.push(
      '',
      terminal
        ? `Created a development app (shown once; also saved to ${devAppFile(dataDir)}):`
        : `Created a development app; its App Key and App Secret are in ${devAppFile(dataDir)} (npx parley dev-credentials prints them)`,
    );
    if (terminal) lines.push(`  App Key:    ${app.appKey}`, `  App Secret: ${app.appSecret}`);
  }
  if (server.createdAdminToken) {
    lines.push(
      '',
      terminal
        ? `Generated an admin token for the console (shown once; also saved to ${adminTokenFile(dataDir)}):`
        : `Generated an admin token for the console; it is in ${adminTokenFile(dataDir)}`,
    );
    if (terminal) lines.push(`  ${server.createdAdminToken}`);
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n\n';
}

export const serve: Command = {
  name: 'serve',
  summary: 'runs the server: Server API, navigation, the WebSocket gateway and the native stack on one port (SIGTERM or SIGINT stops it gracefully)',
  flags: [configFlag, ...settingFlags(...(Object.keys(settings) as SettingKey[]))],
  run: ({ values, positionals }) => {
    if (positionals.length > 0) throw new UsageError(`parley serve takes no arguments, only options: ${positionals.join(' ')}`);
    return serveCommand(loadConfig(values));
  },
};
