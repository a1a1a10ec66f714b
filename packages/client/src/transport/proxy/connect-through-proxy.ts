import net from 'node:net';
import { HandshakeSession, type HandshakeProgress } from './handshake-session.js';
import { httpConnectHandshake } from './http-connect-handshake.js';
import { proxyCredentials, validateProxyOptions, type ProxyOptions, type ProxyTarget } from './proxy-options.js';
import { ProxyUnavailableError } from './proxy-unavailable-error.js';
import { socks5Handshake } from './socks5-handshake.js';

export { ProxyUnavailableError, type ProxyFailureReason } from './proxy-unavailable-error.js';

export interface ConnectThroughProxyOptions {
  /** Bounds the TCP connection to the proxy and the whole handshake together. */
  timeoutMs?: number;
  /** Aborting gives up the attempt: the socket is destroyed and the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export const DEFAULT_PROXY_TIMEOUT_MS = 10_000;

/**
 * Opens a TCP connection to the proxy and asks it for a tunnel to `target`. Resolves with that socket,
 * positioned at the first byte from the target (ready for the WebSocket handshake). None of our
 * listeners remain on it: the caller attaches its own, an 'error' listener included, and data flows
 * once it listens for 'data'.
 *
 * Rejects with {@link ProxyUnavailableError} when the proxy cannot be reached, refuses, misbehaves or
 * is too slow; with a TypeError or RangeError for options or a target the protocol cannot carry.
 */
export async function connectThroughProxy(
  proxy: ProxyOptions,
  target: ProxyTarget,
  options: ConnectThroughProxyOptions = {},
): Promise<net.Socket> {
  const problem = validateProxyOptions(proxy);
  if (problem) throw new TypeError(problem);
  const { timeoutMs = DEFAULT_PROXY_TIMEOUT_MS, signal } = options;
  signal?.throwIfAborted();

  const credentials = proxyCredentials(proxy);
  const session = new HandshakeSession(
    proxy.type === 'socks5' ? socks5Handshake(target, credentials) : httpConnectHandshake(target, credentials),
  );
  const firstRequest = session.start();
  const proxyName = `${proxy.type} proxy ${net.isIPv6(proxy.host) ? `[${proxy.host}]` : proxy.host}:${proxy.port}`;

  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    let connected = false;
    let settled = false;

    const stopListening = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('end', onHangUp);
      socket.off('close', onHangUp);
    };
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      stopListening();
      socket.destroy();
      reject(error);
    };
    const succeed = (tunnelBytes: Buffer): void => {
      settled = true;
      stopListening();
      if (tunnelBytes.length > 0) socket.unshift(tunnelBytes);
      resolve(socket);
    };

    const onConnect = (): void => {
      connected = true;
      socket.write(firstRequest);
    };
    // Replies are taken with read() in paused mode and handled synchronously, so when the handshake
    // ends the bytes after it can still be unshifted: no 'data' or 'end' has been emitted in between.
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (!settled && (chunk = socket.read() as Buffer | null) !== null) {
        let progress: HandshakeProgress;
        try {
          progress = session.receive(chunk);
        } catch (error) {
          fail(error);
          return;
        }
        for (const request of progress.send) socket.write(request);
        if (progress.established) {
          succeed(progress.tunnelBytes);
          return;
        }
      }
    };
    const onError = (error: Error): void => {
      fail(
        connected
          ? new ProxyUnavailableError('protocol-error', `${proxyName} connection failed during the handshake: ${error.message}`, { cause: error })
          : new ProxyUnavailableError('unreachable', `cannot reach ${proxyName}: ${error.message}`, { cause: error }),
      );
    };
    const onHangUp = (): void => {
      fail(new ProxyUnavailableError('protocol-error', `${proxyName} closed the connection before the tunnel was open`));
    };
    const onAbort = (): void => fail(signal?.reason);

    const timer = setTimeout(() => {
      const stage = connected ? 'did not complete the handshake' : 'did not accept the connection';
      fail(new ProxyUnavailableError('timeout', `${proxyName} ${stage} within ${timeoutMs} ms`));
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', onConnect);
    socket.on('readable', onReadable);
    socket.on('error', onError);
    socket.on('end', onHangUp);
    socket.on('close', onHangUp);
  });
}
