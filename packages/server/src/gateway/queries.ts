import { AckStatus, decodePayload, encodePayload, Topic } from '@parley/protocol';
import type { SessionEntry } from '../bus/bus.js';
import type { Flavor } from './transport.js';

export interface QueryContext {
  session: SessionEntry;
  now: number;
  /** Which kind of client asks: a few payloads differ for the native stack (down-stream.ts). */
  flavor: Flavor;
}

/** What a QUERY gets back: a status, and a payload when the status is 0. */
export interface QueryAnswer {
  status: number;
  payload?: Uint8Array;
  /** Set by an inbox pull: the cursor the client has now reached. */
  inboxCursor?: number;
}

export type QueryHandler = (request: Uint8Array, context: QueryContext) => Promise<QueryAnswer> | QueryAnswer;

const ok = (payload?: Uint8Array): QueryAnswer => ({ status: AckStatus.SUCCESS, payload });

/**
 * The queries the official Web SDK makes right after CONNACK, for features Parley keeps empty (bots,
 * conversation states, user settings, edited messages, event changes). Each answer is complete —
 * the SDK's decoder throws on a missing required field — and echoes the client's own version, so
 * the SDK neither logs errors nor asks again.
 */
export const connectTimeQueries: Readonly<Record<string, QueryHandler>> = {
  [Topic.qAppBot]: () => ok(encodePayload('BotOutput', { bots: [] })),
  [Topic.pullEventChange]: (request) => {
    const { syncTime } = decodePayload('QueryMsgChange', request);
    return ok(encodePayload('EventChangeList', { list: [], syncTime, hasNext: false }));
  },
  [Topic.pullUS]: (request) => {
    const { version } = decodePayload('PullUserSettingInput', request);
    return ok(encodePayload('PullUserSettingOutput', { items: [], version }));
  },
  [Topic.pullSeAtts]: (request) => {
    const { time } = decodePayload('SessionReq', request);
    return ok(encodePayload('SessionStates', { version: time, state: [] }));
  },
  [Topic.pullModifyMsg]: (request) => {
    const { pullVersion } = decodePayload('PullModifyMsgReq', request);
    return ok(encodePayload('PullModifyMsgResp', { msg: [], nextVersion: pullVersion ?? 0, finished: true }));
  },
  // The SDK reports its version and platform; nothing here needs them.
  [Topic.reportsdk]: () => ok(),
};
