import type { Socket } from 'node:net';
import { nextTurn, SlicedQueue, type Scheduler } from '../sliced-queue.js';

/**
 * How many hung-up sockets Node tears down per turn of the event loop. Tearing one down (the
 * stream's end and close, `ws`'s close handling) costs 40–90 µs on the 2-core machine the benchmark
 * runs on, up to ~300 µs when `ws` ends a socket already ended (it builds an error with a stack), so
 * a slice stays under ~10 ms. The gateway's own cleanup of the connection is sliced after it
 * (CLOSE_SLICE in gateway.ts). bench/README.md "Mass disconnect" has the measurements.
 */
const HANGUPS_PER_TURN = 32;

/** What a native stream handle (TCP) shows JavaScript: Node calls `onread` for each read. */
interface StreamHandle {
  onread: (this: StreamHandle, arrayBuffer: ArrayBuffer | undefined) => unknown;
  readStop(): number;
}

/** Where Node leaves the result of the read it is reporting (bytes read, or a negative errno). */
interface ReadState {
  state: Int32Array;
  index: number;
}

interface Hangup {
  socket: Socket;
  handle: StreamHandle;
  onread: StreamHandle['onread'];
  /** UV_EOF or the read's error. */
  nread: number;
}

/**
 * When thousands of peers hang up in the same instant (a load balancer restarting, a network blip),
 * the kernel reports every end in one poll of the event loop, and Node tears each socket down right
 * where its end is read: the stream's end and close, `ws`'s close handshake bookkeeping, the
 * gateway's cleanup. That held the event loop, and every live connection's answers, for 200–400 ms
 * per 5,000 sockets. Here a socket's end (end of stream or a read error) is only noted where it is
 * read: reading stops and the very same report is handed to Node's own handler on a later turn, a
 * slice per turn, so what follows is exactly what would have followed, only spread out. Data read
 * before the end is delivered at once, as before; after an end nothing more can be read.
 *
 * This reaches under Node's public API (a socket's native handle and the shared state a read reports
 * its size in), so it checks that both look as expected and otherwise leaves sockets to Node.
 */
export class HangupSlicing {
  private readonly queue: SlicedQueue<Hangup>;

  constructor(
    schedule: Scheduler = nextTurn,
    perTurn = HANGUPS_PER_TURN,
    /** Null: this Node does not expose it, and sockets are left to Node. */
    private readonly read: ReadState | null = nodeReadState(),
  ) {
    // Node would have thrown it from the socket's I/O callback: an error in an 'end' or 'close'
    // listener stays as loud as it was.
    this.queue = new SlicedQueue<Hangup>(
      (hangup) => this.replay(hangup),
      (error) =>
        process.nextTick(() => {
          throw error;
        }),
      perTurn,
      schedule,
    );
  }

  /** Hangups read and not yet handed to Node. */
  get pending(): number {
    return this.queue.pending;
  }

  /** Takes over the report of the socket's end; false when this Node does not allow it. */
  watch(socket: Socket): boolean {
    const read = this.read;
    const handle = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
    if (!read || !handle || typeof handle.onread !== 'function' || typeof handle.readStop !== 'function') return false;
    const onread = handle.onread;
    const queue = this.queue;
    const watched = handle as StreamHandle;
    watched.onread = function (this: StreamHandle, arrayBuffer) {
      const nread = read.state[read.index] ?? 0;
      if (nread >= 0) return onread.call(this, arrayBuffer);
      this.onread = onread;
      this.readStop();
      queue.push({ socket, handle: this, onread, nread });
      return undefined;
    };
    return true;
  }

  /** Hands a noted end to Node, as if it had just been read. */
  private replay(hangup: Hangup): void {
    // Destroyed meanwhile (the server closed it, or a write failed): Node has nothing left to end.
    if (hangup.socket.destroyed || !this.read) return;
    this.read.state[this.read.index] = hangup.nread;
    hangup.onread.call(hangup.handle, undefined);
  }
}

/** Node's read state, if this Node exposes it the way Node 20 does. */
function nodeReadState(): ReadState | null {
  try {
    const binding = (process as unknown as { binding(name: string): Record<string, unknown> }).binding('stream_wrap');
    const state = binding.streamBaseState;
    const index = binding.kReadBytesOrError;
    return state instanceof Int32Array && typeof index === 'number' ? { state, index } : null;
  } catch {
    return null;
  }
}

/** The server's one instance: a turn is the process's, whichever port a socket came in on. */
export const hangupSlicing = new HangupSlicing();
