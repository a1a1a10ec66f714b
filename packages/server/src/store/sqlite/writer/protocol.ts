import type { InboxWrite } from '../../../core/messaging/inbox-fan-out.js';
import type { NewMessage, StoredMessage } from '../../store.js';

/**
 * Everything that crosses between the main thread (writer-thread.ts) and the threads it starts
 * (writer-worker.ts, checkpointer-worker.ts). It travels as structured clones: plain data only.
 */

/** The writer thread's workerData. */
export interface WriterData {
  file: string;
}

/** The checkpointer thread's workerData. */
export interface CheckpointerData {
  file: string;
  everyMs: number;
}

/** Asks a thread to close its connection and end; it is all the checkpointer is ever sent. */
export interface CloseRequest {
  kind: 'close';
}

export type WriterRequest =
  | { kind: 'append'; id: number; messages: NewMessage[] }
  | { kind: 'purge'; id: number; instant: number; limit: number }
  | CloseRequest;

/** The answer to the request of the same id: an append's WrittenMessage[], or a purge's count. */
export type WriterReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** What writing one message did: either it was a retry of `duplicateOf`, or it made `entries`. */
export type WrittenMessage = { duplicateOf: StoredMessage } | { duplicateOf?: undefined; entries: InboxWrite[] };
