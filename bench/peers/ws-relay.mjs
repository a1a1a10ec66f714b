// Reference peer 1: a raw `ws` relay doing the same work as Parley's gateway, minus storage.
//   connect: the first frame is {"t":"auth","token"} → the same HMAC-SHA256 token check as Parley →
//            the session is registered under its user id → {"t":"ok"} (or close 4001).
//   1:1:     {"t":"m","to","id","c"} → forwarded as {"t":"m","f","c"} to every socket of `to` →
//            {"t":"a","id","ok"} to the sender (ok=false when nobody was online to take it).
//   groups:  {"t":"j","g"} joins; {"t":"g","to","id","c"} goes to every other member's sockets.
// Nothing is stored: a message for an offline user is dropped (and acked with ok=false).
// Env: PORT, HOST, APP_KEY, APP_SECRET.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { deriveKey, verifyToken } from '../lib/token.mjs';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const appKey = process.env.APP_KEY ?? 'bench';
const key = deriveKey(process.env.APP_SECRET ?? 'secret');

/** @type {Map<string, Set<import('ws').WebSocket>>} */
const byUser = new Map();
/** @type {Map<string, Set<import('ws').WebSocket>>} */
const groups = new Map();

const http = createServer((_req, res) => {
  res.writeHead(404).end();
});
// Parley's gateway uses the same ws settings: no compression, no client tracking, a frame cap.
const wss = new WebSocketServer({ server: http, maxPayload: 256 * 1024, perMessageDeflate: false, clientTracking: false });

wss.on('connection', (socket) => {
  /** @type {string | undefined} */
  let userId;
  /** @type {Set<string> | undefined} */
  let joined;
  const timer = setTimeout(() => socket.terminate(), 10_000);
  socket.on('error', () => socket.terminate());
  socket.on('close', () => {
    clearTimeout(timer);
    if (userId === undefined) return;
    const sockets = byUser.get(userId);
    sockets?.delete(socket);
    if (sockets?.size === 0) byUser.delete(userId);
    for (const g of joined ?? []) groups.get(g)?.delete(socket);
  });
  socket.on('message', (data) => {
    let m;
    try {
      m = JSON.parse(data.toString());
    } catch {
      socket.close(1002, 'malformed');
      return;
    }
    if (userId === undefined) {
      if (m.t !== 'auth') return void socket.close(1002, 'auth first');
      const id = verifyToken(m.token, appKey, key);
      if (id === undefined) return void socket.close(4001, 'token incorrect');
      clearTimeout(timer);
      userId = id;
      let sockets = byUser.get(id);
      if (!sockets) byUser.set(id, (sockets = new Set()));
      sockets.add(socket);
      socket.send('{"t":"ok"}');
      return;
    }
    switch (m.t) {
      case 'm': {
        const out = JSON.stringify({ t: 'm', f: userId, c: m.c });
        let delivered = false;
        for (const s of byUser.get(m.to) ?? []) {
          s.send(out);
          delivered = true;
        }
        socket.send(`{"t":"a","id":${Number(m.id)},"ok":${delivered}}`);
        return;
      }
      case 'g': {
        const out = JSON.stringify({ t: 'm', f: userId, g: m.to, c: m.c });
        for (const s of groups.get(m.to) ?? []) if (s !== socket) s.send(out);
        socket.send(`{"t":"a","id":${Number(m.id)},"ok":true}`);
        return;
      }
      case 'j': {
        let members = groups.get(m.g);
        if (!members) groups.set(m.g, (members = new Set()));
        members.add(socket);
        (joined ??= new Set()).add(m.g);
        socket.send(`{"t":"a","id":${Number(m.id)},"ok":true}`);
        return;
      }
      case 'ping':
        socket.send('{"t":"pong"}');
        return;
    }
  });
});

http.listen(port, host, () => {
  const address = /** @type {import('node:net').AddressInfo} */ (http.address());
  process.stdout.write(`ws-relay listening on ${address.port}\n`);
});
const stop = () => {
  for (const sockets of byUser.values()) for (const s of sockets) s.terminate();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
