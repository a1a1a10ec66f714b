import { ChangeMessageType, MessageDirection, MessageFlag } from '@parley/protocol';
import { visibleInConversation } from './hidden-messages.js';
import { MENTIONS_EVERYONE } from './rows.js';
import type { UnreadMessages } from './store.js';

/** Where unreadQuery finds its inputs: SQL expressions in the backend's own syntax. */
export interface UnreadParameters {
  appKey: string;
  viewer: string;
  key: string;
  from: string;
  to: string;
  /** NULL for every sender; typed where the backend needs it. */
  senderId: string;
  scanLimit: string;
  /** directedMatch of the viewer, as the `mentioned` column names them. */
  directed: string;
  /** The backend's "`text` contains `part`" (NULL when `text` is). */
  contains(text: string, part: string): string;
}

const COUNTED = `(flags & ${MessageFlag.COUNTED}) <> 0 AND recall IS NULL`;

/**
 * The unread of one conversation (ReadRepository.unread) in one statement, written once for both
 * backends. Its cost is bounded whatever the backlog: it looks at the newest `scanLimit` messages
 * of the window (one index range), each checked with one probe of the viewer's inbox entry and one
 * of their deletions, once (what they leave is materialized for the sums over it); mentions are
 * counted from the `mentioned` column, never from contents.
 *
 * Unread is what reached the viewer's inbox, received: whatever else is written under the
 * conversation's key (another user's own copy, a directed message for others) never counts.
 */
export function unreadQuery(p: UnreadParameters): string {
  const namesViewer = p.contains('mentioned', p.directed);
  return `WITH scanned AS (
      SELECT seq, uid, sent_time, object_name, flags, recall, recall_deleted, mentioned FROM messages
      WHERE app_key = ${p.appKey} AND conversation_key = ${p.key} AND sent_time >= ${p.from} AND sent_time < ${p.to}
        AND (${p.senderId} IS NULL OR sender_id = ${p.senderId})
      ORDER BY sent_time DESC, seq DESC LIMIT ${p.scanLimit}
    ), received AS MATERIALIZED (
      SELECT s.seq, s.uid, s.sent_time, s.object_name, s.flags, s.recall, s.mentioned FROM scanned s
      WHERE EXISTS (SELECT 1 FROM inbox i WHERE i.message_seq = s.seq AND i.user_id = ${p.viewer} AND i.app_key = ${p.appKey}
          AND i.direction = ${MessageDirection.RECEIVE})
        AND ${visibleInConversation('s', p.appKey, p.viewer, p.key)}
    ), counted AS (
      SELECT * FROM received WHERE ${COUNTED}
    )
    SELECT
      (SELECT COUNT(*) FROM counted) AS count,
      (SELECT COUNT(*) FROM counted WHERE mentioned = '${MENTIONS_EVERYONE}' OR ${namesViewer}) AS mention_count,
      (SELECT COUNT(*) FROM counted WHERE ${namesViewer}) AS mention_me_count,
      (SELECT COALESCE(MAX(sent_time), 0) FROM received WHERE (${COUNTED}) OR object_name = '${ChangeMessageType.RECALL_COMMAND}') AS newest,
      f.uid AS first_uid, f.sent_time AS first_sent_time, f.object_name AS first_object_name
    FROM (SELECT 1 AS one) o LEFT JOIN (SELECT uid, sent_time, object_name FROM counted ORDER BY sent_time, seq LIMIT 1) f ON 1 = 1`;
}

export interface UnreadRow {
  count: number;
  mention_count: number;
  mention_me_count: number;
  newest: number;
  first_uid: string | null;
  first_sent_time: number | null;
  first_object_name: string | null;
}

export function unreadFromRow(row: UnreadRow): UnreadMessages {
  return {
    count: row.count,
    mentionCount: row.mention_count,
    mentionMeCount: row.mention_me_count,
    first: row.first_uid === null ? undefined : { uid: row.first_uid, sentTime: row.first_sent_time ?? 0, objectName: row.first_object_name ?? '' },
    newest: row.newest,
  };
}
