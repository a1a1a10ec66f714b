/** Where a client asks which gateway to open (`POST`, form-encoded, with the token). */
export const NAVIGATION_PATH = '/v2/navi.json';

/** Where the Web SDK opens its WebSocket on the gateway a navigation answer names. */
export const WEBSOCKET_PATH = '/websocket';

/**
 * `serverAddr[].protocol` of a navigation answer, also what a client asks for in `RC-Negotiate:
 * conn=...`: the native stack takes TCP and TLS (RMTP over either), the Web SDK ws and wss.
 */
export const NavigationProtocol = {
  TCP: 1,
  TLS: 2,
  WS: 5,
  WSS: 6,
} as const;
export type NavigationProtocol = (typeof NavigationProtocol)[keyof typeof NavigationProtocol];
