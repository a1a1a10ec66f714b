import { MessageDirection } from '@parley/protocol';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { META_DATABASE_FILE_NAME, encodeFileNameComponent, userDatabaseFileName } from './file-names.js';
import {
  LocalStoreClosedError,
  LocalStoreOpenError,
  isStorableUserId,
  tokenDigest,
  type LocalConversation,
  type LocalMessage,
  type LocalStoreFactory,
  type MetaStore,
  type NavigationCache,
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

interface MessageRow extends Omit<LocalMessage, 'messageUId' | 'content'> {
  messageUId: string | null;
  content: string;
}

/** The columns of a LocalMessage, from the messages table aliased `m`. */
const MESSAGE_COLUMNS = `m.message_uid AS messageUId, m.client_id AS clientId, m.conversation_type AS conversationType,
  m.target_id AS targetId, m.sender_user_id AS senderUserId, m.object_name AS objectName, m.content,
  m.sent_time AS sentTime, m.direction, m.status`;

function toMessage(row: MessageRow): LocalMessage {
  return { ...row, messageUId: row.messageUId ?? '', content: JSON.parse(row.content) as unknown };
}

function prepareUserStatements(db: Database.Database) {
  return {
    // OR IGNORE: a clientId or messageUId already stored means the message was seen before.
    insertMessage: db.prepare(
      `INSERT OR IGNORE INTO messages (message_uid, client_id, conversation_type, target_id, sender_user_id,
         object_name, content, sent_time, direction, status)
       VALUES (@messageUId, @clientId, @conversationType, @targetId, @senderUserId, @objectName, @content,
         @sentTime, @direction, @status)`,
    ),
    // An older message arriving late counts as unread but does not become the latest.
    touchConversation: db.prepare(
      `INSERT INTO conversations (conversation_type, target_id, latest_seq, updated_at, unread_count)
       VALUES (@conversationType, @targetId, @seq, @sentTime, @unread)
       ON CONFLICT (conversation_type, target_id) DO UPDATE SET
         latest_seq = CASE WHEN excluded.updated_at >= updated_at THEN excluded.latest_seq ELSE latest_seq END,
         updated_at = MAX(updated_at, excluded.updated_at),
         unread_count = unread_count + excluded.unread_count`,
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
    history: db.prepare(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
       WHERE conversation_type = @conversationType AND target_id = @targetId AND sent_time < @before
       ORDER BY sent_time DESC, seq DESC LIMIT @count`,
    ),
    conversations: db.prepare(
      `SELECT ${MESSAGE_COLUMNS}, c.updated_at AS updatedAt, c.unread_count AS unreadCount
       FROM conversations c JOIN messages m ON m.seq = c.latest_seq
       ORDER BY c.updated_at DESC, c.latest_seq DESC`,
    ),
    clearUnread: db.prepare(
      'UPDATE conversations SET unread_count = 0 WHERE conversation_type = ? AND target_id = ?',
    ),
    pending: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE status = 'sending' ORDER BY seq`),
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
          content: JSON.stringify(message.content) ?? 'null',
        });
        if (inserted.changes === 0) return false;
        touchConversation.run({
          conversationType: message.conversationType,
          targetId: message.targetId,
          seq: inserted.lastInsertRowid,
          sentTime: message.sentTime,
          unread: message.direction === MessageDirection.RECEIVE ? 1 : 0,
        });
        return true;
      }),
    )();
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
    const rows = this.open().conversations.all() as (MessageRow & { updatedAt: number; unreadCount: number })[];
    return rows.map(({ updatedAt, unreadCount, ...latest }) => ({
      conversationType: latest.conversationType,
      targetId: latest.targetId,
      latestMessage: toMessage(latest),
      updatedAt,
      unreadCount,
    }));
  }

  async clearUnread(conversationType: number, targetId: string): Promise<void> {
    this.open().clearUnread.run(conversationType, targetId);
  }

  async pendingOutgoing(): Promise<LocalMessage[]> {
    return (this.open().pending.all() as MessageRow[]).map(toMessage);
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
