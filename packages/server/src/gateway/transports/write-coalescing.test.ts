import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WriteCoalescing } from './write-coalescing.js';

const opened: Socket[] = [];
afterEach(() => opened.splice(0).forEach((s) => s.destroy()));

/** A connected pair of loopback sockets: what the server writes, and what its peer receives. */
async function socketPair(): Promise<{ server: Socket; received: () => string; ended: Promise<unknown> }> {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const address = listener.address() as { port: number };
  const client = connect(address.port, '127.0.0.1');
  const [server] = (await once(listener, 'connection')) as [Socket];
  listener.close();
  opened.push(client, server);
  let text = '';
  client.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { server, received: () => text, ended: once(client, 'end') };
}

describe('write coalescing', () => {
  it('holds a turn\'s writes and lets them go together once the turn is over', async () => {
    const coalescing = new WriteCoalescing();
    const { server, received } = await socketPair();
    for (const frame of ['a', 'b', 'c']) {
      coalescing.hold(server);
      server.write(frame);
    }
    expect(server.writableCorked).toBe(1);
    expect(server.writableLength).toBe(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.writableCorked).toBe(0);
    await expect.poll(received).toBe('abc');
  });

  it('delivers what a socket ended within the turn held, and leaves a destroyed one alone', async () => {
    const coalescing = new WriteCoalescing();
    const ending = await socketPair();
    coalescing.hold(ending.server);
    ending.server.write('last words');
    ending.server.end();
    const destroyed = await socketPair();
    destroyed.server.destroy();
    coalescing.hold(destroyed.server);
    expect(destroyed.server.writableCorked).toBe(0);
    await ending.ended;
    expect(ending.received()).toBe('last words');
    await new Promise((resolve) => setImmediate(resolve));
  });
});
