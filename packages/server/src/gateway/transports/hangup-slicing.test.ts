import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { manualTurns } from '../../../test/support/manual-turns.js';
import { HangupSlicing } from './hangup-slicing.js';

interface Heard {
  socket: Socket;
  data: string;
  ended: boolean;
  closed: number;
  error?: NodeJS.ErrnoException;
}

const opened: (Socket | Server)[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) {
    if ('destroy' in s) s.destroy();
    else s.close();
  }
});

/** `count` loopback connections whose server ends `hangups` watches; what each server end hears. */
async function connections(hangups: HangupSlicing, count: number): Promise<{ clients: Socket[]; heard: Heard[]; watched: boolean[] }> {
  const heard: Heard[] = [];
  const watched: boolean[] = [];
  const listener = createServer((socket) => {
    watched.push(hangups.watch(socket));
    const h: Heard = { socket, data: '', ended: false, closed: 0 };
    heard.push(h);
    socket.on('data', (chunk: Buffer) => (h.data += chunk.toString()));
    socket.on('end', () => (h.ended = true));
    socket.on('close', () => h.closed++);
    socket.on('error', (error: NodeJS.ErrnoException) => (h.error = error));
  });
  opened.push(listener);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as { port: number };
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const client = connect(port, '127.0.0.1');
      opened.push(client);
      client.on('error', () => undefined);
      await once(client, 'connect');
      return client;
    }),
  );
  await until(() => heard.length === count);
  return { clients, heard, watched };
}

async function until(done: () => boolean, what = 'the condition'): Promise<void> {
  for (const deadline = Date.now() + 5000; !done(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/** Lets Node run what a replayed end set off: its next ticks and the handles' close callbacks. */
async function settle(): Promise<void> {
  await nextTurn();
  await nextTurn();
}

describe('hangup slicing', () => {
  it('notes hangups where they are read and hands them to Node a slice per turn, data first', async () => {
    const turns = manualTurns();
    const hangups = new HangupSlicing(turns.schedule, 8);
    const { clients, heard, watched } = await connections(hangups, 40);
    expect(watched.every(Boolean)).toBe(true);
    clients.forEach((client, i) => client.end(`bye ${i}`));
    await until(() => hangups.pending === 40, 'all 40 hangups to be read');
    await settle();
    // Everything sent before the end has arrived; the end itself waits for its turn.
    expect(heard.map((h) => h.data).sort()).toEqual(clients.map((_, i) => `bye ${i}`).sort());
    expect(heard.filter((h) => h.ended || h.closed > 0)).toEqual([]);

    const endedPerTurn: number[] = [];
    while (heard.some((h) => !h.ended)) {
      if (endedPerTurn.length > 40) throw new Error('hangups never drained');
      const before = heard.filter((h) => h.ended).length;
      turns.turn();
      await settle();
      endedPerTurn.push(heard.filter((h) => h.ended).length - before);
    }
    expect(endedPerTurn).toEqual([8, 8, 8, 8, 8]);
    await until(() => heard.every((h) => h.closed === 1), 'every server socket to close');
    expect(hangups.pending).toBe(0);
  });

  it('hands a reset on as the read error Node would have reported', async () => {
    const turns = manualTurns();
    const hangups = new HangupSlicing(turns.schedule, 8);
    const { clients, heard } = await connections(hangups, 1);
    clients[0]!.resetAndDestroy();
    await until(() => hangups.pending === 1, 'the reset to be read');
    await settle();
    expect(heard[0]!.error).toBeUndefined();
    expect(heard[0]!.closed).toBe(0);
    turns.turn();
    await until(() => heard[0]!.closed === 1, 'the socket to close');
    expect(heard[0]!.error?.code).toBe('ECONNRESET');
  });

  it('skips an end whose socket the server destroyed meanwhile', async () => {
    const turns = manualTurns();
    const hangups = new HangupSlicing(turns.schedule, 8);
    const { clients, heard } = await connections(hangups, 2);
    clients.forEach((client) => client.end());
    await until(() => hangups.pending === 2, 'both hangups to be read');
    heard[0]!.socket.destroy();
    await settle();
    turns.turn();
    await settle();
    await until(() => heard.every((h) => h.closed === 1), 'both sockets to close');
    expect(heard.map((h) => h.ended)).toEqual([false, true]);
    expect(heard.map((h) => h.closed)).toEqual([1, 1]);
  });

  it('leaves sockets to Node where it cannot read what a read reported', async () => {
    const turns = manualTurns();
    const hangups = new HangupSlicing(turns.schedule, 8, null);
    const { clients, heard, watched } = await connections(hangups, 1);
    expect(watched).toEqual([false]);
    clients[0]!.end('last');
    await until(() => heard[0]!.closed === 1, 'the socket to close without a turn');
    expect(heard[0]).toMatchObject({ data: 'last', ended: true });
    expect(turns.waiting).toBe(0);
  });
});
