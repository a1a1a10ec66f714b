import type { Server, Socket } from 'node:net';
import type { TrustedProxies } from './client-address.js';

export interface ConnectionLimits {
  /** Open connections this server holds at most. */
  total: number;
  /** Open connections one peer address holds at most; trusted proxies are exempt (their clients are many). */
  perIp: number;
  trusted: TrustedProxies;
}

/**
 * Caps open TCP connections as they are accepted, before a byte is read: a client that opens
 * sockets and trickles (or never sends) its request holds a file descriptor each, and the header
 * timeout alone would let it hold thousands for seconds. A refused socket is destroyed at once.
 * One limiter counts every server it is attached to: the caps are the node's, not each port's.
 */
export function connectionLimiter(limits: ConnectionLimits, onRefused: (reason: 'total' | 'per-ip') => void): { attach(server: Server): void } {
  const perAddress = new Map<string, number>();
  let open = 0;
  const onConnection = (socket: Socket): void => {
    const address = socket.remoteAddress ?? 'unknown';
    const counted = !limits.trusted(address);
    const mine = counted ? (perAddress.get(address) ?? 0) : 0;
    if (open >= limits.total || mine >= limits.perIp) {
      onRefused(open >= limits.total ? 'total' : 'per-ip');
      socket.destroy();
      return;
    }
    open++;
    if (counted) perAddress.set(address, mine + 1);
    socket.once('close', () => {
      open--;
      if (!counted) return;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  };
  return { attach: (server) => void server.on('connection', onConnection) };
}
