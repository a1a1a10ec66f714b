import { describe, expect, it } from 'vitest';
import { BUSINESS_ERROR_CODES, ConnectionErrorCode, ConnectionStatus, ConversationType, DatabaseOpenStatus } from './enums.js';

/** The seeds' code tables, row by row: apps switch on these numbers. */
describe('public enums carry the seeds values', () => {
  it.each([
    ['IPC_DISCONNECT', -2],
    ['UNKNOWN', -1],
    ['RC_SOCKET_DISCONNECTED', 30011],
    ['RC_CONN_ACK_TIMEOUT', 31000],
    ['RC_CONN_PROTO_VERSION_ERROR', 31001],
    ['RC_CONN_ID_REJECT', 31002],
    ['RC_CONN_SERVER_UNAVAILABLE', 31003],
    ['RC_CONN_TOKEN_INCORRECT', 31004],
    ['RC_CONN_NOT_AUTHRORIZED', 31005],
    ['RC_CONN_NOT_AUTHORIZED', 31005],
    ['RC_CONN_REDIRECTED', 31006],
    ['RC_CONN_APP_BLOCKED_OR_DELETED', 31008],
    ['RC_CONN_USER_BLOCKED', 31009],
    ['RC_DISCONN_KICK', 31010],
    ['RC_DISCONN_USER_BLOCKED', 31011],
    ['RC_CONN_TOKEN_EXPIRE', 31020],
    ['RC_CONN_OTHER_DEVICE_LOGIN', 31023],
    ['RC_CONN_PROXY_UNAVAILABLE', 31028],
    ['RC_CONN_USER_DEACTIVATED', 31029],
    ['RC_CLIENT_NOT_INIT', 33001],
    ['DATABASE_ERROR', 33002],
    ['RC_INVALID_PARAMETER', 33003],
    ['RC_CONNECTION_EXIST', 34001],
    ['RC_CONNECT_TIMEOUT', 34006],
  ] as const)('ConnectionErrorCode.%s = %i', (name, value) => {
    expect(ConnectionErrorCode[name]).toBe(value);
  });

  it.each([
    ['NETWORK_UNAVAILABLE', -1],
    ['CONNECTED', 0],
    ['CONNECTING', 1],
    ['UNCONNECTED', 2],
    ['KICKED_OFFLINE_BY_OTHER_CLIENT', 3],
    ['TOKEN_INCORRECT', 4],
    ['CONN_USER_BLOCKED', 6],
    ['SIGN_OUT', 12],
    ['SUSPEND', 13],
    ['TIMEOUT', 14],
  ] as const)('ConnectionStatus.%s = %i', (name, value) => {
    expect(ConnectionStatus[name]).toBe(value);
  });

  it('ConversationType', () => {
    expect(ConversationType).toEqual({ PRIVATE: 1, GROUP: 3, SYSTEM: 6 });
  });

  it('DatabaseOpenStatus', () => {
    expect(DatabaseOpenStatus).toEqual({ DATABASE_OPEN_SUCCESS: 0, DATABASE_OPEN_ERROR: 33002 });
  });

  it('treats exactly the business errors as final', () => {
    expect([...BUSINESS_ERROR_CODES].sort()).toEqual([31002, 31004, 31005, 31008, 31009, 31020, 31023, 31028, 31029]);
    for (const retryable of [30001, 30002, 30007, 30011, 30013, 31000, 31003]) expect(BUSINESS_ERROR_CODES.has(retryable)).toBe(false);
  });
});
