import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between clients and a server, which injects network faults:
 *
 * - `blackHole(true)`: bytes in both directions are swallowed (sockets stay open, nothing is
 *   answered), for existing and new connections alike, until `blackHole(false)`;
 * - `setDelay(ms)`: every chunk is held back `ms` before it is forwarded (order kept);
 * - `resetAll()`: every open connection is reset (RST) on both sides;
 * - `cutMidFrame()`: the next server-to-client chunk of every connection is forwarded only in part,
 *   then both sides are closed, so the client sees a truncated frame;
 * - `refuse(true)`: new connections are reset at once.
 *
 * `connections` counts accepted client connections (per `countConnections` path filter when given);
 * `firstBytes` holds the first byte each client sent (0x16 opens TLS), in the order they came.
 */
export class FaultProxy {
  connections = 0;
  faults = 0;
  readonly firstBytes: number[] = [];
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; cutNext: boolean }>();
  private holes = false;
  private delayMs = 0;
  private refusing = false;
  private closed = false;

  private constructor(
    private readonly server: Server,
    public targetPort: number,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens on `port` (0 = any free one) and forwards to 127.0.0.1:`targetPort` (may be set later). */
  static async start(targetPort: number, port = 0): Promise<FaultProxy> {
    const holder: { proxy?: FaultProxy } = {};
    const server = createServer({ pauseOnConnect: false }, (client) => holder.proxy?.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const proxy = new FaultProxy(server, targetPort, (server.address() as { port: number }).port);
    holder.proxy = proxy;
    return proxy;
  }

  blackHole(on: boolean): void {
    if (on && !this.holes) this.faults++;
    this.holes = on;
  }

  setDelay(ms: number): void {
    if (ms > 0 && this.delayMs === 0) this.faults++;
    this.delayMs = ms;
  }

  refuse(on: boolean): void {
    if (on && !this.refusing) this.faults++;
    this.refusing = on;
  }

  /** Resets every open connection; returns how many there were. */
  resetAll(): number {
    const n = this.pairs.size;
    if (n > 0) this.faults++;
    for (const pair of [...this.pairs]) this.drop(pair, true);
    return n;
  }

  /** Arms a cut in the middle of the next server-to-client chunk of every open connection. */
  cutMidFrame(): number {
    if (this.pairs.size > 0) this.faults++;
    for (const pair of this.pairs) pair.cutNext = true;
    return this.pairs.size;
  }

  get open(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pair of [...this.pairs]) this.drop(pair, true);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.connections++;
    if (this.refusing || this.closed) {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream, cutNext: false };
    this.pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const forward = (from: Socket, to: Socket, toClient: boolean) => {
      let lastAt = 0;
      from.on('data', (chunk: Buffer) => {
        if (this.holes) return;
        if (toClient && pair.cutNext) {
          pair.cutNext = false;
          const part = chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2)));
          if (chunk.length > 1) to.write(part, () => this.drop(pair, false));
          else this.drop(pair, false);
          return;
        }
        // Each chunk goes out `delay` ms after it came in, never before an earlier one.
        const at = Math.max(Date.now() + this.delayMs, lastAt);
        lastAt = at;
        const write = () => {
          if (!to.destroyed) to.write(chunk);
        };
        if (at <= Date.now()) write();
        else setTimeout(write, at - Date.now());
      });
    };
    client.once('data', (chunk: Buffer) => this.firstBytes.push(chunk[0] ?? -1));
    forward(client, upstream, false);
    forward(upstream, client, true);
    const end = () => this.drop(pair, false);
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  }

  private drop(pair: { client: Socket; upstream: Socket }, reset: boolean): void {
    if (!this.pairs.delete(pair as never)) return;
    for (const s of [pair.client, pair.upstream]) {
      s.on('error', () => undefined);
      if (reset && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
  }
}
