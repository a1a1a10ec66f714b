import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket, type SecureContext } from 'node:tls';
import { hangupSlicing } from './hangup-slicing.js';

const TLS_HANDSHAKE = 0x16;

/**
 * The first byte of RongCloud's native stack is a CONNECT header: frame type 1 in the high nibble
 * (0x10–0x1f) with a QoS below 3. An HTTP request starts with a method name (ASCII letters) and a
 * TLS record with a handshake, 0x16, which would read as a CONNECT with the invalid QoS 3. So one
 * port can serve all three: the first byte says which.
 */
export function isNativeFirstByte(byte: number): boolean {
  return byte >> 4 === 1 && byte !== TLS_HANDSHAKE && byte !== (TLS_HANDSHAKE | 1);
}

/** Where a connection goes once its first byte is known; a kind without a route is closed. */
export interface Routes {
  native(socket: Socket, head: Buffer): void;
  /** Plain HTTP (and WebSocket upgrades). */
  http?: (socket: Socket) => void;
}

export interface PortSharingOptions {
  /** A socket that sends nothing this long after connecting is closed. */
  firstByteTimeoutMs: number;
  /**
   * Certificate and key: then TLS is taken too, and what it carries is routed the same way. Read at
   * each handshake, so a reloaded certificate serves the next connection.
   */
  tls?: { readonly context: SecureContext };
  /** A TLS handshake that failed (a bad client, a port scanner): for the log. */
  onTlsError?: (error: Error) => void;
}

/**
 * A connection handler that holds each accepted socket until its first bytes arrive, then hands it
 * to its route; the socket's end, whenever it comes, is torn down in slices (hangup-slicing.ts).
 * Under TLS, the decrypted stream is routed again: RMTP over TLS (the native stack's protocol 2) or
 * HTTPS.
 */
export function routeByFirstByte(routes: Routes, options: PortSharingOptions): (socket: Socket) => void {
  /** `secured`: the socket is already the inside of TLS, which is not wrapped again. */
  const route = (socket: Socket, secured = false): void => {
    // Until a route takes the socket, nothing else would hear its errors.
    socket.on('error', () => socket.destroy());
    const timer = setTimeout(() => socket.destroy(), options.firstByteTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.once('data', (head: Buffer) => {
      clearTimeout(timer);
      socket.pause();
      const first = head[0] ?? 0;
      if (isNativeFirstByte(first)) {
        routes.native(socket, head);
        socket.resume();
        return;
      }
      if (first === TLS_HANDSHAKE && options.tls && !secured) {
        secure(socket, head, options.tls.context);
        return;
      }
      // A port without HTTP gives everything else to the native transport, which says what is wrong.
      if (!routes.http) {
        routes.native(socket, head);
        socket.resume();
        return;
      }
      socket.unshift(head);
      routes.http(socket);
      process.nextTick(() => socket.resume());
    });
  };
  /** The TLS handshake, then the decrypted stream routed like any other. */
  const secure = (socket: Socket, head: Buffer, secureContext: SecureContext): void => {
    const tls = new TLSSocket(withHead(socket, head), { isServer: true, secureContext });
    // Over the stream wrapper the TLS socket has no address of its own: lend it the client's, which
    // per-address limits and logs read.
    Object.defineProperty(tls, 'remoteAddress', { value: socket.remoteAddress });
    const timer = setTimeout(() => tls.destroy(), options.firstByteTimeoutMs);
    timer.unref();
    tls.on('error', (error: Error) => {
      options.onTlsError?.(error);
      tls.destroy();
      socket.destroy();
    });
    tls.once('secure', () => {
      clearTimeout(timer);
      route(tls, true);
    });
  };
  return (socket) => {
    hangupSlicing.watch(socket);
    route(socket);
  };
}

/**
 * The socket as a stream that first yields `head`. TLS reads a socket through its native handle
 * when it has one, which would skip bytes already read and put back, so TLS gets this instead.
 */
function withHead(socket: Socket, head: Buffer): Duplex {
  const stream = new Duplex({
    read: () => void socket.resume(),
    write: (chunk: Buffer, _encoding, done) => void socket.write(chunk, done),
    final: (done) => {
      socket.end();
      done();
    },
    destroy: (error, done) => {
      socket.destroy();
      done(error);
    },
  });
  stream.push(head);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  socket.resume();
  return stream;
}

/**
 * Makes the HTTP server's port take RongCloud's native stack too (and TLS, when configured).
 * Call it before anything else listens for the server's connections: the listeners present now are
 * the HTTP server's own, and they are the ones an HTTP socket is handed to.
 */
export function shareHttpPort(server: Server, native: Routes['native'], options: PortSharingOptions): void {
  const httpListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  const http = (socket: Socket) => {
    for (const listener of httpListeners) listener.call(server, socket);
  };
  server.on('connection', routeByFirstByte({ native, http }, options));
}
