import type Database from 'better-sqlite3';
import type { ConversationRef, MarkReadOutcome } from '../../store.js';
import type { ReadWriteRequest } from './protocol.js';

/**
 * Read positions and group reads on the writer thread, as every write of the SQLite backend is: the
 * main thread never waits for the write lock. Each read-then-write takes the lock first (IMMEDIATE),
 * so no other connection's commit slips in between.
 */
export function readWriter(db: Database.Database) {
  const hasConversation = db
    .prepare('SELECT 1 FROM conversations WHERE app_key = ? AND user_id = ? AND conversation_type = ? AND target_id = ?')
    .pluck();
  const readTimeOf = db
    .prepare('SELECT read_time FROM read_positions WHERE app_key = ? AND user_id = ? AND conversation_type = ? AND target_id = ?')
    .pluck();
  const lastVersion = db.prepare('SELECT MAX(version) FROM read_positions WHERE app_key = ? AND user_id = ?').pluck();
  const writePosition = db.prepare(
    `INSERT INTO read_positions (app_key, user_id, conversation_type, target_id, read_time, version) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (app_key, user_id, conversation_type, target_id) DO UPDATE SET read_time = excluded.read_time, version = excluded.version`,
  );
  const touchPosition = db.prepare(
    `INSERT INTO read_positions (app_key, user_id, conversation_type, target_id, read_time, version)
     SELECT app_key, user_id, conversation_type, target_id, 0, @version FROM conversations
     WHERE app_key = @appKey AND user_id = @userId AND conversation_type = @type AND target_id = @target
     ON CONFLICT (app_key, user_id, conversation_type, target_id) DO UPDATE SET version = excluded.version`,
  );
  const versionPosition = db.prepare(
    'UPDATE read_positions SET version = @version WHERE app_key = @appKey AND user_id = @userId AND conversation_type = @type AND target_id = @target',
  );
  const purge = db.prepare(
    'DELETE FROM read_positions WHERE rowid IN (SELECT rowid FROM read_positions WHERE version < ? LIMIT ?)',
  );
  const recordRead = db.prepare(
    `INSERT INTO group_reads (message_seq, reader_id, read_time)
     SELECT seq, ?, ? FROM messages WHERE app_key = ? AND uid = ? ON CONFLICT (message_seq, reader_id) DO NOTHING`,
  );

  /** A version for the user's next change: at least `now`, above every earlier one. */
  const nextVersion = (appKey: string, userId: string, now: number): number => Math.max(now, ((lastVersion.get(appKey, userId) as number | null) ?? 0) + 1);

  const mark = db.transaction((appKey: string, userId: string, c: ConversationRef, readTime: number, now: number, listedOnly: boolean): MarkReadOutcome => {
    const current = readTimeOf.get(appKey, userId, c.conversationType, c.targetId) as number | undefined;
    if (current === undefined && listedOnly && !hasConversation.get(appKey, userId, c.conversationType, c.targetId)) {
      return { kind: 'no-conversation' };
    }
    if (current !== undefined && current >= readTime) return { kind: 'unchanged' };
    const version = nextVersion(appKey, userId, now);
    writePosition.run(appKey, userId, c.conversationType, c.targetId, readTime, version);
    return { kind: 'moved', version };
  });
  const touch = db.transaction((appKey: string, userId: string, conversations: ConversationRef[], now: number): number => {
    const version = nextVersion(appKey, userId, now);
    for (const c of conversations) {
      const params = { appKey, userId, type: c.conversationType, target: c.targetId, version };
      if (versionPosition.run(params).changes === 0) touchPosition.run(params);
    }
    return version;
  });
  const record = db.transaction((appKey: string, readerId: string, uids: string[], readTime: number) =>
    uids.filter((uid) => recordRead.run(readerId, readTime, appKey, uid).changes > 0),
  );

  return (request: ReadWriteRequest): unknown => {
    switch (request.kind) {
      case 'mark':
        return mark.immediate(request.appKey, request.userId, request.conversation, request.readTime, request.now, request.listedOnly);
      case 'touch':
        return touch.immediate(request.appKey, request.userId, request.conversations, request.now);
      case 'purge':
        return purge.run(request.instant, request.limit).changes;
      case 'group-reads':
        return record.immediate(request.appKey, request.readerId, request.uids, request.readTime);
    }
  };
}
