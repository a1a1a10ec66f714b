import { AckStatus } from './codes.js';
import { parseJsonObject } from './json-object.js';
import { ReadStateMessageType } from './read-state.js';

/**
 * What changes a message after it was sent: recall, edit and expansion, as the official SDKs
 * (`@rongcloud/engine` 5.38, `@rongcloud/electron` 5.46) write and read them. Server and client
 * share these rules, so a limit or a shape is written once.
 */

/** Object names of the messages that carry a change, or that a change turns a message into. */
export const ChangeMessageType = {
  /** A recall, sent on `recallMsg` and delivered like a message; content: {@link RecallCommand}. */
  RECALL_COMMAND: 'RC:RcCmd',
  /** What a recalled message shows as in history, conversation lists and pulls (content: recallNotificationContent). */
  RECALL_NOTIFICATION: 'RC:RcNtf',
  /** An expansion update, sent as an ordinary message; content: {@link ExpansionUpdate}. */
  EXPANSION_UPDATE: 'RC:MsgExMsg',
} as const;

/**
 * Messages that carry state, not content: changes, read state, typing. None of them can be
 * recalled, edited or expanded.
 */
export const STATE_ONLY_MESSAGE_TYPES: ReadonlySet<string> = new Set([
  ChangeMessageType.RECALL_COMMAND,
  ChangeMessageType.EXPANSION_UPDATE,
  ...Object.values(ReadStateMessageType),
]);

/** `DownStreamMessage.extStatus` bit the SDKs read as "edited" (`isModifyMessage`). */
export const EXT_STATUS_MODIFIED = 4;
/** `ModifyMsg.modifyType` of an edit: the only one the Web SDK asks for and reads. */
export const MODIFY_TYPE_EDIT = 1;

/** `DownStreamMessage.convertExt` of an edited message: the SDKs read `modify.time` as `modifyInfo.timestamp`. */
export function modifyConvertExt(time: number): string {
  return JSON.stringify({ modify: { time } });
}

/** The content of an `RC:RcCmd`, as the Web SDK and the native stack build it. */
export interface RecallCommand {
  conversationType: number;
  targetId: string;
  messageUId: string;
  sentTime: number;
  isDelete: boolean;
  isAdmin: boolean;
  extra?: string;
  channelId?: string;
}

/** An `RC:RcCmd` content read leniently (the native stack leaves out isAdmin); undefined when it names no message. */
export function parseRecallCommand(content: string): RecallCommand | undefined {
  const c = parseJsonObject(content);
  if (!c || typeof c.messageUId !== 'string' || c.messageUId === '' || typeof c.targetId !== 'string' || typeof c.conversationType !== 'number') return undefined;
  return {
    conversationType: c.conversationType,
    targetId: c.targetId,
    messageUId: c.messageUId,
    sentTime: typeof c.sentTime === 'number' ? c.sentTime : 0,
    isDelete: c.isDelete === true,
    isAdmin: c.isAdmin === true,
    ...(typeof c.extra === 'string' ? { extra: c.extra } : {}),
    ...(typeof c.channelId === 'string' && c.channelId !== '' ? { channelId: c.channelId } : {}),
  };
}

/** What is kept of a recall with the recalled message. */
export interface Recall {
  /** Who recalled it: its sender, or for an admin recall the user the Server API named. */
  operatorId: string;
  /** When the recall took effect, ms: the recall command's sent time. */
  time: number;
  isDelete: boolean;
  admin: boolean;
  extra?: string;
}

/**
 * The `RC:RcNtf` content a recalled message shows as: the fields both SDKs set when they turn a
 * recall command into a notification themselves (Web `Sc`, the Electron wrapper's recall handler).
 * The recalled text (`recallContent`, which the Web SDK keeps for "re-edit") goes to its sender
 * alone (`forSender`): for everyone else a recall takes it away.
 */
export function recallNotificationContent(original: { objectName: string; content: string; sentTime: number }, recall: Recall, forSender: boolean): string {
  const originalContent = forSender ? parseJsonObject(original.content) : undefined;
  return JSON.stringify({
    operatorId: recall.operatorId,
    recallTime: original.sentTime,
    recallActionTime: recall.time,
    originalObjectName: original.objectName,
    admin: recall.admin,
    delete: recall.isDelete,
    isDelete: recall.isDelete,
    ...(recall.extra === undefined ? {} : { extra: recall.extra }),
    ...(typeof originalContent?.content === 'string' ? { recallContent: originalContent.content } : {}),
  });
}

/** RongCloud's expansion limits (Web SDK `pc()` and the docs). */
export const ExpansionLimit = {
  /** Keys one update (or a send) may set or remove. */
  KEYS_PER_UPDATE: 20,
  /** Keys a message holds at most; an update past it is refused whole. */
  KEYS_PER_MESSAGE: 300,
  /** Characters of a key. */
  KEY_LENGTH: 32,
  /** Characters (JS string length) of a value. */
  VALUE_LENGTH: 4096,
  /**
   * UTF-8 bytes of a message's whole stored map (the JSON served as `extraContent`), Parley's own:
   * RongCloud documents none, and 300 values of 4,096 characters would make one message over 1 MB
   * (7 MB with escapes) that every pull, history page and conversation list carries. 32 KiB holds
   * 300 keys with short values (reactions, flags) or a few long ones, and keeps a page of 200 such
   * messages at 6.4 MiB, under the 8 MiB a connection may have waiting to be sent.
   */
  BYTES_PER_MESSAGE: 32 * 1024,
} as const;

const EXPANSION_KEY = /^[A-Za-z0-9_=+-]+$/;

/**
 * Where the `ts` of a stored expansion entry counts from (2020-08-01 00:00 CST), as RongCloud's
 * server keeps it; the Electron wrapper subtracts the same instant (`_setTime`).
 */
export const EXPANSION_TS_EPOCH = 1_596_211_200_000;

/** An expansion as stored and sent down (`DownStreamMessage.extraContent`): each key's value and when it was set. */
export type ExpansionMap = Record<string, { v: string; ts?: number }>;

/** The content of an `RC:MsgExMsg`: keys set (`put`) or removed (`del`) on the message `mid`. */
export interface ExpansionUpdate {
  mid: string;
  put?: Record<string, string>;
  del?: string[];
}

type Checked<T> = { ok: true; value: T } | { ok: false; status: number; reason: string };

/** Checks keys and values to set: 1–20 of them, keys of `A-Z a-z 0-9 _ = + -` up to 32 characters, string values up to 4,096. */
export function checkExpansionValues(values: unknown, maxKeys: number = ExpansionLimit.KEYS_PER_UPDATE): Checked<Record<string, string>> {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return invalid('expansion must be an object');
  const entries = Object.entries(values as Record<string, unknown>);
  if (entries.length === 0 || entries.length > maxKeys) return limit(`1-${maxKeys} keys at a time`);
  for (const [key, value] of entries) {
    if (!EXPANSION_KEY.test(key) || typeof value !== 'string') return invalid(`key ${JSON.stringify(key)}: keys are A-Z a-z 0-9 _ = + -, values strings`);
    if (key.length > ExpansionLimit.KEY_LENGTH || value.length > ExpansionLimit.VALUE_LENGTH) {
      return limit(`key ${JSON.stringify(key)}: keys up to ${ExpansionLimit.KEY_LENGTH} characters, values up to ${ExpansionLimit.VALUE_LENGTH}`);
    }
  }
  return { ok: true, value: Object.fromEntries(entries) as Record<string, string> };
}

/** Checks keys to remove: 1–20 keys of the key pattern. */
export function checkExpansionKeys(keys: unknown): Checked<string[]> {
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > ExpansionLimit.KEYS_PER_UPDATE) return limit(`1-${ExpansionLimit.KEYS_PER_UPDATE} keys to remove`);
  if (!keys.every((k) => typeof k === 'string' && EXPANSION_KEY.test(k) && k.length <= ExpansionLimit.KEY_LENGTH)) return invalid('keys are A-Z a-z 0-9 _ = + -, up to 32 characters');
  return { ok: true, value: keys as string[] };
}

/** An `RC:MsgExMsg` content, checked. */
export function parseExpansionUpdate(content: string): Checked<ExpansionUpdate> {
  const c = parseJsonObject(content);
  if (!c || typeof c.mid !== 'string' || c.mid === '') return invalid('an expansion update names its message in mid');
  if (c.put === undefined && c.del === undefined) return invalid('an expansion update has put or del');
  const update: ExpansionUpdate = { mid: c.mid };
  if (c.put !== undefined) {
    const put = checkExpansionValues(c.put);
    if (!put.ok) return put;
    update.put = put.value;
  }
  if (c.del !== undefined) {
    const del = checkExpansionKeys(c.del);
    if (!del.ok) return del;
    update.del = del.value;
  }
  return { ok: true, value: update };
}

/**
 * The expansion a message is sent with (`UpStreamMessage.extraContent`, `{"k":{"v":"…"}}`), checked
 * and stamped with `time`; up to the per-message limit of keys.
 */
export function parseSentExpansion(extraContent: string, time: number): Checked<ExpansionMap> {
  const raw = parseJsonObject(extraContent);
  if (!raw) return invalid('extraContent must be a JSON object');
  const values: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(raw)) values[key] = typeof entry === 'object' && entry !== null ? (entry as { v?: unknown }).v : undefined;
  const checked = checkExpansionValues(values, ExpansionLimit.KEYS_PER_MESSAGE);
  if (!checked.ok) return checked;
  return withinMessageLimits(stamp({}, checked.value, time));
}

/** Applies an update to a stored map; refused whole when the message would hold more than the per-message limits allow. */
export function mergeExpansion(map: ExpansionMap, update: Pick<ExpansionUpdate, 'put' | 'del'>, time: number): Checked<ExpansionMap> {
  const next = stamp({ ...map }, update.put ?? {}, time);
  for (const key of update.del ?? []) delete next[key];
  return withinMessageLimits(next);
}

/** A whole stored map against the per-message limits: 300 keys, and 32 KiB of JSON. */
function withinMessageLimits(map: ExpansionMap): Checked<ExpansionMap> {
  if (Object.keys(map).length > ExpansionLimit.KEYS_PER_MESSAGE) return limit(`a message holds at most ${ExpansionLimit.KEYS_PER_MESSAGE} expansion keys`);
  if (utf8.encode(JSON.stringify(map)).length > ExpansionLimit.BYTES_PER_MESSAGE) return limit(`a message's expansion holds at most ${ExpansionLimit.BYTES_PER_MESSAGE} bytes`);
  return { ok: true, value: map };
}

const utf8 = new TextEncoder();

/** A stored map's values alone, as the SDKs hand them to apps. */
export function expansionValuesOf(map: ExpansionMap): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, { v }]) => [key, v]));
}

/** A stored map read back; an unreadable one is empty. */
export function parseExpansionMap(text: string | undefined): ExpansionMap {
  const raw = text === undefined ? undefined : parseJsonObject(text);
  const map: ExpansionMap = {};
  for (const [key, entry] of Object.entries(raw ?? {})) {
    if (typeof entry === 'object' && entry !== null && typeof (entry as { v?: unknown }).v === 'string') map[key] = entry as ExpansionMap[string];
  }
  return map;
}

function stamp(map: ExpansionMap, values: Record<string, string>, time: number): ExpansionMap {
  for (const [key, v] of Object.entries(values)) map[key] = { v, ts: Math.max(0, time - EXPANSION_TS_EPOCH) };
  return map;
}

function invalid(reason: string): { ok: false; status: number; reason: string } {
  return { ok: false, status: AckStatus.EXPANSION_INVALID, reason };
}

function limit(reason: string): { ok: false; status: number; reason: string } {
  return { ok: false, status: AckStatus.EXPANSION_LIMIT_EXCEEDED, reason };
}
