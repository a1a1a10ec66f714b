/**
 * Versioned schema, shared by both backends. Each migration is a list of statements written once
 * with the few type names that differ between SQLite and PostgreSQL passed in, so the two schemas
 * cannot drift apart. Append new migrations; never edit an applied one.
 */
export interface Dialect {
  /** 64-bit integer: milliseconds, counters. */
  bigint: string;
  /** An auto-incrementing 64-bit primary key. */
  serial: string;
}

export const sqliteDialect: Dialect = { bigint: 'INTEGER', serial: 'INTEGER PRIMARY KEY AUTOINCREMENT' };
export const postgresDialect: Dialect = { bigint: 'BIGINT', serial: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY' };

export interface Migration {
  version: number;
  name: string;
  statements(d: Dialect): string[];
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'apps and users',
    statements: (d) => [
      `CREATE TABLE apps (
        app_key TEXT PRIMARY KEY,
        app_secret TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        token_lifetime_seconds ${d.bigint} NOT NULL,
        device_policy TEXT NOT NULL,
        max_devices INTEGER NOT NULL,
        safe_domains TEXT NOT NULL,
        signature_mode TEXT NOT NULL,
        api_rate_limit INTEGER NOT NULL,
        created_at ${d.bigint} NOT NULL,
        updated_at ${d.bigint} NOT NULL
      )`,
      `CREATE TABLE users (
        app_key TEXT NOT NULL REFERENCES apps (app_key),
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        portrait_uri TEXT NOT NULL,
        created_at ${d.bigint} NOT NULL,
        tokens_valid_after ${d.bigint} NOT NULL DEFAULT 0,
        blocked_until ${d.bigint} NOT NULL DEFAULT 0,
        deactivated INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (app_key, user_id)
      )`,
      `CREATE INDEX users_blocked ON users (app_key, blocked_until) WHERE blocked_until > 0`,
    ],
  },
  {
    version: 2,
    name: 'groups',
    statements: (d) => [
      `CREATE TABLE chat_groups (
        app_key TEXT NOT NULL REFERENCES apps (app_key),
        group_id TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at ${d.bigint} NOT NULL,
        PRIMARY KEY (app_key, group_id)
      )`,
      `CREATE TABLE group_members (
        app_key TEXT NOT NULL,
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        joined_at ${d.bigint} NOT NULL,
        PRIMARY KEY (app_key, group_id, user_id),
        FOREIGN KEY (app_key, group_id) REFERENCES chat_groups (app_key, group_id) ON DELETE CASCADE
      )`,
    ],
  },
  {
    version: 3,
    name: 'messages, inboxes and conversations',
    statements: (d) => [
      `CREATE TABLE messages (
        seq ${d.serial},
        app_key TEXT NOT NULL,
        uid TEXT NOT NULL UNIQUE,
        conversation_type INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        conversation_key TEXT NOT NULL,
        sender_id TEXT NOT NULL,
        object_name TEXT NOT NULL,
        content TEXT NOT NULL,
        sent_time ${d.bigint} NOT NULL,
        flags INTEGER NOT NULL,
        client_unique_id TEXT
      )`,
      `CREATE INDEX messages_conversation ON messages (app_key, conversation_key, sent_time, seq)`,
      `CREATE INDEX messages_sent_time ON messages (sent_time)`,
      `CREATE UNIQUE INDEX messages_client_id ON messages (app_key, sender_id, client_unique_id) WHERE client_unique_id IS NOT NULL`,
      `CREATE TABLE inbox (
        app_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        cursor ${d.bigint} NOT NULL,
        direction INTEGER NOT NULL,
        message_seq ${d.bigint} NOT NULL REFERENCES messages (seq) ON DELETE CASCADE,
        PRIMARY KEY (app_key, user_id, cursor)
      )`,
      `CREATE INDEX inbox_message ON inbox (message_seq)`,
      `CREATE TABLE inbox_heads (
        app_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        last_cursor ${d.bigint} NOT NULL,
        PRIMARY KEY (app_key, user_id)
      )`,
      `CREATE TABLE conversations (
        app_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        conversation_type INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        version_time ${d.bigint} NOT NULL,
        last_message_seq ${d.bigint} NOT NULL,
        PRIMARY KEY (app_key, user_id, conversation_type, target_id)
      )`,
      `CREATE INDEX conversations_recent ON conversations (app_key, user_id, version_time)`,
    ],
  },
  {
    version: 4,
    name: 'purge finds conversations by their last message',
    statements: () => [`CREATE INDEX conversations_last_message ON conversations (last_message_seq)`],
  },
  {
    version: 5,
    name: 'group membership periods, which bound what a member reads of a group history',
    statements: (d) => [
      // A serial id rather than (…, joined_at) as the key: it orders periods as they were opened
      // even when nodes' clocks disagree, and a join, quit and re-join in one millisecond still fit.
      // Periods go with their group (dismiss); quitting only closes them.
      `CREATE TABLE group_member_periods (
        id ${d.serial},
        app_key TEXT NOT NULL,
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        joined_at ${d.bigint} NOT NULL,
        left_at ${d.bigint},
        FOREIGN KEY (app_key, group_id) REFERENCES chat_groups (app_key, group_id) ON DELETE CASCADE
      )`,
      `CREATE INDEX group_member_periods_user ON group_member_periods (app_key, group_id, user_id, id)`,
      // Today's members keep the history sent since they joined.
      `INSERT INTO group_member_periods (app_key, group_id, user_id, joined_at, left_at)
       SELECT app_key, group_id, user_id, joined_at, NULL FROM group_members`,
    ],
  },
  {
    version: 6,
    name: 'the development app is recorded, not guessed',
    // Older stores get it from dev-app.json at the next start (core/apps/dev-app.ts).
    statements: () => [`ALTER TABLE apps ADD COLUMN development INTEGER NOT NULL DEFAULT 0`],
  },
  {
    version: 7,
    name: 'what happens to a message after it is sent: recall, edit, expansion',
    statements: (d) => [
      // The recall as JSON (Recall in @parley/protocol); recall_deleted, its isDelete, is what history filters on.
      `ALTER TABLE messages ADD COLUMN recall TEXT`,
      `ALTER TABLE messages ADD COLUMN recall_deleted INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE messages ADD COLUMN modified_time ${d.bigint}`,
      `ALTER TABLE messages ADD COLUMN expansion TEXT`,
      // On a message that carries a change (a recall command, an expansion update): the message it
      // changed. A pull finds where that message sits in the same inbox through it.
      `ALTER TABLE messages ADD COLUMN changes_seq ${d.bigint}`,
      // Each user's feed of edits (pullModifyMsg): one row per edited message they hold, moved to a
      // new version at each edit, so the feed grows with the messages edited and not with the edits.
      // Versions strictly increase per user.
      `CREATE TABLE message_edits (
        app_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        message_seq ${d.bigint} NOT NULL REFERENCES messages (seq) ON DELETE CASCADE,
        version ${d.bigint} NOT NULL,
        PRIMARY KEY (app_key, user_id, message_seq)
      )`,
      `CREATE UNIQUE INDEX message_edits_feed ON message_edits (app_key, user_id, version)`,
      `CREATE INDEX message_edits_message ON message_edits (message_seq)`,
    ],
  },
  {
    version: 8,
    name: 'directed group messages, read positions and group read receipts',
    statements: (d) => [
      // The users a directed group message went to, as a JSON array; NULL for the whole conversation.
      `ALTER TABLE messages ADD COLUMN directed_to TEXT`,
      // Whom a mentioning message mentions (rows.ts mentionedColumn), so unread mentions are counted
      // in the query, without reading contents.
      `ALTER TABLE messages ADD COLUMN mentioned TEXT`,
      // Unread is counted from what reached the viewer's inbox: a message's entry for one user is
      // one probe, however many members the message reached. It serves every lookup by message too.
      `CREATE INDEX inbox_message_user ON inbox (message_seq, user_id)`,
      `DROP INDEX inbox_message`,
      // A user's read position in each conversation (server-side unread): unread is counted from it.
      // `version` orders the changes of one user's positions, for incremental syncs.
      `CREATE TABLE read_positions (
        app_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        conversation_type INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        read_time ${d.bigint} NOT NULL,
        version ${d.bigint} NOT NULL,
        PRIMARY KEY (app_key, user_id, conversation_type, target_id)
      )`,
      `CREATE INDEX read_positions_version ON read_positions (app_key, user_id, version)`,
      // Retention forgets positions not moved since the oldest message it keeps.
      `CREATE INDEX read_positions_age ON read_positions (version)`,
      // Who read which group message (receipts v2); they go with their message.
      `CREATE TABLE group_reads (
        message_seq ${d.bigint} NOT NULL REFERENCES messages (seq) ON DELETE CASCADE,
        reader_id TEXT NOT NULL,
        read_time ${d.bigint} NOT NULL,
        PRIMARY KEY (message_seq, reader_id)
      )`,
    ],
  },
  {
    version: 9,
    name: 'what each user deleted or cleared, hidden from them alone',
    statements: (d) => [
      // Keyed by message first, so the marks go with their message (retention) through the key's own index.
      `CREATE TABLE deleted_messages (
        message_seq ${d.bigint} NOT NULL REFERENCES messages (seq) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        PRIMARY KEY (message_seq, user_id)
      )`,
      // One row per user and conversation: a later clear moves the instant, so rows never pile up.
      `CREATE TABLE cleared_conversations (
        app_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        conversation_key TEXT NOT NULL,
        cleared_through ${d.bigint} NOT NULL,
        PRIMARY KEY (app_key, user_id, conversation_key)
      )`,
      // Retention finds the clears older than what it keeps.
      `CREATE INDEX cleared_conversations_through ON cleared_conversations (cleared_through)`,
    ],
  },
  {
    version: 10,
    name: 'conversation states: pin and notification level, per user',
    statements: (d) => [
      // One row per user and conversation, kept apart from the conversation list: removing a
      // conversation keeps its mute for the message that brings it back. `version` orders one
      // user's changes, for incremental syncs (pullSeAtts).
      `CREATE TABLE conversation_states (
        app_key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        conversation_type INTEGER NOT NULL,
        target_id TEXT NOT NULL,
        is_top INTEGER NOT NULL,
        notification_level INTEGER NOT NULL,
        version ${d.bigint} NOT NULL,
        PRIMARY KEY (app_key, user_id, conversation_type, target_id)
      )`,
      `CREATE UNIQUE INDEX conversation_states_version ON conversation_states (app_key, user_id, version)`,
    ],
  },
];
