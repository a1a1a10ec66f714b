import { IMError } from '../client.js';
import type { ConnectionStatus, DatabaseOpenStatus } from '../enums.js';
import type { InitOptions } from '../options.js';

/**
 * What crosses between a tab's IMClient and the host that holds the shared connection (a shared
 * worker, or the leader tab): every message, the names of the worker, locks and channel, and how
 * arguments, results and errors are carried. Everything here survives structured clone.
 */

/** The IMClient calls a tab answers itself; every other public method goes to the host (FORWARDED_METHODS). */
export const LOCAL_METHODS = [
  'init',
  'connect',
  'connectAsync',
  'disconnect',
  'logout',
  'getCurrentConnectionStatus',
  'getCurrentUserId',
  'addConnectionStatusListener',
  'removeConnectionStatusListener',
  'addMessageListener',
  'removeMessageListener',
  'addMessageChangeListener',
  'removeMessageChangeListener',
  'addTypingStatusListener',
  'removeTypingStatusListener',
  'addReadReceiptListener',
  'removeReadReceiptListener',
  'addUserStatusListener',
  'removeUserStatusListener',
  'addConversationStateListener',
  'removeConversationStateListener',
] as const;

/** The calls the host runs on the shared client, by name, with the tab's arguments. */
export const FORWARDED_METHODS = [
  'sendMessage',
  'sendImageMessage',
  'sendFileMessage',
  'uploadFile',
  'getHistoryMessages',
  'joinChatRoom',
  'joinExistChatRoom',
  'quitChatRoom',
  'sendChatRoomMessage',
  'sendChatRoomStatusMessage',
  'getChatRoomInfo',
  'getChatRoomHistoryMessages',
  'setChatRoomEntry',
  'removeChatRoomEntry',
  'getAllChatRoomEntries',
  'recallMessage',
  'modifyMessage',
  'sendMessageWithExpansion',
  'updateMessageExpansion',
  'removeMessageExpansionForKey',
  'getMessageExpansion',
  'deleteMessages',
  'clearHistoryMessages',
  'getConversationList',
  'getConversation',
  'setConversationToTop',
  'setConversationNotificationLevel',
  'removeConversation',
  'sendTypingStatus',
  'sendReadReceipt',
  'sendReadReceiptResponse',
  'getMessageReader',
  'markConversationAsRead',
  'getUnreadCount',
  'subscribeUserStatus',
  'unsubscribeUserStatus',
  'getSubscribedUserStatus',
] as const;
export type ForwardedMethod = (typeof FORWARDED_METHODS)[number];
const forwarded: ReadonlySet<string> = new Set(FORWARDED_METHODS);
export const isForwardedMethod = (name: string): name is ForwardedMethod => forwarded.has(name);

/** Sends whose result the user's other tabs also hear, as a message sent from another device of theirs. */
export const SENDING_METHODS: ReadonlySet<ForwardedMethod> = new Set(['sendMessage', 'sendMessageWithExpansion', 'sendImageMessage', 'sendFileMessage']);

/** The listeners' events, as the host forwards them to each attached tab. */
export type TabEvent = 'message' | 'change' | 'typing' | 'receipt' | 'user-status' | 'conversation-states';

export type TabToHost =
  | { kind: 'hello'; tab: string }
  /** Leader mode: a tab that just opened asks who hosts; the host answers with host-up. */
  | { kind: 'who-hosts' }
  /**
   * Join (or open) the user's shared connection. `resume`: the tab was attached to a host that
   * died; it re-attaches without callbacks.
   */
  | { kind: 'connect'; tab: string; request: number; appKey: string; options: InitOptions; token: string; userId: string | undefined; resume: boolean }
  /** The tab disconnected, timed out or is closing: the connection stays for the other tabs. */
  | { kind: 'leave'; tab: string }
  | { kind: 'logout'; tab: string }
  /** `clientId`: a send's idempotent id, chosen by the tab so that asking again after a host change sends once. */
  | { kind: 'call'; tab: string; request: number; method: ForwardedMethod; args: unknown[]; clientId: string | undefined };

export type HostToTab =
  | { kind: 'host-up'; host: string }
  | { kind: 'database-opened'; request: number; status: DatabaseOpenStatus; userId: string }
  | { kind: 'connected'; request: number; userId: string }
  | { kind: 'connect-failed'; request: number; code: number }
  | { kind: 'status'; status: ConnectionStatus; code: number | undefined }
  | { kind: 'event'; event: TabEvent; payload: unknown }
  | { kind: 'result'; request: number; ok: true; value: unknown }
  | { kind: 'result'; request: number; ok: false; error: CarriedError }
  /** A callback argument of a forwarded call (an upload's progress) was called in the host. */
  | { kind: 'callback'; request: number; key: string; args: unknown[] };

/** The envelope on the wire: BroadcastChannel traffic of other code is told apart by `parley`. */
export type Envelope = { parley: 'tab'; message: TabToHost } | { parley: 'host'; to: string | undefined; message: HostToTab };

export function isEnvelope(data: unknown): data is Envelope {
  return typeof data === 'object' && data !== null && ((data as Envelope).parley === 'tab' || (data as Envelope).parley === 'host');
}

// Names are per App Key; the browser already keeps workers, locks and channels per origin.
export const sharedWorkerName = (appKey: string) => `parley:${appKey}`;
export const appKeyOfWorkerName = (name: string) => (name.startsWith('parley:') ? name.slice('parley:'.length) : undefined);
/** Held by the host for its whole life: waiting for it is how the others learn that the host died. */
export const hostLockName = (appKey: string) => `parley-host:${appKey}`;
/** Held by each tab for its whole life: the host learns that a tab closed or crashed when it is released. */
export const tabLockName = (tab: string) => `parley-tab:${tab}`;
export const channelName = (appKey: string) => `parley-tabs:${appKey}`;

export type CarriedError = { code: number; message: string } | { code: undefined; message: string };

export function carryError(error: unknown): CarriedError {
  if (error instanceof IMError) return { code: error.code, message: error.message };
  return { code: undefined, message: error instanceof Error ? error.message : String(error) };
}

export function restoreError(error: CarriedError): Error {
  return error.code === undefined ? new Error(error.message) : new IMError(error.code);
}

/** Functions cannot cross: a function in an options object travels as this marker and is called back by message. */
interface CallbackMarker {
  parleyCallback: string;
}

/** Replaces the functions found one level into plain-object arguments with markers; `callbacks` keeps them by key. */
export function carryArgs(args: readonly unknown[]): { args: unknown[]; callbacks: Map<string, (...a: unknown[]) => void> } {
  const callbacks = new Map<string, (...a: unknown[]) => void>();
  const carried = args.map((arg, index) => {
    if (!isPlainObject(arg)) return arg;
    const copy: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(arg)) {
      if (typeof value !== 'function') {
        copy[name] = value;
        continue;
      }
      const key = `${index}.${name}`;
      callbacks.set(key, value as (...a: unknown[]) => void);
      copy[name] = { parleyCallback: key } satisfies CallbackMarker;
    }
    return copy;
  });
  return { args: carried, callbacks };
}

/** The host's side of carryArgs: each marker becomes a function that reports its calls through `call`. */
export function restoreArgs(args: readonly unknown[], call: (key: string, args: unknown[]) => void): unknown[] {
  return args.map((arg) => {
    if (!isPlainObject(arg)) return arg;
    const copy: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(arg)) {
      const key = isPlainObject(value) && typeof value.parleyCallback === 'string' ? value.parleyCallback : undefined;
      copy[name] = key === undefined ? value : (...a: unknown[]) => call(key, a);
    }
    return copy;
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A random id for a tab or a host (crypto.randomUUID needs a secure context; this does not). */
export function randomId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
