// Reference peer 2: a Socket.IO relay doing the same work as Parley's gateway, minus storage.
//   connect: auth middleware reads `handshake.auth.token` → the same HMAC-SHA256 token check as
//            Parley → the socket is registered under its user id (refused: connect_error).
//   1:1:     emit('m', to, content, ack) → emit('m', from, content) on every socket of `to`,
//            then ack(ok) (ok=false when nobody was online to take it).
//   groups:  emit('j', group, ack) joins a room; emit('g', group, content, ack) broadcasts to the
//            room except the sender (Socket.IO's own idiom, which encodes the packet once).
// Nothing is stored. Env: PORT, HOST, APP_KEY, APP_SECRET.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { deriveKey, verifyToken } from '../lib/token.mjs';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const appKey = process.env.APP_KEY ?? 'bench';
const key = deriveKey(process.env.APP_SECRET ?? 'secret');

/** @type {Map<string, Set<import('socket.io').Socket>>} */
const byUser = new Map();

const http = createServer();
// WebSocket only (the fastest Socket.IO setup; clients use transports: ['websocket']), no compression.
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false, maxHttpBufferSize: 256 * 1024 });

io.use((socket, next) => {
  const userId = verifyToken(socket.handshake.auth?.token, appKey, key);
  if (userId === undefined) return next(new Error('token incorrect'));
  socket.data.userId = userId;
  next();
});

io.on('connection', (socket) => {
  const userId = /** @type {string} */ (socket.data.userId);
  let sockets = byUser.get(userId);
  if (!sockets) byUser.set(userId, (sockets = new Set()));
  sockets.add(socket);
  socket.on('disconnect', () => {
    const s = byUser.get(userId);
    s?.delete(socket);
    if (s?.size === 0) byUser.delete(userId);
  });
  socket.on('m', (to, content, ack) => {
    let delivered = false;
    for (const s of byUser.get(to) ?? []) {
      s.emit('m', userId, content);
      delivered = true;
    }
    if (typeof ack === 'function') ack(delivered);
  });
  socket.on('g', (group, content, ack) => {
    socket.to(group).emit('m', userId, content);
    if (typeof ack === 'function') ack(true);
  });
  socket.on('j', (group, ack) => {
    socket.join(group);
    if (typeof ack === 'function') ack(true);
  });
});

http.listen(port, host, () => {
  const address = /** @type {import('node:net').AddressInfo} */ (http.address());
  process.stdout.write(`socketio-relay listening on ${address.port}\n`);
});
const stop = () => {
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
