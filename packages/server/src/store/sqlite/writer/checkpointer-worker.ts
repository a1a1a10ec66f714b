import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from '../sqlite-connection.js';
import type { CheckpointerData, CloseRequest } from './protocol.js';

/**
 * Copies committed pages from the WAL into the database file beside the writer thread, so commits
 * never wait on a checkpoint. PASSIVE never blocks the writer or readers; a page rewritten by many
 * commits between two runs is copied once.
 */
const port = parentPort;
if (!port) throw new Error('checkpointer-worker runs as a worker thread');
const { file, everyMs } = workerData as CheckpointerData;
const db = openSqliteConnection(file);

const timer = setInterval(() => {
  // A busy database is checkpointed at the next tick; the writer's own, rarer checkpoints back this up.
  db.pragma('wal_checkpoint(PASSIVE)');
}, everyMs);

port.on('message', (_close: CloseRequest) => {
  clearInterval(timer);
  db.close();
  port.close();
});
