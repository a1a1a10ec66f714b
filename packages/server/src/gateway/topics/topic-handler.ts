import type { ClientPublishFrame } from '@parley/protocol';
import type { SessionEntry } from '../../bus/bus.js';
import type { DeviceSync } from '../../core/messaging/device-sync.js';
import type { Flavor } from '../transport.js';

/** What a handler knows of the frame's connection. */
export interface TopicContext {
  session: SessionEntry;
  now: number;
  /** Which kind of client asks: a few payloads differ for the native stack (down-stream.ts). */
  flavor: Flavor;
  /** What the connection's device has been sent of changed messages. */
  sync: DeviceSync;
  /**
   * The frame's header target. Most queries carry the user or "" (the native stack), so only the
   * few that name a conversation there on every SDK (the group of a receipt) read it.
   */
  targetId: string;
}

/** What a QUERY gets back: a status, and a payload when the status is 0. */
export interface QueryAnswer {
  status: number;
  payload?: Uint8Array;
  /** Set by an inbox pull: the cursor the client has now reached. */
  inboxCursor?: number;
  /** Set by a chatroom pull: the room and the cursor the client has now reached in it. */
  roomCursor?: { roomId: string; syncTime: number };
}

export type QueryHandler = (request: Uint8Array, context: TopicContext) => Promise<QueryAnswer> | QueryAnswer;

/** What a PUBLISH gets back in its PUBACK. */
export interface PublishAnswer {
  status: number;
  messageUId: string;
  sentTime: number;
}

export type PublishHandler = (frame: ClientPublishFrame, context: TopicContext) => Promise<PublishAnswer>;

/** A feature's topics: each file under `topics/` exports one of these, and `index.ts` puts them in one table. */
export interface TopicHandlers {
  queries?: Readonly<Record<string, QueryHandler>>;
  publishes?: Readonly<Record<string, PublishHandler>>;
}

/** Clamps a count a client asked for into what a page allows. */
export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(value)));
}
