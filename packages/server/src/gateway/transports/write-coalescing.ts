import type { Writable } from 'node:stream';

/**
 * Every frame written to a socket is a system call of its own unless the socket is corked, and on a
 * busy gateway those calls cost more than everything else a message does on the main thread. A
 * socket is corked at its first frame of an event-loop turn and uncorked once the turn's I/O
 * callbacks are done (setImmediate runs right after them), so what one turn sends a connection —
 * the acks of a commit, a notice and an answer — leaves in one write, and no frame waits longer
 * than the turn it was sent in.
 */
export class WriteCoalescing {
  private corked: Writable[] = [];

  /** Holds the socket's writes until the end of this turn; call it before each write. */
  hold(socket: Writable): void {
    if (socket.writableCorked > 0 || socket.destroyed) return;
    socket.cork();
    if (this.corked.push(socket) === 1) setImmediate(this.release);
  }

  private readonly release = (): void => {
    const sockets = this.corked;
    this.corked = [];
    // A socket ended or destroyed meanwhile has already let go of (or dropped) what it held.
    for (const socket of sockets) if (socket.writableCorked > 0) socket.uncork();
  };
}

/** The gateway's one instance: a turn is the process's, whichever transport a socket belongs to. */
export const writeCoalescing = new WriteCoalescing();
