import type Database from 'better-sqlite3';
import { decideChange } from '../../../core/messaging/change-rules.js';
import type { ChangeOutcome, InboxPlace, MessageChange, StoredConversationType } from '../../store.js';
import { changedColumns, messageFromRow, type MessageRow } from '../../rows.js';
import { conversationRows, type ConversationRow } from './deletion-writer.js';
import type { EditRequest, EditResult } from './protocol.js';

/**
 * Changes to stored messages (recall, edit, expansion), on the writer thread's connection and inside
 * its transactions: a change carried by a message commits with it (message-writer.ts), an edit on
 * its own. What a change does is change-rules.ts's to decide.
 */
export function messageChangeWriter(db: Database.Database) {
  const byUid = db.prepare('SELECT * FROM messages WHERE app_key = ? AND uid = ?');
  const update = db.prepare(
    `UPDATE messages SET content = @content, recall = @recall, recall_deleted = @recallDeleted, modified_time = @modifiedTime,
       expansion = @expansion WHERE seq = @seq`,
  );
  const holdersOf = db.prepare('SELECT user_id AS userId, cursor, direction FROM inbox WHERE message_seq = ? ORDER BY user_id');
  const lastVersion = db.prepare('SELECT MAX(version) FROM message_edits WHERE app_key = ? AND user_id = ?').pluck();
  const markEdited = db.prepare(
    `INSERT INTO message_edits (app_key, user_id, message_seq, version) VALUES (?, ?, ?, ?)
     ON CONFLICT (app_key, user_id, message_seq) DO UPDATE SET version = excluded.version`,
  );
  const rowsShowing = db.prepare(
    `SELECT user_id AS userId, conversation_type AS type, target_id AS target, last_message_seq AS lastSeq FROM conversations
     WHERE last_message_seq = ? AND app_key = ?`,
  );
  const conversations = conversationRows(db);

  /**
   * Applies a change that `operatorId` makes at `time`, inside the caller's transaction; `changedSeq`
   * is the changed message's row. An applied outcome names the inboxes that hold the message.
   */
  const apply = (appKey: string, operatorId: string, change: MessageChange & { conversationKey: string }, time: number): { outcome: ChangeOutcome; changedSeq: number } => {
    const row = byUid.get(appKey, change.uid) as (MessageRow & { seq: number }) | undefined;
    if (!row || row.conversation_key !== change.conversationKey) return { outcome: { kind: 'missing' }, changedSeq: 0 };
    const current = messageFromRow(row);
    const holders = holdersOf.all(row.seq) as InboxPlace[];
    const decision = decideChange(current, change, time, holders.some((h) => h.userId === operatorId));
    if (decision.kind === 'repeat') return { outcome: { kind: 'repeat', message: current }, changedSeq: row.seq };
    if (decision.kind === 'refused') return { outcome: decision, changedSeq: row.seq };
    update.run({ ...changedColumns(decision.state), seq: row.seq });
    if (decision.state.recall?.isDelete && change.kind === 'recall') {
      // Gone for everyone: a conversation that showed it shows the message before, or goes.
      for (const { userId, ...shown } of rowsShowing.all(row.seq, appKey) as (ConversationRow & { userId: string })[]) {
        conversations.refresh(appKey, userId, { conversationType: shown.type as StoredConversationType, targetId: shown.target, conversationKey: row.conversation_key }, [shown]);
      }
    }
    return { outcome: { kind: 'applied', message: { ...current, ...decision.state }, holders }, changedSeq: row.seq };
  };

  const edit = db.transaction((request: EditRequest): EditResult => {
    const { outcome, changedSeq } = apply(request.appKey, '', request.change, request.time);
    if (outcome.kind !== 'applied') return { outcome, versions: [] };
    const versions = outcome.holders.map(({ userId }) => {
      // Above the user's last version, so a feed cursor never skips an edit however clocks differ.
      const version = Math.max(request.time, ((lastVersion.get(request.appKey, userId) as number | null) ?? 0) + 1);
      markEdited.run(request.appKey, userId, changedSeq, version);
      return { userId, version };
    });
    return { outcome, versions };
  });

  return { apply, edit: (request: EditRequest) => edit(request) };
}
