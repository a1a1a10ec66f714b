import { MEDIA_UPLOAD_PATH, NAVIGATION_PATH, NavigationProtocol, SUB_DRIVEN_ONLINE_STATUS } from '@parley/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../services.js';
import { passesNavigation } from '../core/tokens/token-verification.js';
import type { FormMap } from './server-api/form.js';
import type { PublicAddress } from './public-url.js';

export interface NavigationOptions {
  services: Services;
  publicAddress: PublicAddress;
  /** In cluster mode the answer lists the live gateways (least loaded first) instead of this node. */
  clustered: boolean;
  /** This node's ports for native clients, once it listens. */
  nativeEntry: () => NativeEntry;
  /** The node takes TLS (`--tls-cert`): native clients are sent to it over TLS only. */
  tls: boolean;
  /** This node takes file uploads (http/media/): the SDKs are told where, as `uploadServer`. */
  uploads?: boolean;
}

/**
 * `POST /v2/navi.json`, as the official SDKs send it: tells a client which gateway to open. The Web
 * SDK gets WebSocket addresses; the native stack (it asks for `conn=1,2` in `RC-Negotiate`) gets
 * TCP ones. It refuses (401) only a token whose MAC fails; the SDKs turn any 401 into 31004, so
 * every other refusal (unknown App Key, blocked user, expired token) is left to the gateway's CONNACK.
 * The answer never turns on `openAnti`, which would switch the native stack to a cipher Parley
 * does not speak.
 */
export async function navigationPlugin(http: FastifyInstance, { services, publicAddress, clustered, nativeEntry, tls, uploads }: NavigationOptions): Promise<void> {
  http.options(NAVIGATION_PATH, async (_request, reply) => allowCrossOrigin(reply).code(204).send());
  http.post(NAVIGATION_PATH, async (request, reply) => {
    allowCrossOrigin(reply);
    const token = (request.body as FormMap | undefined)?.get('token')?.[0] ?? '';
    if (!(await passesNavigation(token, (appKey) => services.apps.get(appKey)))) {
      return reply.code(401).send({ code: 401, errorMessage: 'token incorrect' });
    }
    const base = publicAddress.baseUrlFor(request);
    const live = clustered ? await services.bus.nodes.live() : [];
    let serverAddr: { addr: string; protocol: number; weight: number }[];
    if (asksForNative(request.headers['rc-negotiate'], (request.body as FormMap | undefined)?.get('platfrom')?.[0])) {
      serverAddr =
        live.length > 0
          ? live.flatMap((node) => (node.nativeAddresses ?? []).map((addr) => ({ addr, protocol: node.nativeProtocol ?? NavigationProtocol.TCP, weight: 1 })))
          : nativeAddresses(base, nativeEntry()).map((addr) => ({ addr, protocol: nativeProtocolOf(tls), weight: 1 }));
    } else {
      serverAddr =
        live.length > 0
          ? live.map((node) => ({ addr: node.address, protocol: node.protocol, weight: 1 }))
          : [{ addr: base.host, protocol: webSocketProtocolOf(base), weight: 1 }];
    }
    return reply.send({
      code: 200,
      serverAddr,
      // Pull mode: messages arrive by notify-then-pull, so the inbox cursor alone decides delivery.
      openHistoryMsg: 1,
      historyMsg: true,
      // Group read receipts v2: rrMsg/rrList and RC:RRMsg read counts (gateway/topics/read-receipts.ts).
      grpRRVer: 1,
      // Unread kept by the server (pullSe, s_cmd 13): the SDKs then mark read with RC:SRSMsg and refuse their local clears.
      serverSaveUnread: 1,
      // The edit window in minutes: the native stack refuses to edit at all (33402) without it.
      msgModifyMinute: services.changes.windowMinutes,
      // A recall shows as RC:RcNtf in the SDK's conversation model, as Parley's history and list serve it.
      supportRecallRefactor: 1,
      // Online status subscriptions (gateway/topics/online-status.ts): without it the SDK refuses them (26020).
      subDriven: SUB_DRIVEN_ONLINE_STATUS,
      // Chatroom key-values (gateway/topics/chatrooms.ts): without it the Web SDK never pulls them.
      kvStorage: 1,
      // The SDKs' Qiniu-form upload, to this node (http/media/media-routes.ts); no `ossConfig`, which would send them elsewhere.
      ...(uploads ? { uploadServer: new URL(MEDIA_UPLOAD_PATH, base).href } : {}),
    });
  });
}

/** How a client reaches a gateway at `base` over WebSocket. */
export function webSocketProtocolOf(base: URL): typeof NavigationProtocol.WS | typeof NavigationProtocol.WSS {
  return base.protocol === 'https:' ? NavigationProtocol.WSS : NavigationProtocol.WS;
}

/** How the native stack reaches a node: a node with a certificate offers nothing in the clear. */
export function nativeProtocolOf(tls: boolean): typeof NavigationProtocol.TCP | typeof NavigationProtocol.TLS {
  return tls ? NavigationProtocol.TLS : NavigationProtocol.TCP;
}

const NATIVE_PROTOCOLS = [NavigationProtocol.TCP, NavigationProtocol.TLS].map(String);

/**
 * The native stack asks for its transports in `RC-Negotiate: conn=1,2;...` (TCP, TLS), the Web SDK
 * for ws and wss; the Electron SDK also names itself in the form (`platfrom=electron`, sic).
 */
export function asksForNative(negotiate: string | string[] | undefined, platform: string | undefined): boolean {
  if (platform === 'electron') return true;
  const header = Array.isArray(negotiate) ? negotiate.join(';') : (negotiate ?? '');
  const conn = /(?:^|;)\s*conn=([^;]*)/.exec(header)?.[1] ?? '';
  return conn.split(',').some((p) => NATIVE_PROTOCOLS.includes(p.trim()));
}

/** Where a node's own ports are, for telling native clients where to connect. */
export interface NativeEntry {
  /** `--native-addresses`: given by the operator (a stream proxy in front, say); then nothing is derived. */
  configured: readonly string[];
  /** The HTTP port as bound. */
  httpPort: number;
  /** The native port as bound, when there is one. */
  nativePort: number | undefined;
}

/**
 * Where a node reached at `base` takes native clients: its HTTP port, which tells RMTP from HTTP by
 * the first byte, and its native port. Two addresses, because the native SDK keeps retrying through
 * an outage only when it has more than one: with a single address it gives up at the first refused
 * reconnect (32061), as during a restart. The HTTP port is listed only when `base` reaches it
 * directly: behind an HTTP proxy (another port in the public URL) it is the proxy's, which does not
 * pass RMTP on.
 */
export function nativeAddresses(base: URL, entry: NativeEntry): string[] {
  if (entry.configured.length > 0) return [...entry.configured];
  const publicPort = Number(base.port || (base.protocol === 'https:' ? 443 : 80));
  const ports = [...(publicPort === entry.httpPort ? [publicPort] : []), ...(entry.nativePort === undefined ? [] : [entry.nativePort])];
  return ports.map((port) => `${base.hostname}:${port}`);
}

/** Browser pages on any origin may navigate; the gateway's safe-domain check decides who connects. */
function allowCrossOrigin(reply: FastifyReply): FastifyReply {
  return reply.headers({
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'RC-Appkey, RC-Negotiate, Content-Type',
    'access-control-max-age': '86400',
  });
}
