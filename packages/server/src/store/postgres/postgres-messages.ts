import type { Pool, PoolClient } from 'pg';
import { changeRecipients } from '../../core/messaging/change-rules.js';
import { fanOut, inboxesOf, inboxKey, type FanOut } from '../../core/messaging/inbox-fan-out.js';
import { WriteBatcher } from '../../core/messaging/write-batcher.js';
import type { AppendedMessage, ChangeOutcome, InboxEntry, MessageRepository, NewMessage, StoredMessage } from '../store.js';
import { notRecalledWithDelete, visibleInConversation, visibleTo } from '../hidden-messages.js';
import { applyChange, lockChangedMessages, unshowRecalled } from './postgres-message-changes.js';
import { inTransaction } from './postgres-transaction.js';
import { columnList, prepared, withValues } from './postgres-prepared.js';
import {
  CHANGES_CURSOR_JOIN,
  conversationFromRow,
  directedMatch,
  directedToColumn,
  inboxEntryFromRow,
  mentionedColumn,
  messageFromRow,
  PERSISTED,
  stripDelivery,
  windowBounds,
  type ConversationRow,
  type InboxRow,
  type MessageRow,
} from '../rows.js';

/** A new message with the row it got. */
interface InsertedMessage {
  message: NewMessage;
  seq: number;
}

/** A directed message shows in history only to its sender and the users it names ($7: the viewer, $8: directedMatch of it). */
const VISIBLE_TO_VIEWER = '(directed_to IS NULL OR sender_id = $7 OR strpos(directed_to, $8) > 0)';

/** What the viewer deleted or cleared stays out of their history ($1: the app, $7: the viewer, $2: the conversation). */
const NOT_HIDDEN_FROM_VIEWER = visibleInConversation('messages', '$1', '$7', '$2');

/** Every column of MessageRow, for the prepared statements that read messages. */
const MESSAGE_COLUMNS: Record<keyof MessageRow, true> = {
  seq: true,
  app_key: true,
  uid: true,
  conversation_type: true,
  target_id: true,
  conversation_key: true,
  sender_id: true,
  object_name: true,
  content: true,
  sent_time: true,
  flags: true,
  client_unique_id: true,
  recall: true,
  recall_deleted: true,
  modified_time: true,
  expansion: true,
  changes_seq: true,
  directed_to: true,
};

/** One pull: entries of one inbox after a cursor, at most `limit`. */
interface PullRequest {
  appKey: string;
  userId: string;
  afterCursor: number;
  limit: number;
}

/** The rows of one pull, given SQL expressions for its app, user, cursor and limit. */
const pullRows = (appKey: string, userId: string, afterCursor: string, limit: string) =>
  `SELECT i.cursor AS cursor, i.direction AS direction, ${columnList(MESSAGE_COLUMNS, 'm')}, ci.cursor AS changes_cursor
   FROM inbox i JOIN messages m ON m.seq = i.message_seq
   ${CHANGES_CURSOR_JOIN}
   WHERE i.app_key = ${appKey} AND i.user_id = ${userId} AND i.cursor > ${afterCursor} AND ${visibleTo('m', 'i.app_key', 'i.user_id')}
   ORDER BY i.cursor LIMIT ${limit}`;

const PULL_INBOX = prepared('parley_pull_inbox', pullRows('$1', '$2', '$3', '$4'));

/**
 * Several pulls in one statement, each request's rows in cursor order after its position (from 1).
 * A pull follows every notice, so under load many arrive in the same turn; one statement for them
 * saves the node a round trip, a write and a reply to parse per pull. For fewer than
 * BATCHED_PULLS_FROM requests PostgreSQL keeps planning it anew (its estimate of the unnest is 100
 * rows), which costs more than it saves: those are read one by one with PULL_INBOX.
 */
const PULL_INBOXES = prepared(
  'parley_pull_inboxes',
  `SELECT k.position AS position, e.*
   FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[]) WITH ORDINALITY AS k (app_key, user_id, after_cursor, max_entries, position)
   CROSS JOIN LATERAL (${pullRows('k.app_key', 'k.user_id', 'k.after_cursor', 'k.max_entries')}) e
   ORDER BY k.position, e.cursor`,
);
const BATCHED_PULLS_FROM = 8;
/** Pulls one statement reads at most; more wait for the next. */
const MAX_PULLS_PER_STATEMENT = 500;
/** Pull statements under way at once, leaving the rest of the pool to writes and other reads. */
const PULLS_IN_FLIGHT = 4;

/** The batch's messages in input order (so `seq` follows it), skipping retries of stored ones. */
const INSERT_MESSAGES = prepared(
  'parley_insert_messages',
  `INSERT INTO messages (app_key, uid, conversation_type, target_id, conversation_key, sender_id, object_name, content,
     sent_time, flags, client_unique_id, expansion, changes_seq, directed_to, mentioned)
   SELECT app_key, uid, conversation_type, target_id, conversation_key, sender_id, object_name, content,
     sent_time, flags, client_unique_id, expansion, changes_seq, directed_to, mentioned
   FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
     $9::bigint[], $10::int[], $11::text[], $12::text[], $13::bigint[], $14::text[], $15::text[])
     WITH ORDINALITY AS t (app_key, uid, conversation_type, target_id, conversation_key, sender_id, object_name, content,
       sent_time, flags, client_unique_id, expansion, changes_seq, directed_to, mentioned, position)
   ORDER BY position
   ON CONFLICT (app_key, sender_id, client_unique_id) WHERE client_unique_id IS NOT NULL DO NOTHING
   RETURNING seq, uid, app_key, sender_id, client_unique_id`,
);

/**
 * Locks the head of every inbox given (creating it at 0 if new) and reads its last cursor. The row
 * locks last until commit, so concurrent appends to one inbox, from any node, take turns from here:
 * each reads the cursor the previous one committed. Heads are locked in key order so that two
 * batches sharing several inboxes cannot deadlock. The no-op update is what takes the lock.
 */
const LOCK_HEADS = prepared(
  'parley_lock_inbox_heads',
  `INSERT INTO inbox_heads (app_key, user_id, last_cursor)
   SELECT app_key, user_id, 0 FROM unnest($1::text[], $2::text[]) AS t (app_key, user_id) ORDER BY app_key, user_id
   ON CONFLICT (app_key, user_id) DO UPDATE SET last_cursor = inbox_heads.last_cursor
   RETURNING app_key, user_id, last_cursor`,
);

/**
 * A batch's inbox entries ($1–$5), its inboxes' new last cursors ($6–$8) and the conversation rows it
 * points at its messages ($9–$14), in one statement: one round trip instead of three. The three parts
 * write three different tables, so none sees or touches another's rows. Conversation rows are
 * upserted sorted, so that concurrent batches lock them in one order.
 */
const WRITE_FAN_OUT = prepared(
  'parley_write_fan_out',
  `WITH new_entries AS (
     INSERT INTO inbox (app_key, user_id, cursor, direction, message_seq)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::bigint[])
   ), advanced_heads AS (
     UPDATE inbox_heads h SET last_cursor = t.last_cursor
     FROM unnest($6::text[], $7::text[], $8::bigint[]) AS t (app_key, user_id, last_cursor)
     WHERE h.app_key = t.app_key AND h.user_id = t.user_id
   )
   INSERT INTO conversations (app_key, user_id, conversation_type, target_id, version_time, last_message_seq)
   SELECT * FROM unnest($9::text[], $10::text[], $11::int[], $12::text[], $13::bigint[], $14::bigint[])
     AS t (app_key, user_id, conversation_type, target_id, version_time, last_message_seq)
   ORDER BY app_key, user_id, conversation_type, target_id
   ON CONFLICT (app_key, user_id, conversation_type, target_id)
   DO UPDATE SET version_time = excluded.version_time, last_message_seq = excluded.last_message_seq`,
);

export function postgresMessages(pool: Pool): MessageRepository {
  // The group commit's gathering serves reads as well: the pulls of one turn go out together. Reads
  // need no order among themselves, so each batch lets the next start at once.
  const pulls = new WriteBatcher<PullRequest, InboxEntry[]>(
    (requests, ordered) => {
      ordered();
      return pullInboxes(pool, requests);
    },
    MAX_PULLS_PER_STATEMENT,
    PULLS_IN_FLIGHT,
  );
  return {
    append: (messages, ordered) => inTransaction(pool, (client) => appendBatch(client, messages, ordered)),
    pullInbox: (appKey, userId, afterCursor, limit) => pulls.write({ appKey, userId, afterCursor, limit }),
    history: async (appKey, conversationKey, viewer, time, older, limit, window) => {
      const { rows } = await pool.query<MessageRow>(
        older
          ? `SELECT * FROM messages WHERE app_key = $1 AND conversation_key = $2 AND sent_time < $3 AND sent_time >= $4 AND sent_time < $5
             AND (flags & ${PERSISTED}) <> 0 AND ${notRecalledWithDelete('messages')} AND ${VISIBLE_TO_VIEWER} AND ${NOT_HIDDEN_FROM_VIEWER} ORDER BY sent_time DESC, seq DESC LIMIT $6`
          : `SELECT * FROM messages WHERE app_key = $1 AND conversation_key = $2 AND sent_time > $3 AND sent_time >= $4 AND sent_time < $5
             AND (flags & ${PERSISTED}) <> 0 AND ${notRecalledWithDelete('messages')} AND ${VISIBLE_TO_VIEWER} AND ${NOT_HIDDEN_FROM_VIEWER} ORDER BY sent_time, seq LIMIT $6`,
        [appKey, conversationKey, time, ...windowBounds(window), limit, viewer, directedMatch(viewer)],
      );
      return rows.map(messageFromRow);
    },
    conversations: async (appKey, userId, before, limit) => {
      const { rows } = await pool.query<ConversationRow>(
        `SELECT c.conversation_type AS c_type, c.target_id AS c_target, c.version_time AS c_version, m.*
         FROM conversations c JOIN messages m ON m.seq = c.last_message_seq
         WHERE c.app_key = $1 AND c.user_id = $2 AND ($3::bigint = 0 OR c.version_time < $3::bigint) AND ${visibleTo('m', 'c.app_key', 'c.user_id')}
         ORDER BY c.version_time DESC LIMIT $4`,
        [appKey, userId, before, limit],
      );
      return rows.map(conversationFromRow);
    },
    purgeBefore: async (instant, limit) => {
      // One statement: the conversations that end in a purged message go with it, and inbox rows
      // cascade. SKIP LOCKED lets the retention sweeps of several nodes share the work without waiting.
      const { rowCount } = await pool.query(
        `WITH doomed AS (
           SELECT seq FROM messages WHERE sent_time < $1 ORDER BY sent_time LIMIT $2 FOR UPDATE SKIP LOCKED
         ), dropped_conversations AS (
           DELETE FROM conversations WHERE last_message_seq IN (SELECT seq FROM doomed)
         )
         DELETE FROM messages WHERE seq IN (SELECT seq FROM doomed)`,
        [instant, limit],
      );
      return rowCount ?? 0;
    },
  };
}

/** The entries of each request, in request order. */
async function pullInboxes(pool: Pool, requests: PullRequest[]): Promise<InboxEntry[][]> {
  if (requests.length < BATCHED_PULLS_FROM) {
    return Promise.all(
      requests.map(async (r) => (await pool.query<InboxRow>(withValues(PULL_INBOX, [r.appKey, r.userId, r.afterCursor, r.limit]))).rows.map(inboxEntryFromRow)),
    );
  }
  const { rows } = await pool.query<InboxRow & { position: number }>(
    withValues(PULL_INBOXES, [requests.map((r) => r.appKey), requests.map((r) => r.userId), requests.map((r) => r.afterCursor), requests.map((r) => r.limit)]),
  );
  const entries = requests.map((): InboxEntry[] => []);
  for (const row of rows) entries[row.position - 1]?.push(inboxEntryFromRow(row));
  return entries;
}

/**
 * Stores a batch in a fixed number of statements, whatever its size: the write batcher hands over up
 * to hundreds of sends at once, and a round trip per row would make the database the bottleneck.
 */
async function appendBatch(client: PoolClient, messages: NewMessage[], ordered?: () => void): Promise<AppendedMessage[]> {
  // A send retried within the batch is answered with the result of its first copy.
  const firstWithRetryKey = new Map<string, number>();
  const earlierCopy = messages.map((m, i) => {
    const key = retryKey(m);
    if (key === undefined) return undefined;
    const first = firstWithRetryKey.get(key);
    if (first === undefined) firstWithRetryKey.set(key, i);
    return first;
  });
  const firstCopies = messages.filter((_, i) => earlierCopy[i] === undefined);
  // Changes apply one at a time, in batch order, under the row locks of every message the batch
  // changes; a message whose change does not apply is not stored, and one whose change applies goes
  // to the changed message's holders. A retry of a stored message changes nothing again.
  const changing: { message: NewMessage; change: NonNullable<NewMessage['change']> }[] = [];
  for (const message of firstCopies) if (message.change && !(await isStoredRetry(client, message))) changing.push({ message, change: message.change });
  await lockChangedMessages(client, changing.map(({ message, change }) => ({ appKey: message.appKey, uid: change.uid })));
  const changes = new Map<NewMessage, { outcome: ChangeOutcome; changedSeq: number }>();
  for (const { message, change } of changing) changes.set(message, await applyChange(client, message.appKey, message.senderId, change, message.sentTime));
  const candidates = firstCopies.flatMap((m) => {
    const outcome = changes.get(m)?.outcome;
    if (!outcome) return [m];
    return outcome.kind === 'applied' ? [{ ...m, recipients: changeRecipients(outcome.holders, m.senderId) }] : [];
  });

  const changedSeqs = new Map([...changes].map(([m, { changedSeq }]) => [m.uid, changedSeq]));
  const seqs = await insertMessages(client, candidates, (m) => changedSeqs.get(m.uid) ?? null);
  const inserted: InsertedMessage[] = [];
  const retriesOfStored: NewMessage[] = [];
  for (const message of candidates) {
    const seq = seqs.get(insertKey(message));
    if (seq === undefined) retriesOfStored.push(message);
    else inserted.push({ message, seq });
  }
  const storedBefore = await findStoredRetries(client, retriesOfStored);
  const fanned = await fanOutLocked(client, inserted);
  // The batch's messages have their seqs and it holds the head of every inbox it writes to: a later
  // batch, from this node or another, that writes to one of them waits for this commit and reads the
  // cursors it leaves, so it may start now.
  ordered?.();
  await writeFanOut(client, inserted, fanned);
  // Only a recall applies to a message and leaves it recalled: the others refuse recalled messages.
  for (const [message, { outcome, changedSeq }] of changes) {
    if (outcome.kind === 'applied' && outcome.message.recall?.isDelete) await unshowRecalled(client, message.appKey, changedSeq, outcome.message.conversationKey);
  }

  const cursorsBySeq = new Map(inserted.map(({ seq }, i) => [seq, (fanned.entries[i] ?? []).map(({ userId, cursor }) => ({ userId, cursor }))]));

  const results: AppendedMessage[] = [];
  for (const [i, message] of messages.entries()) {
    const first = earlierCopy[i];
    const seq = seqs.get(insertKey(message));
    const change = changes.get(message);
    if (first !== undefined) {
      results.push({ message: resultAt(results, first).message, duplicate: true, cursors: [] });
    } else if (change && change.outcome.kind !== 'applied') {
      results.push({ message: stripDelivery(message), duplicate: false, cursors: [], change: change.outcome });
    } else if (seq !== undefined) {
      results.push({ message: stripDelivery(message), duplicate: false, cursors: cursorsBySeq.get(seq) ?? [], ...(change ? { change: change.outcome } : {}) });
    } else {
      const stored = storedBefore.get(retryKey(message) ?? '');
      if (!stored) throw new Error(`message ${message.uid} was neither stored nor a retry of a stored message`);
      results.push({ message: stored, duplicate: true, cursors: [] });
    }
  }
  return results;
}

/**
 * Inserts in input order (so `seq` follows it) and skips retries of messages stored before; returns
 * the seq of each inserted message by insertKey. A retry racing its first copy on another node waits
 * for that transaction and is skipped once it commits.
 */
async function insertMessages(client: PoolClient, messages: NewMessage[], changedSeqOf: (m: NewMessage) => number | null): Promise<Map<string, number>> {
  if (messages.length === 0) return new Map();
  const { rows } = await client.query<Pick<MessageRow, 'seq' | 'uid' | 'app_key' | 'sender_id' | 'client_unique_id'>>(
    withValues(INSERT_MESSAGES, [
      messages.map((m) => m.appKey),
      messages.map((m) => m.uid),
      messages.map((m) => m.conversationType),
      messages.map((m) => m.targetId),
      messages.map((m) => m.conversationKey),
      messages.map((m) => m.senderId),
      messages.map((m) => m.objectName),
      messages.map((m) => m.content),
      messages.map((m) => m.sentTime),
      messages.map((m) => m.flags),
      messages.map((m) => m.clientUniqueId ?? null),
      messages.map((m) => m.expansion ?? null),
      messages.map(changedSeqOf),
      messages.map((m) => directedToColumn(m.toUserIds)),
      messages.map(mentionedColumn),
    ]),
  );
  return new Map(
    rows.map((row) => [insertKey({ uid: row.uid, appKey: row.app_key, senderId: row.sender_id, clientUniqueId: row.client_unique_id ?? undefined }), row.seq]),
  );
}

/** The stored messages that the given retries repeat, by retryKey. */
async function findStoredRetries(client: PoolClient, retries: NewMessage[]): Promise<Map<string, StoredMessage>> {
  if (retries.length === 0) return new Map();
  const { rows } = await client.query<MessageRow>(
    `SELECT m.* FROM messages m
     JOIN unnest($1::text[], $2::text[], $3::text[]) AS k (app_key, sender_id, client_unique_id)
       ON m.app_key = k.app_key AND m.sender_id = k.sender_id AND m.client_unique_id = k.client_unique_id`,
    [retries.map((m) => m.appKey), retries.map((m) => m.senderId), retries.map((m) => m.clientUniqueId)],
  );
  const found = new Map<string, StoredMessage>();
  for (const row of rows) {
    const message = messageFromRow(row);
    found.set(retryKey(message) ?? '', message);
  }
  return found;
}

/**
 * What the batch writes to inboxes and conversations (inbox-fan-out.ts). Cursors follow each inbox's
 * last cursor, read under the row lock of its head, so they stay strictly increasing however the
 * nodes' clocks differ.
 */
async function fanOutLocked(client: PoolClient, inserted: InsertedMessage[]): Promise<FanOut> {
  const messages = inserted.map(({ message }) => message);
  const inboxes = inboxesOf(messages);
  const lastCursor = new Map<string, number>();
  if (inboxes.length > 0) {
    const { rows: heads } = await client.query<{ app_key: string; user_id: string; last_cursor: number }>(
      withValues(LOCK_HEADS, [inboxes.map((i) => i.appKey), inboxes.map((i) => i.userId)]),
    );
    for (const head of heads) lastCursor.set(inboxKey(head.app_key, head.user_id), head.last_cursor);
  }
  return fanOut(messages, (_appKey, userId, key) => {
    const previous = lastCursor.get(key);
    if (previous === undefined) throw new Error(`the inbox head of ${userId} was not locked`);
    return previous;
  });
}

/** Writes the inbox rows, heads and conversation rows of fanOutLocked(). */
async function writeFanOut(client: PoolClient, inserted: InsertedMessage[], fanned: FanOut): Promise<void> {
  // Conversations come from inbox entries: a batch without entries changes nothing.
  if (fanned.heads.size === 0) return;
  const rows = inserted.flatMap(({ message, seq }, i) => (fanned.entries[i] ?? []).map((entry) => ({ appKey: message.appKey, seq, ...entry })));
  const heads = [...fanned.heads.values()];
  const { conversations } = fanned;
  await client.query(
    withValues(WRITE_FAN_OUT, [
      rows.map((r) => r.appKey),
      rows.map((r) => r.userId),
      rows.map((r) => r.cursor),
      rows.map((r) => r.direction),
      rows.map((r) => r.seq),
      heads.map((h) => h.appKey),
      heads.map((h) => h.userId),
      heads.map((h) => h.cursor),
      conversations.map((c) => c.appKey),
      conversations.map((c) => c.userId),
      conversations.map((c) => c.conversationType),
      conversations.map((c) => c.targetId),
      conversations.map((c) => c.versionTime),
      conversations.map((c) => inserted[c.messageIndex]?.seq),
    ]),
  );
}

/** Whether a message with this retry key is stored already (by an earlier batch). */
async function isStoredRetry(client: PoolClient, m: NewMessage): Promise<boolean> {
  if (m.clientUniqueId === undefined) return false;
  const { rowCount } = await client.query('SELECT 1 FROM messages WHERE app_key = $1 AND sender_id = $2 AND client_unique_id = $3', [m.appKey, m.senderId, m.clientUniqueId]);
  return (rowCount ?? 0) > 0;
}

/** What makes a send a retry of another: the same client id from the same sender in the same app. */
function retryKey(m: Pick<StoredMessage, 'appKey' | 'senderId' | 'clientUniqueId'>): string | undefined {
  return m.clientUniqueId === undefined ? undefined : JSON.stringify([m.appKey, m.senderId, m.clientUniqueId]);
}

/**
 * Tells inserted rows apart. The uid alone is not enough in the corner case of a batch where a
 * retry of a stored message (skipped) carries the same uid as a new message (inserted).
 */
function insertKey(m: Pick<StoredMessage, 'uid' | 'appKey' | 'senderId' | 'clientUniqueId'>): string {
  return JSON.stringify([m.uid, m.appKey, m.senderId, m.clientUniqueId ?? null]);
}

function resultAt(results: AppendedMessage[], index: number): AppendedMessage {
  const result = results[index];
  if (!result) throw new Error(`no result at ${index}`);
  return result;
}

