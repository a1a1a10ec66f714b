import { Worker } from 'node:worker_threads';
import type { NewMessage } from '../../store.js';
import type {
  CheckpointerData,
  DeletionRequest,
  DeletionResults,
  EditRequest,
  EditResult,
  ReadWriteRequest,
  ReadWriteResults,
  WriterData,
  WriterReply,
  WriterRequest,
  WrittenMessage,
} from './protocol.js';

/** How often the checkpointer thread copies the WAL into the database file. */
const CHECKPOINT_EVERY_MS = 500;

/**
 * The main thread's handle on the writer thread (writer-worker.ts) and its checkpointer
 * (checkpointer-worker.ts). Both start at the first write, so commands that only read or change
 * apps never start one; if the writer dies, the writes waiting on it fail and the next write starts
 * a new one.
 */
export class MessageWriterThread {
  private worker: Worker | undefined;
  private checkpointer: Worker | undefined;
  private readonly waiting = new Map<number, { resolve: (result: never) => void; reject: (error: Error) => void }>();
  private nextId = 1;

  constructor(private readonly file: string) {}

  append(messages: NewMessage[]): Promise<WrittenMessage[]> {
    return this.request((id) => ({ kind: 'append', id, messages }));
  }

  edit(request: EditRequest): Promise<EditResult> {
    return this.request((id) => ({ kind: 'edit', id, request }));
  }

  deletion<K extends DeletionRequest['kind']>(request: Extract<DeletionRequest, { kind: K }>): Promise<DeletionResults[K]> {
    return this.request((id) => ({ kind: 'deletion', id, request }));
  }

  read<K extends ReadWriteRequest['kind']>(request: Extract<ReadWriteRequest, { kind: K }>): Promise<ReadWriteResults[K]> {
    return this.request((id) => ({ kind: 'read', id, request }));
  }

  purgeBefore(instant: number, limit: number): Promise<number> {
    return this.request((id) => ({ kind: 'purge', id, instant, limit }));
  }

  async close(): Promise<void> {
    const threads = [this.checkpointer, this.worker].filter((t) => t !== undefined);
    this.worker = this.checkpointer = undefined;
    for (const thread of threads) {
      // Only the exit counts: a thread failing as it closes still ends (its error has a listener).
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      thread.postMessage({ kind: 'close' } satisfies WriterRequest);
      await exited;
    }
  }

  private request<T>(make: (id: number) => WriterRequest): Promise<T> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (result: never) => void, reject });
      worker.postMessage(make(id));
    });
  }

  private start(): Worker {
    this.checkpointer ??= this.startCheckpointer();
    const worker = new Worker(workerFile('writer-worker'), { workerData: { file: this.file } satisfies WriterData });
    worker.on('message', (reply: WriterReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result as never);
      else waiter.reject(new Error(reply.error));
    });
    worker.on('error', (error: unknown) => this.lost(worker, new Error(`the message writer thread failed: ${describe(error)}`)));
    worker.on('exit', (code) => this.lost(worker, new Error(`the message writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private startCheckpointer(): Worker {
    const checkpointer = new Worker(workerFile('checkpointer-worker'), {
      workerData: { file: this.file, everyMs: CHECKPOINT_EVERY_MS } satisfies CheckpointerData,
    });
    // Losing it costs no data: the writer checkpoints by itself past a larger WAL, and the next
    // writer start brings a new checkpointer.
    checkpointer.on('error', () => undefined);
    checkpointer.on('exit', () => {
      if (this.checkpointer === checkpointer) this.checkpointer = undefined;
    });
    return checkpointer;
  }

  private lost(worker: Worker, error: Error): void {
    // A thread reports its end twice ('error', then 'exit'); by the second, a new thread may be
    // serving writes that are not this one's to fail.
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/** A thread's uncaught error arrives cloned: a SqliteError, for one, as a bare `{ code }` object. */
function describe(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : String(error);
}

/**
 * A thread runs the same kind of file as this module: the build's JavaScript, or under vitest the
 * TypeScript source, so that tests never need a build nor run a stale one. Node 20 cannot run
 * TypeScript by itself: the test config hands worker threads module hooks that transpile it
 * (packages/server/test/support/ts-worker-hooks.mjs).
 */
function workerFile(name: string): URL {
  return new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
}
