import { ConnAckStatus, DisconnectStatus } from '@parley/protocol';
import type { DropReason } from '../bus/bus.js';
import type { SessionRefusal } from '../core/sessions/session-service.js';

/** The CONNACK status that tells the client exactly why its connect was refused (docs/contract.md, "Connections"). */
export const connAckStatusFor: Record<SessionRefusal, number> = {
  'unknown-app': ConnAckStatus.IDENTIFIER_REJECTED,
  'app-blocked': ConnAckStatus.APP_BLOCKED_OR_DELETED,
  'origin-not-allowed': ConnAckStatus.NOT_AUTHORIZED,
  'token-incorrect': ConnAckStatus.TOKEN_INCORRECT,
  'token-expired': ConnAckStatus.TOKEN_EXPIRED,
  'user-blocked': ConnAckStatus.USER_BLOCKED,
  'user-deactivated': ConnAckStatus.USER_DEACTIVATED,
  'other-device-online': ConnAckStatus.SAME_CLASS_DEVICE_ONLINE,
};

/**
 * The DISCONNECT status sent to a live session the server ends. All but REDIRECT tell the client
 * not to reconnect.
 *
 * An app that is blocked, deleted or given a new secret ends its sessions with REDIRECT (6), which
 * invites a reconnect, because the official Web SDK 5.38 has no DISCONNECT status for these: its
 * table maps only 1→31010, 2/5→31011, 6→31006, 7→31020, 8→31001, 9→31029, and none of those is
 * true. On 31006 it navigates again and reconnects at once, and that attempt hears the real answer:
 * CONNACK 8 (31008) for a blocked or deleted app, a navigation 401 (31004) for a token of the old
 * secret; both stop the SDK. `@parley/client` re-navigates on 31006 the same way.
 */
export const disconnectStatusFor: Record<DropReason, number> = {
  kicked: DisconnectStatus.KICKED_BY_OTHER_LOGIN,
  'user-blocked': DisconnectStatus.USER_BLOCKED,
  'user-deactivated': DisconnectStatus.USER_DEACTIVATED,
  'token-expired': DisconnectStatus.TOKEN_EXPIRED,
  'app-blocked': DisconnectStatus.REDIRECT,
  'app-deleted': DisconnectStatus.REDIRECT,
  'app-secret-rotated': DisconnectStatus.REDIRECT,
};
