import {
  AckStatus,
  CLEAR_EVERYTHING,
  ConversationStateType,
  ConversationType,
  isNotificationLevel,
  isValidUserId,
  NotifyType,
  type SessionState,
} from '@parley/protocol';
import type { Bus } from '../../bus/bus.js';
import type { ConversationEntry, ConversationRef, ConversationState, ConversationStateChange, Store, StoredConversationType } from '../../store/store.js';
import type { MessageDeletion, NamedConversation } from './message-deletion.js';
import type { Refusal } from './message-service.js';

/** Conversations one request may name (setSeAtt, delRelationBatch, qryRLBatch); the Web SDK sends at most 100 for a lookup. */
export const MAX_CONVERSATIONS_PER_REQUEST = 100;
/** States per page of a sync; the SDK pulls the rest at its next s_cmd or its periodic sync. */
export const STATES_PAGE_SIZE = 1000;
/** States a user keeps at most (one per conversation they ever pinned or muted), so no user grows the table without bound. */
export const STATES_PER_USER = 10_000;

const STORED_TYPES: ReadonlySet<number> = new Set<StoredConversationType>([ConversationType.PRIVATE, ConversationType.GROUP, ConversationType.SYSTEM]);

/** The conversation a request names, checked: a type Parley keeps and a well-formed id. */
export function checkedConversation({ conversationType, targetId }: NamedConversation): ConversationRef | Refusal {
  if (!STORED_TYPES.has(conversationType)) return refuse(AckStatus.PARAMETER_INVALID, `conversation type ${conversationType} has no conversation states`);
  if (!isValidUserId(targetId)) return refuse(AckStatus.PARAMETER_INVALID, 'invalid target id');
  return { conversationType: conversationType as StoredConversationType, targetId };
}

/** The conversations of a request, all checked, 1 to MAX_CONVERSATIONS_PER_REQUEST of them, each once. */
export function checkedConversations(named: readonly NamedConversation[]): ConversationRef[] | Refusal {
  if (named.length === 0 || named.length > MAX_CONVERSATIONS_PER_REQUEST) return refuse(AckStatus.PARAMETER_INVALID, `1-${MAX_CONVERSATIONS_PER_REQUEST} conversations at a time`);
  const seen = new Map<string, ConversationRef>();
  for (const conversation of named) {
    const checked = checkedConversation(conversation);
    if ('ok' in checked) return checked;
    seen.set(`${checked.conversationType}\n${checked.targetId}`, checked);
  }
  return [...seen.values()];
}

/**
 * The changes a `setSeAtt` request asks for: per conversation, the pin ("1"/"0") and the
 * notification level (a NotificationLevel number). Tags and translation are not kept by Parley and
 * refused, as is any malformed value, so that nothing is half applied.
 */
export function changesOf(states: readonly SessionState[]): ConversationStateChange[] | Refusal {
  const conversations = checkedConversations(states.map((s) => ({ conversationType: s.type, targetId: s.channelId })));
  if ('ok' in conversations) return conversations;
  const changes = new Map<string, ConversationStateChange>();
  for (const state of states) {
    const change: ConversationStateChange = { conversationType: state.type as StoredConversationType, targetId: state.channelId };
    // One item of each state type at most: anything longer is not a request the SDKs make.
    if (state.stateItem.length === 0 || state.stateItem.length > Object.keys(ConversationStateType).length) {
      return refuse(AckStatus.PARAMETER_INVALID, 'a conversation needs 1 to 4 states to set');
    }
    for (const item of state.stateItem) {
      if (item.sessionStateType === ConversationStateType.IS_TOP) {
        if (item.value !== '0' && item.value !== '1') return refuse(AckStatus.PARAMETER_INVALID, 'isTop must be "0" or "1"');
        change.isTop = item.value === '1';
      } else if (item.sessionStateType === ConversationStateType.NOTIFICATION_LEVEL) {
        const level = /^-?\d{1,2}$/.test(item.value) ? Number(item.value) : NaN;
        if (!isNotificationLevel(level)) return refuse(AckStatus.PARAMETER_INVALID, `unknown notification level ${item.value}`);
        change.notificationLevel = level;
      } else {
        return refuse(AckStatus.OPERATION_NOT_SUPPORTED, `conversation state type ${item.sessionStateType} is not kept`);
      }
    }
    const key = `${change.conversationType}\n${change.targetId}`;
    changes.set(key, { ...changes.get(key), ...change });
  }
  return [...changes.values()];
}

/** The wire form of a state for pullSeAtts: its version is the `time` the SDK takes its own version from. */
export function sessionStateOf(state: ConversationState): SessionState {
  return {
    type: state.conversationType,
    channelId: state.targetId,
    time: state.version,
    stateItem: [
      { sessionStateType: ConversationStateType.IS_TOP, value: state.isTop ? '1' : '0', tags: [], time: state.version },
      { sessionStateType: ConversationStateType.NOTIFICATION_LEVEL, value: String(state.notificationLevel), tags: [], time: state.version },
    ],
  };
}

/**
 * Each user's conversation states (pin and notification level), kept on the server and versioned:
 * a change is stored, then the user's other online devices are told with an `s_cmd`
 * (NotifyType.CONVERSATION_STATES) carrying its version, and pull what changed after their own
 * (`pullSeAtts`); a new device pulls everything from 0. Also the user's hold on their conversation
 * list: removing conversations (their messages stay, unless the caller asks to clear them too) and
 * reading named ones. Everything here is the caller's own, keyed by their user id.
 */
export class ConversationStateService {
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly now: () => number,
    private readonly deletion: Pick<MessageDeletion, 'clearHistory'>,
  ) {}

  /**
   * Applies the changes, all or none. `clientVersion` is the version the device had: when it had
   * every earlier change, it may take the new version as its own (`updateVersion`).
   */
  async set(
    appKey: string,
    userId: string,
    states: readonly SessionState[],
    clientVersion: number,
    exceptSessionId?: string,
  ): Promise<{ ok: true; version: number; updateVersion: boolean } | Refusal> {
    const changes = changesOf(states);
    if ('ok' in changes) return changes;
    const result = await this.store.conversationStates.set(appKey, userId, changes, this.now(), STATES_PER_USER);
    if (result.kind === 'full') return refuse(AckStatus.PARAMETER_INVALID, `at most ${STATES_PER_USER} conversation states a user`);
    const version = result.states.at(-1)?.version ?? result.previous;
    const updateVersion = clientVersion >= result.previous;
    // A device that missed earlier changes takes the notice too, and pulls them.
    await this.announce(appKey, userId, version, updateVersion ? exceptSessionId : undefined);
    return { ok: true, version, updateVersion };
  }

  /** The user's states changed after `version`, oldest change first, a page at most. */
  changedAfter(appKey: string, userId: string, version: number): Promise<ConversationState[]> {
    return this.store.conversationStates.changedAfter(appKey, userId, Math.max(0, version), STATES_PAGE_SIZE);
  }

  /**
   * Takes conversations out of the user's list on every device (a new message brings one back);
   * their messages stay unless `clearMessages`, which clears them for the user as a history clear does.
   */
  async remove(appKey: string, userId: string, named: readonly NamedConversation[], clearMessages: boolean): Promise<{ ok: true } | Refusal> {
    const conversations = checkedConversations(named);
    if ('ok' in conversations) return conversations;
    if (clearMessages) {
      const cleared = await this.deletion.clearHistory(appKey, userId, conversations.map((c) => ({ ...c, through: CLEAR_EVERYTHING })));
      if (!cleared.ok) return cleared;
    }
    await this.store.conversationStates.unlist(appKey, userId, conversations);
    return { ok: true };
  }

  /** Of the named conversations, those in the user's list, with their last message. */
  async listed(appKey: string, userId: string, named: readonly NamedConversation[]): Promise<ConversationEntry[] | Refusal> {
    const conversations = checkedConversations(named);
    if ('ok' in conversations) return conversations;
    return this.store.conversationStates.listed(appKey, userId, conversations);
  }

  /** The states are stored: a lost notice only delays the other devices until their next sync. */
  private async announce(appKey: string, userId: string, version: number, exceptSessionId?: string): Promise<void> {
    await this.bus
      .publish({ kind: 'command', appKey, userIds: [userId], notifyType: NotifyType.CONVERSATION_STATES, time: version, exceptSessionId })
      .catch(() => undefined);
  }
}

function refuse(status: number, reason: string): Refusal {
  return { ok: false, status, reason };
}
