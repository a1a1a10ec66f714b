import type Database from 'better-sqlite3';
import { changeRecipients } from '../../../core/messaging/change-rules.js';
import { fanOut, type InboxWrite } from '../../../core/messaging/inbox-fan-out.js';
import type { ChangeOutcome, NewMessage, StoredMessage } from '../../store.js';
import { directedToColumn, mentionedColumn, messageFromRow, type MessageRow } from '../../rows.js';
import { messageChangeWriter } from './change-writer.js';
import type { EditRequest, EditResult, WrittenMessage } from './protocol.js';

export interface MessageWriter {
  append(messages: NewMessage[]): WrittenMessage[];
  edit(request: EditRequest): EditResult;
  purgeBefore(instant: number, limit: number): number;
}

/** Past this many cached inbox heads the cache starts over; a miss costs one indexed read. */
const MAX_CACHED_HEADS = 200_000;

/**
 * Every write to messages, inboxes and conversations of the SQLite backend, on one connection that
 * nothing else writes these tables with (it runs in the writer thread). Being the only writer lets
 * it keep inbox heads in memory, and write each head and conversation row once per transaction
 * however many messages of the batch touched it: a commit's cost is mostly the distinct pages it
 * rewrites. What the rows say is inbox-fan-out.ts's to decide.
 */
export function messageWriter(db: Database.Database): MessageWriter {
  const byClientId = db.prepare('SELECT * FROM messages WHERE app_key = ? AND sender_id = ? AND client_unique_id = ?');
  const insertMessage = db.prepare(
    `INSERT INTO messages (app_key, uid, conversation_type, target_id, conversation_key, sender_id, object_name, content,
       sent_time, flags, client_unique_id, expansion, changes_seq, directed_to, mentioned)
     VALUES (@appKey, @uid, @conversationType, @targetId, @conversationKey, @senderId, @objectName, @content,
       @sentTime, @flags, @clientUniqueId, @expansion, @changesSeq, @directedTo, @mentioned)`,
  );
  // An inbox's last cursor is its newest entry's, or the floor a purge left when it took entries
  // away (both are index seeks): the head is not written with every message, which saves a commit
  // two row updates per message, each on a page of its own.
  const readHead = db
    .prepare(
      `SELECT max(coalesce((SELECT max(cursor) FROM inbox WHERE app_key = @appKey AND user_id = @userId), 0),
                  coalesce((SELECT last_cursor FROM inbox_heads WHERE app_key = @appKey AND user_id = @userId), 0))`,
    )
    .pluck();
  // Before a purge removes a message's entries: no inbox ever gives out a cursor again that a device
  // may already hold, even once every entry it had is gone.
  const keepFloors = db.prepare(
    `INSERT INTO inbox_heads (app_key, user_id, last_cursor) SELECT app_key, user_id, cursor FROM inbox WHERE message_seq = ?
     ON CONFLICT (app_key, user_id) DO UPDATE SET last_cursor = max(last_cursor, excluded.last_cursor)`,
  );
  const insertInbox = db.prepare('INSERT INTO inbox (app_key, user_id, cursor, direction, message_seq) VALUES (?, ?, ?, ?, ?)');
  const touchConversation = db.prepare(
    `INSERT INTO conversations (app_key, user_id, conversation_type, target_id, version_time, last_message_seq)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (app_key, user_id, conversation_type, target_id)
     DO UPDATE SET version_time = excluded.version_time, last_message_seq = excluded.last_message_seq`,
  );
  const expired = db.prepare('SELECT seq FROM messages WHERE sent_time < ? ORDER BY sent_time LIMIT ?').pluck();
  const deleteConversationsOf = db.prepare('DELETE FROM conversations WHERE last_message_seq = ?');
  const deleteMessage = db.prepare('DELETE FROM messages WHERE seq = ?');

  /** Committed last cursors, by inboxKey: the writer is the only one to give cursors out. */
  const heads = new Map<string, number>();
  const changes = messageChangeWriter(db);

  const appendAll = db.transaction((messages: NewMessage[]) => {
    const inserted: NewMessage[] = [];
    const seqs: number[] = [];
    /** The change each inserted message made. */
    const applied: (ChangeOutcome | undefined)[] = [];
    // One at a time, so that a retry later in the batch finds its first copy, and a change sees the
    // changes before it.
    const duplicates = messages.map((m): StoredMessage | { unchanged: ChangeOutcome } | undefined => {
      if (m.clientUniqueId !== undefined) {
        const existing = byClientId.get(m.appKey, m.senderId, m.clientUniqueId) as MessageRow | undefined;
        if (existing) return messageFromRow(existing);
      }
      const change = m.change ? changes.apply(m.appKey, m.senderId, m.change, m.sentTime) : undefined;
      if (change && change.outcome.kind !== 'applied') return { unchanged: change.outcome };
      seqs.push(
        Number(
          insertMessage.run({ ...m, clientUniqueId: m.clientUniqueId ?? null, expansion: m.expansion ?? null, changesSeq: change?.changedSeq ?? null, directedTo: directedToColumn(m.toUserIds), mentioned: mentionedColumn(m) }).lastInsertRowid,
        ),
      );
      inserted.push(change?.outcome.kind === 'applied' ? { ...m, recipients: changeRecipients(change.outcome.holders, m.senderId) } : m);
      applied.push(change?.outcome);
      return undefined;
    });
    const fanned = fanOut(inserted, (appKey, userId, key) => heads.get(key) ?? (readHead.get({ appKey, userId }) as number));
    fanned.entries.forEach((entries, i) => {
      const { appKey } = inserted[i] as NewMessage;
      for (const { userId, cursor, direction } of entries) insertInbox.run(appKey, userId, cursor, direction, seqs[i]);
    });
    for (const c of fanned.conversations) touchConversation.run(c.appKey, c.userId, c.conversationType, c.targetId, c.versionTime, seqs[c.messageIndex]);
    let next = 0;
    const written = duplicates.map((earlier): WrittenMessage => {
      if (earlier && 'unchanged' in earlier) return { unchanged: earlier.unchanged };
      if (earlier) return { duplicateOf: earlier };
      const change = applied[next];
      const entries = fanned.entries[next++] as InboxWrite[];
      return change ? { entries, change } : { entries };
    });
    return { written, heads: fanned.heads };
  });

  const purge = db.transaction((instant: number, limit: number) => {
    const seqs = expired.all(instant, limit) as number[];
    for (const seq of seqs) {
      keepFloors.run(seq);
      deleteConversationsOf.run(seq);
      deleteMessage.run(seq);
    }
    return seqs.length;
  });

  return {
    append: (messages) => {
      const { written, heads: advanced } = appendAll(messages);
      // Cached once committed, so a batch that rolled back leaves no cursor that was never stored.
      if (heads.size >= MAX_CACHED_HEADS) heads.clear();
      for (const [key, { cursor }] of advanced) heads.set(key, cursor);
      return written;
    },
    edit: (request) => changes.edit(request),
    purgeBefore: (instant, limit) => purge(instant, limit),
  };
}
