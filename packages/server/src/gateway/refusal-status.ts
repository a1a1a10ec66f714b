import { ConnAckStatus, DisconnectStatus } from '@parley/protocol';
import type { DropReason } from '../bus/bus.js';
import type { SessionRefusal } from '../core/sessions/session-service.js';

/** The CONNACK status that tells the client exactly why its connect was refused (SPEC §4). */
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

/** The DISCONNECT status sent to a live session the server ends; none of these invites a reconnect. */
export const disconnectStatusFor: Record<DropReason, number> = {
  kicked: DisconnectStatus.KICKED_BY_OTHER_LOGIN,
  'user-blocked': DisconnectStatus.USER_BLOCKED,
  'user-deactivated': DisconnectStatus.USER_DEACTIVATED,
  'token-expired': DisconnectStatus.TOKEN_EXPIRED,
};
