import type { ServerConfig } from '../config.js';
import { devAppFile } from '../core/apps/dev-app.js';
import { adminTokenFile } from '../http/admin/admin-token.js';
import { createLogger } from '../logger.js';
import { startServer } from '../server.js';

/** `parley serve`: runs until SIGTERM or SIGINT, then shuts down gracefully. */
export async function serveCommand(config: ServerConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
  // Listening before startup, so a signal that arrives while the store opens still stops us cleanly.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const server = await startServer(config, logger);
  if (server.createdDevApp) {
    // Printed once, on purpose, to the terminal and not to the log stream.
    process.stdout.write(
      [
        '',
        'Created a development app (shown once; also saved to ' + devAppFile(config.dataDir) + '):',
        `  App Key:    ${server.createdDevApp.appKey}`,
        `  App Secret: ${server.createdDevApp.appSecret}`,
        '',
      ].join('\n') + '\n',
    );
  }
  if (server.createdAdminToken) {
    process.stdout.write(
      ['', `Generated an admin token for the console (shown once; also saved to ${adminTokenFile(config.dataDir)}):`, `  ${server.createdAdminToken}`, ''].join('\n') + '\n',
    );
  }
  logger.info({ url: server.url, dataDir: config.dataDir }, 'parley is listening');
  process.stdout.write(`Parley is running at ${server.url}\n`);
  process.stdout.write(`  demo chat ${server.url}/  ·  console ${server.url}/console\n`);

  logger.info({ signal: await stopSignal }, 'shutting down');
  await server.close();
  logger.info('stopped');
  return 0;
}
