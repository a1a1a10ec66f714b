import type { DeletionRepository } from '../store.js';
import type { InboxTail } from './inbox-tail.js';
import type { MessageWriterThread } from './writer/writer-thread.js';

/**
 * Per-user deletes and clears: written by the writer thread (writer/deletion-writer.ts), then the
 * user's inbox tail stops answering, since it may hold what they just hid.
 */
export function sqliteDeletions(writer: MessageWriterThread, tail: InboxTail): DeletionRepository {
  return {
    hide: async (appKey, userId, conversation, uids) => {
      const result = await writer.deletion({ kind: 'hide', appKey, userId, conversation, uids });
      if (result.missing.length === 0) tail.forget(appKey, userId);
      return result;
    },
    clear: async (appKey, userId, clears) => {
      await writer.deletion({ kind: 'clear', appKey, userId, clears });
      tail.forget(appKey, userId, Math.max(0, ...clears.map((c) => c.through)));
    },
    purgeClears: (instant, limit) => writer.deletion({ kind: 'purge-clears', instant, limit }),
  };
}
