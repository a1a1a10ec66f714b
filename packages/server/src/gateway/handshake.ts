import { randomUUID } from 'node:crypto';
import type { ConnectFrame } from '@parley/protocol';
import type { ConnectRequest } from '../core/sessions/session-service.js';

/** The official Web SDK pings every 15 s; a CONNECT frame may ask for another interval. */
export const DEFAULT_KEEPALIVE_SECONDS = 15;
/** The keepalive intervals a CONNECT frame may ask for. */
export const KEEPALIVE_BOUNDS_SECONDS = { min: 5, max: 300 };
const MAX_DEVICE_ID_LENGTH = 128;
const MAX_SDK_VERSION_LENGTH = 32;

export interface Handshake {
  request: ConnectRequest;
  keepAliveSeconds: number;
  /** The client's SDK version when it says (the Web SDK's `sdkVer`, the native CONNECT's will message). */
  sdkVersion?: string;
}

/**
 * The official Web SDK authenticates in the URL:
 * `/websocket?appId=<appkey>&token=<token>&deviceId=<id>&sdkVer=..&apiVer=browser|Chrome|..&protocolVer=3`.
 * Returns undefined when the URL carries no token: the client will send a CONNECT frame instead.
 */
export function handshakeFromUrl(query: URLSearchParams, origin: string | undefined): Handshake | undefined {
  const token = query.get('token');
  if (token === null) return undefined;
  return {
    request: {
      appKey: query.get('appId') ?? '',
      token,
      deviceId: boundedDeviceId(query.get('deviceId')),
      // Only browsers authenticate in the URL, so the device class is web.
      platform: 'web',
      refuseIfTaken: false,
      origin,
    },
    keepAliveSeconds: DEFAULT_KEEPALIVE_SECONDS,
    sdkVersion: query.get('sdkVer')?.slice(0, MAX_SDK_VERSION_LENGTH),
  };
}

/** Parley's own SDK keeps the token out of URLs and sends it in a CONNECT frame. */
export function handshakeFromConnectFrame(
  frame: ConnectFrame,
  origin: string | undefined,
  bounds = KEEPALIVE_BOUNDS_SECONDS,
): Handshake {
  return {
    request: {
      appKey: frame.appKey,
      token: frame.token,
      deviceId: boundedDeviceId(frame.clientId),
      platform: frame.platform,
      refuseIfTaken: frame.refuseIfTaken,
      origin,
    },
    keepAliveSeconds: Math.min(bounds.max, Math.max(bounds.min, frame.keepAliveSeconds || DEFAULT_KEEPALIVE_SECONDS)),
    // Only the native CONNECT names its SDK version (in its will message).
    sdkVersion: 'sdkVersion' in frame && typeof frame.sdkVersion === 'string' ? frame.sdkVersion.slice(0, MAX_SDK_VERSION_LENGTH) : undefined,
  };
}

/** A missing device id still needs to be distinct, or two anonymous devices would replace each other. */
function boundedDeviceId(deviceId: string | null): string {
  if (!deviceId) return `anon-${randomUUID()}`;
  return deviceId.slice(0, MAX_DEVICE_ID_LENGTH);
}
