import type Database from 'better-sqlite3';
import type { MessageChangeRepository } from '../store.js';
import { visibleTo } from '../hidden-messages.js';
import { messageFromRow, type MessageRow } from '../rows.js';
import type { InboxTail } from './inbox-tail.js';
import type { MessageWriterThread } from './writer/writer-thread.js';

/** Edits and change lookups: reads here on the main connection, the edit itself on the writer thread (writer/change-writer.ts). */
export function sqliteMessageChanges(db: Database.Database, writer: MessageWriterThread, tail: InboxTail): MessageChangeRepository {
  const byUid = db.prepare('SELECT * FROM messages WHERE app_key = ? AND uid = ?');
  const edits = db.prepare(
    `SELECT e.version AS edit_version, m.* FROM message_edits e JOIN messages m ON m.seq = e.message_seq
     WHERE e.app_key = ? AND e.user_id = ? AND e.version > ? AND m.recall IS NULL AND ${visibleTo('m', 'e.app_key', 'e.user_id')} ORDER BY e.version LIMIT ?`,
  );
  return {
    find: async (appKey, uid) => {
      const row = byUid.get(appKey, uid) as MessageRow | undefined;
      return row ? messageFromRow(row) : undefined;
    },
    edit: async (appKey, change, time) => {
      const result = await writer.edit({ appKey, change, time });
      if (result.outcome.kind === 'applied') tail.replace(appKey, result.outcome.holders, result.outcome.message);
      return result;
    },
    editsAfter: async (appKey, userId, version, limit) =>
      (edits.all(appKey, userId, version, limit) as (MessageRow & { edit_version: number })[]).map((row) => ({ version: row.edit_version, message: messageFromRow(row) })),
  };
}
