import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from '../sqlite-connection.js';
import { deletionWriter } from './deletion-writer.js';
import { messageWriter } from './message-writer.js';
import type { WriterData, WriterReply, WriterRequest } from './protocol.js';
import { readWriter } from './read-writer.js';

/**
 * The writer thread: owns the connection every message write goes through, so the main thread
 * never waits on a commit, an fsync or a WAL checkpoint.
 */
const port = parentPort;
if (!port) throw new Error('writer-worker runs as a worker thread');
const db = openSqliteConnection((workerData as WriterData).file);
// The checkpointer thread (checkpointer-worker.ts) does the copying, but its checkpoints race
// this connection's commits, so they rarely finish with nothing left, which is when the WAL can
// start over. This connection's own checkpoint, past 4,000 pages (16 MB), runs between two commits:
// it finishes what little the checkpointer left, and the WAL starts over instead of growing.
db.pragma('wal_autocheckpoint = 4000');
const writer = messageWriter(db);
const deletions = deletionWriter(db);
const reads = readWriter(db);

port.on('message', (request: WriterRequest) => {
  if (request.kind === 'close') {
    db.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    const result =
      request.kind === 'deletion'
        ? deletions(request.request)
        : request.kind === 'read'
          ? reads(request.request)
          : request.kind === 'append' ? writer.append(request.messages) : request.kind === 'edit' ? writer.edit(request.request) : writer.purgeBefore(request.instant, request.limit);
    reply = { id: request.id, ok: true, result };
  } catch (error) {
    reply = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
