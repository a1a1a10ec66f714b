import { ConnAckStatus, connAckStatusToClientCode, decodeServerFrame, encodeClientFrame, tokenForGateway, WEBSOCKET_PATH, type ConnAckFrame } from '@parley/protocol';
import { ConnectionErrorCode } from '../enums.js';
import type { PostForm } from '../navigation/http-post.js';
import { navigate, NavigationError, navigatorsFor, type NavigationResult } from '../navigation/navigator.js';
import { TransportError, type FrameSocket, type OpenSocket } from '../transport/frame-socket.js';

const CONNACK_TIMEOUT_MS = 10_000;

export interface AttemptParams {
  appKey: string;
  token: string;
  deviceId: string;
  platform: 'web' | 'desktop' | 'mobile' | 'server';
  navigators: readonly string[];
  keepAliveSeconds: number;
  isReconnect: boolean;
  refuseIfTaken: boolean;
  openSocket: OpenSocket;
  postForm: PostForm;
  /** A still-valid navigation answer, if the app has one cached. */
  cachedNavigation: NavigationResult | undefined;
  now: () => number;
}

export interface AttemptSuccess {
  socket: FrameSocket;
  userId: string;
  /** Set when this attempt asked navigation (so the caller can cache it). */
  navigation: NavigationResult | undefined;
  /** Frames that arrived right behind the CONNACK, before anyone else listened. */
  earlyFrames: Uint8Array[];
}

/** Why an attempt failed, as an SDK code; the state machine decides whether that is worth a retry. */
export class AttemptError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One connect attempt: navigation (skipped with a fresh cache), a socket to the first gateway that
 * opens, a CONNECT frame with the token (never in the URL), and the CONNACK verdict.
 */
export async function connectAttempt(params: AttemptParams): Promise<AttemptSuccess> {
  const cached = params.cachedNavigation;
  if (cached && cached.servers.length > 0 && cached.expiresAt > params.now()) {
    try {
      return { ...(await connectToAny(cached.servers, params)), navigation: undefined };
    } catch (error) {
      // Every cached gateway is gone (a node died, the cluster changed): ask navigation afresh.
      if (!(error instanceof AttemptError) || error.code !== ConnectionErrorCode.RC_SOCKET_DISCONNECTED) throw error;
    }
  }
  let navigation: NavigationResult;
  try {
    navigation = await navigate(params.postForm, navigatorsFor(params.token, params.navigators), params.appKey, params.token, params.now());
  } catch (error) {
    if (error instanceof NavigationError) throw new AttemptError(error.code, error.message);
    throw error;
  }
  return { ...(await connectToAny(navigation.servers, params)), navigation };
}

async function connectToAny(servers: readonly string[], params: AttemptParams): Promise<Omit<AttemptSuccess, 'navigation'>> {
  let lastError: AttemptError = new AttemptError(ConnectionErrorCode.RC_SOCKET_DISCONNECTED, 'no gateway to try');
  for (const server of servers) {
    let socket: FrameSocket;
    try {
      socket = await params.openSocket(`${server}${WEBSOCKET_PATH}`);
    } catch (error) {
      // A proxy failure is the app's configuration, not this gateway's: no point trying the next one.
      if (error instanceof TransportError && error.code === ConnectionErrorCode.RC_CONN_PROXY_UNAVAILABLE) throw new AttemptError(error.code, error.message);
      lastError = new AttemptError(ConnectionErrorCode.RC_SOCKET_DISCONNECTED, (error as Error).message);
      continue;
    }
    const { ack, earlyFrames } = await handshake(socket, params);
    if (ack.status !== ConnAckStatus.ACCEPTED || !ack.session) {
      socket.close();
      throw new AttemptError(connAckStatusToClientCode(ack.status) ?? ConnectionErrorCode.UNKNOWN, `CONNACK status ${ack.status}`);
    }
    return { socket, userId: ack.session.userId, earlyFrames };
  }
  throw lastError;
}

function handshake(socket: FrameSocket, params: AttemptParams): Promise<{ ack: ConnAckFrame; earlyFrames: Uint8Array[] }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new AttemptError(ConnectionErrorCode.RC_CONN_ACK_TIMEOUT, 'no CONNACK in time'));
    }, CONNACK_TIMEOUT_MS);
    socket.onClose = () => {
      clearTimeout(timer);
      reject(new AttemptError(ConnectionErrorCode.RC_SOCKET_DISCONNECTED, 'closed before CONNACK'));
    };
    socket.onFrame = (data) => {
      clearTimeout(timer);
      socket.onClose = () => undefined;
      try {
        const frame = decodeServerFrame(data);
        if (frame.type === 'CONNACK') {
          // `ws` can deliver several frames in one go: keep what follows the CONNACK for the session.
          const earlyFrames: Uint8Array[] = [];
          socket.onFrame = (next) => earlyFrames.push(next);
          return resolve({ ack: frame, earlyFrames });
        }
      } catch {
        // Falls through: anything but a CONNACK here is a broken server.
      }
      socket.close();
      reject(new AttemptError(ConnectionErrorCode.RC_CONN_PROTO_VERSION_ERROR, 'expected CONNACK'));
    };
    socket.send(
      encodeClientFrame({
        type: 'CONNECT',
        keepAliveSeconds: params.keepAliveSeconds,
        clientId: params.deviceId,
        appKey: params.appKey,
        token: tokenForGateway(params.token),
        platform: params.platform,
        isReconnect: params.isReconnect,
        refuseIfTaken: params.refuseIfTaken,
      }),
    );
  });
}
