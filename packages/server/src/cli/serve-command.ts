import type { ServerConfig } from '../config.js';
import { devAppFile } from '../core/apps/dev-app.js';
import { createLogger } from '../logger.js';
import { startServer } from '../server.js';

/** `parley serve`: runs until SIGTERM or SIGINT, then shuts down gracefully. */
export async function serveCommand(config: ServerConfig): Promise<number> {
  const logger = createLogger(config.logLevel);
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
  logger.info({ url: server.url, dataDir: config.dataDir }, 'parley is listening');
  process.stdout.write(`Parley is running at ${server.url}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  logger.info('stopped');
  return 0;
}
