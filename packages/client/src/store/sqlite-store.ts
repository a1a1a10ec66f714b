import { MessageDirection } from '@parley/protocol';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { META_DATABASE_FILE_NAME, encodeFileNameComponent, userDatabaseFileName } from './file-names.js';
import {
  LocalStoreClosedError,
  LocalStoreOpenError,
  addsToUnread,
  isRecalledUnread,
  isRemoved,
  isStorableUserId,
  tokenDigest,
  type LocalConversation,
  type LocalConversationState,
  type LocalMessage,
  type LocalMessageUpdate,
  type LocalStoreFactory,
  type MetaStore,
  type NavigationCache,
  type Removal,
  type ConversationReadState,
  type ServerUnread,
  type UserStore,
} from './local-store.js';

/**
 * Node only (better-sqlite3, node:fs). Layout under dataDir:
 *
 *     <dataDir>/<appKey>/meta.sqlite               the MetaStore of the app
 *     <dataDir>/<appKey>/user-<userId>.sqlite      one UserStore per user
 *
 * with appKey and userId encoded by file-names.ts (plain lowercase app keys stay as they are).
 */
export class SqliteLocalStoreFactory implements LocalStoreFactory {
  constructor(private readonly dataDir: string) {}

  async openUser(appKey: string, userId: string): Promise<UserStore> {
    if (!isStorableUserId(userId)) {
      throw new LocalStoreOpenError(`userId ${JSON.stringify(userId)} cannot name a local database`);
    }
    return new SqliteUserStore(openDatabase(this.appDir(appKey), userDatabaseFileName(userId), USER_SCHEMA));
  }

  async openMeta(appKey: string): Promise<MetaStore> {
    return new SqliteMetaStore(openDatabase(this.appDir(appKey), META_DATABASE_FILE_NAME, META_SCHEMA));
  }

  private appDir(appKey: string): string {
    if (appKey === '') throw new LocalStoreOpenError('an empty appKey cannot name a local database folder');
    return join(this.dataDir, encodeFileNameComponent(appKey));
  }
}

/** Each entry migrates from the version before it; the schema_version table records the last applied. */
type Schema = readonly string[];

const USER_SCHEMA: Schema = [
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- save order; AUTOINCREMENT: never reused after a delete
     client_id TEXT NOT NULL UNIQUE,
     message_uid TEXT UNIQUE,                 -- NULL until acked (NULLs never collide)
     conversation_type INTEGER NOT NULL,
     target_id TEXT NOT NULL,
     sender_user_id TEXT NOT NULL,
     object_name TEXT NOT NULL,
     content TEXT NOT NULL,                   -- JSON
     sent_time INTEGER NOT NULL,
     direction INTEGER NOT NULL,
     status TEXT NOT NULL
   );
   CREATE INDEX messages_by_conversation ON messages (conversation_type, target_id, sent_time, seq);
   CREATE INDEX messages_sending ON messages (seq) WHERE status = 'sending';
   CREATE TABLE conversations (
     conversation_type INTEGER NOT NULL,
     target_id TEXT NOT NULL,
     latest_seq INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,             -- sent_time of the latest message
     unread_count INTEGER NOT NULL,
     PRIMARY KEY (conversation_type, target_id)
   );
   CREATE TABLE sync_state (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     sync_cursor INTEGER NOT NULL,
     navigation TEXT                          -- JSON
   );
   INSERT INTO sync_state (id, sync_cursor) VALUES (1, 0);`,
  // Changes made to a message after it was sent (edits, expansion), and where the edit feed stands.
  `ALTER TABLE messages ADD COLUMN modified_time INTEGER;
   ALTER TABLE messages ADD COLUMN expansion TEXT;             -- JSON
   ALTER TABLE sync_state ADD COLUMN edit_cursor INTEGER;      -- NULL until the first connect`,
  // Read state (LocalConversation.lastReadTime, countedUpTo).
  `ALTER TABLE conversations ADD COLUMN last_read_time INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE conversations ADD COLUMN counted_up_to INTEGER NOT NULL DEFAULT 0;`,
  // Conversation states synced from the server (LocalConversationState), apart from the list: a
  // removed conversation keeps its mute for the message that brings it back.
  `CREATE TABLE conversation_states (
     conversation_type INTEGER NOT NULL,
     target_id TEXT NOT NULL,
     is_top INTEGER NOT NULL,
     notification_level INTEGER NOT NULL,
     PRIMARY KEY (conversation_type, target_id)
   );
   ALTER TABLE sync_state ADD COLUMN conversation_state_version INTEGER NOT NULL DEFAULT 0;`,
];

const META_SCHEMA: Schema = [
  `CREATE TABLE tokens (
     token_digest TEXT PRIMARY KEY,           -- hex SHA-256: the token itself is never stored
     user_id TEXT NOT NULL
   );`,
];

function openDatabase(dir: string, fileName: string, schema: Schema): Database.Database {
  const file = join(dir, fileName);
  let db: Database.Database | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    // NORMAL: in WAL mode a power cut may lose the last commits but never corrupts the file; the
    // server holds every acked message, and a lost unacked send is one the user saw fail to leave.
    db.pragma('synchronous = NORMAL');
    // Two SDK instances of one process (or two processes) may open the same user.
    db.pragma('busy_timeout = 5000');
    migrate(db, schema);
    return db;
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new LocalStoreOpenError(`cannot open the local database ${file}: ${reason}`, { cause: error });
  }
}

function migrate(db: Database.Database, schema: Schema): void {
  // IMMEDIATE takes the write lock first, so two processes opening a new file cannot both migrate.
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const current = (db.prepare('SELECT MAX(version) FROM schema_version').pluck().get() as number | null) ?? 0;
    if (current > schema.length) {
      throw new Error(`schema version ${current} was written by a newer SDK (this one knows ${schema.length})`);
    }
    schema.slice(current).forEach((statements, index) => {
      db.exec(statements);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(current + index + 1, Date.now());
    });
  }).immediate();
}

interface MessageRow extends Omit<LocalMessage, 'messageUId' | 'content' | 'modifiedTime' | 'expansion'> {
  messageUId: string | null;
  content: string;
  modifiedTime: number | null;
  expansion: string | null;
}

/** The columns of a LocalMessage, from the messages table aliased `m`. */
const MESSAGE_COLUMNS = `m.message_uid AS messageUId, m.client_id AS clientId, m.conversation_type AS conversationType,
  m.target_id AS targetId, m.sender_user_id AS senderUserId, m.object_name AS objectName, m.content,
  m.sent_time AS sentTime, m.direction, m.status, m.modified_time AS modifiedTime, m.expansion`;

function toMessage({ modifiedTime, expansion, ...row }: MessageRow): LocalMessage {
  return {
    ...row,
    messageUId: row.messageUId ?? '',
    content: JSON.parse(row.content) as unknown,
    ...(modifiedTime === null ? {} : { modifiedTime }),
    ...(expansion === null ? {} : { expansion: JSON.parse(expansion) as Record<string, string> }),
  };
}

/** The columns of a LocalMessage that a change rewrites, as bound. */
function changedColumns(m: Pick<LocalMessage, 'objectName' | 'content' | 'modifiedTime' | 'expansion'>) {
  return {
    objectName: m.objectName,
    content: JSON.stringify(m.content) ?? 'null',
    modifiedTime: m.modifiedTime ?? null,
    expansion: m.expansion === undefined ? null : JSON.stringify(m.expansion),
  };
}

function prepareUserStatements(db: Database.Database) {
  return {
    // OR IGNORE: a clientId or messageUId already stored means the message was seen before.
    insertMessage: db.prepare(
      `INSERT OR IGNORE INTO messages (message_uid, client_id, conversation_type, target_id, sender_user_id,
         object_name, content, sent_time, direction, status, modified_time, expansion)
       VALUES (@messageUId, @clientId, @conversationType, @targetId, @senderUserId, @objectName, @content,
         @sentTime, @direction, @status, @modifiedTime, @expansion)`,
    ),
    findByUid: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.message_uid = ?`),
    updateChanged: db.prepare(
      `UPDATE messages SET object_name = @objectName, content = @content, modified_time = @modifiedTime, expansion = @expansion
       WHERE message_uid = @messageUId`,
    ),
    // An older message arriving late does not become the latest; it counts as unread only when
    // sent after what was read or already counted (local-store.ts, addsToUnread).
    touchConversation: db.prepare(
      `INSERT INTO conversations (conversation_type, target_id, latest_seq, updated_at, unread_count)
       VALUES (@conversationType, @targetId, @seq, @sentTime, @received)
       ON CONFLICT (conversation_type, target_id) DO UPDATE SET
         latest_seq = CASE WHEN excluded.updated_at >= updated_at THEN excluded.latest_seq ELSE latest_seq END,
         updated_at = MAX(updated_at, excluded.updated_at),
         unread_count = unread_count + CASE WHEN excluded.updated_at > MAX(last_read_time, counted_up_to) THEN excluded.unread_count ELSE 0 END`,
    ),
    findByClientId: db.prepare(
      'SELECT seq, conversation_type AS conversationType, target_id AS targetId FROM messages WHERE client_id = ?',
    ),
    deleteCopy: db.prepare('DELETE FROM messages WHERE message_uid = @messageUId AND seq <> @seq'),
    markSent: db.prepare(
      `UPDATE messages SET message_uid = @messageUId, sent_time = @sentTime, status = 'sent' WHERE seq = @seq`,
    ),
    refreshLatest: db.prepare(
      `UPDATE conversations SET (latest_seq, updated_at) = (
         SELECT seq, sent_time FROM messages
         WHERE conversation_type = @conversationType AND target_id = @targetId
         ORDER BY sent_time DESC, seq DESC LIMIT 1)
       WHERE conversation_type = @conversationType AND target_id = @targetId`,
    ),
    markFailed: db.prepare(`UPDATE messages SET status = 'failed' WHERE client_id = ? AND status = 'sending'`),
    // What a removal may take (local-store.ts, isRemoved, decides): by UID, or a whole conversation.
    byUidWithSeq: db.prepare(`SELECT m.seq, ${MESSAGE_COLUMNS} FROM messages m WHERE m.message_uid = ?`),
    ofConversation: db.prepare(`SELECT m.seq, ${MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_type = ? AND m.target_id = ?`),
    deleteMessage: db.prepare('DELETE FROM messages WHERE seq = ?'),
    readStateOf: db.prepare(
      `SELECT unread_count AS unreadCount, last_read_time AS lastReadTime, counted_up_to AS countedUpTo FROM conversations
       WHERE conversation_type = ? AND target_id = ?`,
    ),
    setUnread: db.prepare('UPDATE conversations SET unread_count = ? WHERE conversation_type = ? AND target_id = ?'),
    dropIfEmpty: db.prepare(
      `DELETE FROM conversations WHERE conversation_type = @conversationType AND target_id = @targetId
       AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_type = @conversationType AND target_id = @targetId)`,
    ),
    history: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE conversation_type = @conversationType AND target_id = @targetId AND sent_time < @before
       ORDER BY sent_time DESC, seq DESC LIMIT @count`,
    ),
    conversations: db.prepare(
      `SELECT ${MESSAGE_COLUMNS}, c.updated_at AS updatedAt, c.unread_count AS unreadCount, c.last_read_time AS lastReadTime,
         c.counted_up_to AS countedUpTo
       FROM conversations c JOIN messages m ON m.seq = c.latest_seq
       ORDER BY c.updated_at DESC, c.latest_seq DESC`,
    ),
    // local-store.ts (readStateAfter) in SQL: the columns on the right are the row's before the update.
    markRead: db.prepare(
      `UPDATE conversations SET
         last_read_time = MAX(last_read_time, @readTime),
         counted_up_to = MAX(counted_up_to, @countedUpTo),
         unread_count = @serverCount + (
           SELECT COUNT(*) FROM messages m
           WHERE m.conversation_type = @conversationType AND m.target_id = @targetId AND m.direction = ${MessageDirection.RECEIVE}
             AND m.sent_time > MAX(conversations.last_read_time, @readTime, @countedUpTo))
       WHERE conversation_type = @conversationType AND target_id = @targetId`,
    ),
    pending: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE status = 'sending' ORDER BY seq`),
    conversationStates: db.prepare(
      'SELECT conversation_type AS conversationType, target_id AS targetId, is_top AS isTop, notification_level AS notificationLevel FROM conversation_states',
    ),
    putConversationState: db.prepare(
      `INSERT INTO conversation_states (conversation_type, target_id, is_top, notification_level) VALUES (@conversationType, @targetId, @isTop, @notificationLevel)
       ON CONFLICT (conversation_type, target_id) DO UPDATE SET is_top = excluded.is_top, notification_level = excluded.notification_level`,
    ),
    getConversationStateVersion: db.prepare('SELECT conversation_state_version FROM sync_state WHERE id = 1').pluck(),
    setConversationStateVersion: db.prepare('UPDATE sync_state SET conversation_state_version = MAX(conversation_state_version, ?) WHERE id = 1'),
    removeConversation: db.prepare('DELETE FROM conversations WHERE conversation_type = ? AND target_id = ?'),
    getEditCursor: db.prepare('SELECT edit_cursor FROM sync_state WHERE id = 1').pluck(),
    setEditCursor: db.prepare('UPDATE sync_state SET edit_cursor = MAX(COALESCE(edit_cursor, @cursor), @cursor) WHERE id = 1'),
    getSyncCursor: db.prepare('SELECT sync_cursor FROM sync_state WHERE id = 1').pluck(),
    setSyncCursor: db.prepare('UPDATE sync_state SET sync_cursor = MAX(sync_cursor, ?) WHERE id = 1'),
    getNavigation: db.prepare('SELECT navigation FROM sync_state WHERE id = 1').pluck(),
    setNavigation: db.prepare('UPDATE sync_state SET navigation = ? WHERE id = 1'),
  };
}

type UserStatements = ReturnType<typeof prepareUserStatements>;

class SqliteUserStore implements UserStore {
  readonly persistent = true;
  private readonly statements: UserStatements;

  constructor(private readonly db: Database.Database) {
    this.statements = prepareUserStatements(db);
  }

  async saveMessages(messages: LocalMessage[]): Promise<LocalMessage[]> {
    const { insertMessage, touchConversation } = this.open();
    return this.db.transaction(() =>
      messages.filter((message) => {
        const inserted = insertMessage.run({
          ...message,
          messageUId: message.messageUId === '' ? null : message.messageUId,
          ...changedColumns(message),
        });
        if (inserted.changes === 0) return false;
        touchConversation.run({
          conversationType: message.conversationType,
          targetId: message.targetId,
          seq: inserted.lastInsertRowid,
          sentTime: message.sentTime,
          received: message.direction === MessageDirection.RECEIVE ? 1 : 0,
        });
        return true;
      }),
    )();
  }

  async getMessage(messageUId: string): Promise<LocalMessage | undefined> {
    const row = this.open().findByUid.get(messageUId) as MessageRow | undefined;
    return row ? toMessage(row) : undefined;
  }

  async updateMessage(messageUId: string, update: LocalMessageUpdate): Promise<LocalMessage | undefined> {
    const statements = this.open();
    return this.db.transaction(() => {
      const row = statements.findByUid.get(messageUId) as MessageRow | undefined;
      if (!row) return undefined;
      const before = toMessage(row);
      const read = statements.readStateOf.get(before.conversationType, before.targetId) as ConversationReadState | undefined;
      if (read && isRecalledUnread(before, update, read)) statements.setUnread.run(read.unreadCount - 1, before.conversationType, before.targetId);
      const updated = { ...before, ...update };
      statements.updateChanged.run({ messageUId, ...changedColumns(updated) });
      return updated;
    })();
  }

  async markSent(clientId: string, messageUId: string, sentTime: number): Promise<void> {
    const statements = this.open();
    this.db.transaction(() => {
      const found = statements.findByClientId.get(clientId) as
        | { seq: number; conversationType: number; targetId: string }
        | undefined;
      if (!found) return;
      const uid = messageUId === '' ? null : messageUId;
      statements.deleteCopy.run({ messageUId: uid, seq: found.seq });
      statements.markSent.run({ messageUId: uid, sentTime, seq: found.seq });
      // The server's time may reorder the conversation, and the dropped copy may have been its latest.
      statements.refreshLatest.run({ conversationType: found.conversationType, targetId: found.targetId });
    })();
  }

  async removeMessages(removal: Removal): Promise<void> {
    const statements = this.open();
    this.db.transaction(() => {
      const candidates = (
        'messageUIds' in removal
          ? removal.messageUIds.flatMap((uid) => statements.byUidWithSeq.all(uid))
          : statements.ofConversation.all(removal.conversationType, removal.targetId)
      ) as (MessageRow & { seq: number })[];
      const touched = new Map<string, { conversationType: number; targetId: string; removed: LocalMessage[] }>();
      for (const { seq, ...row } of candidates) {
        const message = toMessage(row);
        if (!isRemoved(message, removal)) continue;
        statements.deleteMessage.run(seq);
        const key = JSON.stringify([message.conversationType, message.targetId]);
        const conversation = touched.get(key) ?? { conversationType: message.conversationType, targetId: message.targetId, removed: [] };
        conversation.removed.push(message);
        touched.set(key, conversation);
      }
      for (const { conversationType, targetId, removed } of touched.values()) {
        const read = statements.readStateOf.get(conversationType, targetId) as ConversationReadState | undefined;
        if (!read) continue;
        statements.setUnread.run(read.unreadCount - removed.filter((m) => addsToUnread(m, read)).length, conversationType, targetId);
        statements.dropIfEmpty.run({ conversationType, targetId });
        statements.refreshLatest.run({ conversationType, targetId });
      }
    })();
  }

  async markFailed(clientId: string): Promise<void> {
    this.open().markFailed.run(clientId);
  }

  async getHistory(conversationType: number, targetId: string, before: number, count: number): Promise<LocalMessage[]> {
    const { history } = this.open();
    if (count <= 0) return [];
    const rows = history.all({
      conversationType,
      targetId,
      before: before === 0 ? Number.POSITIVE_INFINITY : before,
      count,
    }) as MessageRow[];
    return rows.map(toMessage);
  }

  async getConversations(): Promise<LocalConversation[]> {
    const rows = this.open().conversations.all() as (MessageRow & ConversationReadState & { updatedAt: number })[];
    return rows.map(({ updatedAt, unreadCount, lastReadTime, countedUpTo, ...latest }) => ({
      conversationType: latest.conversationType,
      targetId: latest.targetId,
      latestMessage: toMessage(latest),
      updatedAt,
      unreadCount,
      lastReadTime,
      countedUpTo,
    }));
  }

  async markRead(conversationType: number, targetId: string, readTime: number, server?: ServerUnread): Promise<void> {
    this.open().markRead.run({ conversationType, targetId, readTime, countedUpTo: server?.countedUpTo ?? 0, serverCount: server?.unreadCount ?? 0 });
  }

  async pendingOutgoing(): Promise<LocalMessage[]> {
    return (this.open().pending.all() as MessageRow[]).map(toMessage);
  }

  async getEditCursor(): Promise<number | undefined> {
    return (this.open().getEditCursor.get() as number | null) ?? undefined;
  }

  async setEditCursor(cursor: number): Promise<void> {
    this.open().setEditCursor.run({ cursor });
  }

  async getSyncCursor(): Promise<number> {
    return this.open().getSyncCursor.get() as number;
  }

  async setSyncCursor(cursor: number): Promise<void> {
    this.open().setSyncCursor.run(cursor);
  }

  async getNavigation(): Promise<NavigationCache | undefined> {
    const json = this.open().getNavigation.get() as string | null;
    return json === null ? undefined : (JSON.parse(json) as NavigationCache);
  }

  async setNavigation(value: NavigationCache): Promise<void> {
    this.open().setNavigation.run(JSON.stringify({ servers: value.servers, expiresAt: value.expiresAt }));
  }

  async getConversationStates(): Promise<{ states: LocalConversationState[]; version: number }> {
    const statements = this.open();
    const rows = statements.conversationStates.all() as (Omit<LocalConversationState, 'isTop'> & { isTop: number })[];
    return { states: rows.map((row) => ({ ...row, isTop: row.isTop === 1 })), version: statements.getConversationStateVersion.get() as number };
  }

  async saveConversationStates(states: LocalConversationState[], version: number): Promise<void> {
    const statements = this.open();
    this.db.transaction(() => {
      for (const { conversationType, targetId, isTop, notificationLevel } of states) {
        statements.putConversationState.run({ conversationType, targetId, isTop: isTop ? 1 : 0, notificationLevel });
      }
      statements.setConversationStateVersion.run(version);
    })();
  }

  async removeConversation(conversationType: number, targetId: string): Promise<void> {
    this.open().removeConversation.run(conversationType, targetId);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private open(): UserStatements {
    if (!this.db.open) throw new LocalStoreClosedError();
    return this.statements;
  }
}

class SqliteMetaStore implements MetaStore {
  private readonly lookup;
  private readonly remember;

  constructor(private readonly db: Database.Database) {
    this.lookup = db.prepare('SELECT user_id FROM tokens WHERE token_digest = ?').pluck();
    this.remember = db.prepare(
      'INSERT INTO tokens (token_digest, user_id) VALUES (?, ?) ON CONFLICT (token_digest) DO UPDATE SET user_id = excluded.user_id',
    );
  }

  async userIdForToken(token: string): Promise<string | undefined> {
    const digest = await tokenDigest(token);
    this.assertOpen();
    return digest === undefined ? undefined : ((this.lookup.get(digest) as string | undefined) ?? undefined);
  }

  async rememberToken(token: string, userId: string): Promise<void> {
    const digest = await tokenDigest(token);
    this.assertOpen();
    if (digest !== undefined) this.remember.run(digest, userId);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private assertOpen(): void {
    if (!this.db.open) throw new LocalStoreClosedError();
  }
}
