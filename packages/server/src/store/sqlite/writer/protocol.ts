import type { InboxWrite } from '../../../core/messaging/inbox-fan-out.js';
import type { ChangeOutcome, ConversationRef, HistoryClear, KeyedConversation, MarkReadOutcome, MessageChange, NewMessage, StoredMessage } from '../../store.js';

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

/** An edit (MessageChangeRepository.edit), at `time`. */
export interface EditRequest {
  appKey: string;
  change: Extract<MessageChange, { kind: 'edit' }> & { conversationKey: string };
  time: number;
}

export interface EditResult {
  outcome: ChangeOutcome;
  versions: { userId: string; version: number }[];
}

export type WriterRequest =
  | { kind: 'append'; id: number; messages: NewMessage[] }
  | { kind: 'edit'; id: number; request: EditRequest }
  | { kind: 'purge'; id: number; instant: number; limit: number }
  | { kind: 'deletion'; id: number; request: DeletionRequest }
  | { kind: 'read'; id: number; request: ReadWriteRequest }
  | CloseRequest;

/** Per-user deletes and clears (DeletionRepository), and forgetting clears that hide nothing any more. */
export type DeletionRequest =
  | { kind: 'hide'; appKey: string; userId: string; conversation: KeyedConversation; uids: string[] }
  | { kind: 'clear'; appKey: string; userId: string; clears: HistoryClear[] }
  | { kind: 'purge-clears'; instant: number; limit: number };

/** What each DeletionRequest answers. */
export interface DeletionResults {
  hide: { missing: string[] };
  clear: undefined;
  'purge-clears': number;
}

/** The writes of read state (ReadRepository): read positions and group reads. */
export type ReadWriteRequest =
  | { kind: 'mark'; appKey: string; userId: string; conversation: ConversationRef; readTime: number; now: number; listedOnly: boolean }
  | { kind: 'touch'; appKey: string; userId: string; conversations: ConversationRef[]; now: number }
  | { kind: 'purge'; instant: number; limit: number }
  | { kind: 'group-reads'; appKey: string; readerId: string; uids: string[]; readTime: number };

/** What each ReadWriteRequest answers. */
export interface ReadWriteResults {
  mark: MarkReadOutcome;
  touch: number;
  purge: number;
  'group-reads': string[];
}

/** The answer to the request of the same id: an append's WrittenMessage[], or a purge's count. */
export type WriterReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/**
 * What writing one message did: it was a retry of `duplicateOf`; or it made `entries` (and the
 * change it carried, applied); or its change did not apply (`unchanged`) and nothing was written.
 */
export type WrittenMessage =
  | { duplicateOf: StoredMessage; unchanged?: undefined }
  | { duplicateOf?: undefined; unchanged?: undefined; entries: InboxWrite[]; change?: ChangeOutcome }
  | { duplicateOf?: undefined; unchanged: ChangeOutcome };
