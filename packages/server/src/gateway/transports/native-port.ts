import { createServer, type Server, type Socket } from 'node:net';

/**
 * A port of its own for RongCloud's native stack (`--native-port`), beside the HTTP port that
 * serves it too. Resolves once listening; the returned server's `close` stops taking connections.
 */
export function listenNativePort(port: number, host: string, onConnection: (socket: Socket) => void): Promise<Server> {
  const server = createServer({ noDelay: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
