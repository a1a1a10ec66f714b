import { ConversationType } from '@parley/protocol';
import type { StoredConversationType } from '../../store/store.js';

/**
 * The key both sides of a conversation share, so history is one index range: a group is its id; a
 * private chat is the two user ids in a fixed order; a system conversation is its recipient's. The
 * length prefix keeps `a`+`bc` apart from `ab`+`c`, whatever characters ids contain.
 */
export function conversationKey(type: StoredConversationType, userA: string, userBOrGroup: string): string {
  switch (type) {
    case ConversationType.GROUP:
      return `g:${userBOrGroup}`;
    case ConversationType.SYSTEM:
      return `s:${userA}`;
    case ConversationType.PRIVATE: {
      const [first, second] = userA <= userBOrGroup ? [userA, userBOrGroup] : [userBOrGroup, userA];
      return `p:${first.length}:${first}${second}`;
    }
  }
}
