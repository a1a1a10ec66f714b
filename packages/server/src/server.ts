import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { randomUUID } from 'node:crypto';
import { NODE_ANNOUNCE_EVERY_MS, NODE_ANNOUNCE_TTL_MS, type Bus } from './bus/bus.js';
import { createLocalBus } from './bus/local/local-bus.js';
import { createRedisBus } from './bus/redis/redis-bus.js';
import { ConfigError, configWarnings, isExposed, type ServerConfig } from './config.js';
import { exposedDataFiles } from './data-dir.js';
import { AppService } from './core/apps/app-service.js';
import { AppWatcher } from './core/apps/app-watcher.js';
import { ChatroomService } from './core/chatrooms/chatroom-service.js';
import { OnlineStatusService } from './core/online-status/online-status-service.js';
import { ensureDevApp } from './core/apps/dev-app.js';
import { GroupService } from './core/groups/group-service.js';
import { GroupReceiptService } from './core/messaging/group-receipts.js';
import { MessageChanges } from './core/messaging/message-changes.js';
import { MessageDeletion } from './core/messaging/message-deletion.js';
import { MessageService } from './core/messaging/message-service.js';
import { ReadStateService } from './core/messaging/read-state.js';
import { ConversationStateService } from './core/messaging/conversation-states.js';
import { startRetention } from './core/messaging/retention.js';
import { DEFAULT_UPLOAD_TOKEN_LIFETIME_MS, MediaService } from './core/media/media-service.js';
import { startMediaRetention } from './core/media/media-retention.js';
import { LocalMediaStorage } from './media/local/local-media-storage.js';
import { SessionService } from './core/sessions/session-service.js';
import { UserService } from './core/users/user-service.js';
import { defaultGatewayOptions, Gateway, type GatewayOptions } from './gateway/gateway.js';
import { acceptNativeConnection } from './gateway/transports/native-transport.js';
import { listenNativePort } from './gateway/transports/native-port.js';
import { routeByFirstByte, shareHttpPort } from './gateway/transports/port-sharing.js';
import { TlsCertificate } from './gateway/transports/tls-certificate.js';
import { serveWebSocket } from './gateway/transports/websocket-transport.js';
import { topicTable } from './gateway/topics/index.js';
import { ensureAdminToken } from './http/admin/admin-token.js';
import { clientAddressOf, trustedProxies } from './http/client-address.js';
import { connectionLimiter } from './http/connection-limits.js';
import { buildHttpServer, HEADERS_TIMEOUT_MS } from './http/http-server.js';
import { createMetricsRegistry } from './http/metrics.js';
import { nativeAddresses, nativeProtocolOf, webSocketProtocolOf, type NativeEntry } from './http/navigation.js';
import { PublicAddress } from './http/public-url.js';
import type { Services } from './services.js';
import { openStore } from './store/open-store.js';
import type { AppRecord } from './store/store.js';

export interface RunningServer {
  /** `http://host:port` as bound (the real port when 0 was asked for). */
  url: string;
  port: number;
  /** The `--native-port` as bound, when there is one. */
  nativePort: number | undefined;
  services: Services;
  gateway: Gateway;
  /** The development app, when this start created it. */
  createdDevApp: AppRecord | undefined;
  /** The admin token, when this start generated it (no `--admin-token`, no saved one). */
  createdAdminToken: string | undefined;
  /** What the operator should fix (exposed files, settings unsafe off loopback), one line each. */
  warnings: string[];
  /**
   * Reads `--tls-cert` and `--tls-key` again for the handshakes to come; open connections keep
   * theirs. False when the server has no TLS; a pair that cannot serve throws and the old one stays.
   */
  reloadTls(): Promise<boolean>;
  /** Stops accepting, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

/** Settings that are not flags: tests shorten the gateway's deadlines with them. */
export interface StartOptions {
  gateway?: Partial<GatewayOptions>;
}

/** The composition root: wires store, bus and core into the HTTP and WebSocket edges. */
export async function startServer(config: ServerConfig, logger: Logger, options: StartOptions = {}): Promise<RunningServer> {
  // First, so that a data directory it cannot use stops the start before anything is open.
  const admin = await ensureAdminToken(config.dataDir, { token: config.adminToken, file: config.adminTokenFile });
  const warnings = [...configWarnings(config), ...exposedDataFiles(config.dataDir)];
  // Before anything opens: a certificate that cannot serve stops the start with the flag named.
  const tls = config.tlsCert && config.tlsKey ? await TlsCertificate.load(config.tlsCert, config.tlsKey) : undefined;
  const store = await openStore(config);
  let bus: Bus;
  try {
    bus = config.redisUrl ? await createRedisBus(config.redisUrl, { logger }) : createLocalBus();
  } catch (error) {
    await store.close();
    throw error;
  }
  const now = Date.now;
  const apps = new AppService(store, now, bus);
  const users = new UserService(store, bus, now);
  const readState = new ReadStateService(store, bus, now);
  const messages = new MessageService(store, bus, now, { sendsPerUserPerSecond: config.userSendRate }, readState);
  const receipts = new GroupReceiptService(store, messages, now);
  const changes = new MessageChanges(store, bus, messages, now, { recallWindowMs: config.recallWindow, sendsPerUserPerSecond: config.userSendRate });
  const deletion = new MessageDeletion(store, now, readState);
  const conversationStates = new ConversationStateService(store, bus, now, deletion);
  const chatrooms = new ChatroomService(bus, now, { historySize: config.chatroomHistory });
  const media = new MediaService(apps, new LocalMediaStorage(config.dataDir), now, { uploadLimitBytes: config.uploadLimit, tokenLifetimeMs: DEFAULT_UPLOAD_TOKEN_LIFETIME_MS });
  const onlineStatus = new OnlineStatusService(bus, logger, now);
  const services: Services = { store, bus, apps, users, groups: new GroupService(store, now), messages, changes, deletion, conversationStates, chatrooms, now };
  const createdDevApp = await ensureDevApp(apps, store, config.dataDir);

  const metrics = createMetricsRegistry();
  const trusted = trustedProxies(config.trustProxy);
  const publicAddress = new PublicAddress(config.publicUrl, config.allowedHosts);
  /** The listener of `--native-port`, once it listens. */
  let nativeServer: NetServer | undefined;
  const http = buildHttpServer({
    services,
    logger,
    metrics,
    publicAddress,
    adminToken: admin.token,
    metricsAccess: { open: !isExposed(config), tokens: [admin.token, ...(config.metricsToken ? [config.metricsToken] : [])] },
    trustedProxies: trusted,
    clustered: config.redisUrl !== undefined,
    nativeEntry: () => ({ configured: config.nativeAddresses, httpPort: boundPort(http.server) ?? config.port, nativePort: boundPort(nativeServer) }),
    tls: tls !== undefined,
    demo: config.demo,
    media,
  });
  const refusedConnections = new Counter({
    name: 'parley_connections_refused_total',
    help: 'TCP connections closed on accept because a connection cap was reached',
    labelNames: ['cap'],
    registers: [metrics],
  });
  const gateway = new Gateway(
    {
      sessions: new SessionService(apps, users, bus, now, (appKey, userId, before) => onlineStatus.presenceChangedInBackground(appKey, userId, before)),
      bus,
      logger,
      metrics,
      ...topicTable({ messages, deletion, changes, readState, receipts, conversationStates, chatrooms, media, onlineStatus, metrics }),
      now,
    },
    { ...defaultGatewayOptions, handshakesPerIpPerSecond: config.handshakeRate, ...options.gateway },
  );
  chatrooms.attach(
    (appKey, userIds, topic, notice, exceptSessionId) => gateway.pushNotice(appKey, userIds, topic, notice, exceptSessionId),
    (appKey, userIds, message, exceptSessionId) => gateway.pushLive(appKey, userIds, message, exceptSessionId),
  );
  // The transports: WebSocket upgrades, and RongCloud's native stack on the HTTP port (told apart by
  // its first byte) and on a port of its own. Port sharing goes first: it takes over the HTTP
  // server's own connection handling.
  const webSockets = serveWebSocket(http.server, gateway, (request) => clientAddressOf(request, trusted));
  const acceptNative = (socket: Socket, head?: Buffer) => acceptNativeConnection(socket, gateway, logger, head);
  const sharing = {
    firstByteTimeoutMs: HEADERS_TIMEOUT_MS,
    tls,
    onTlsError: (err: Error) => logger.debug({ err }, 'TLS handshake failed'),
  };
  shareHttpPort(http.server, acceptNative, sharing);
  const limiter = connectionLimiter({ total: config.maxConnections, perIp: config.maxConnectionsPerIp, trusted }, (cap) => refusedConnections.inc({ cap }));
  limiter.attach(http.server);
  try {
    await http.listen({ port: config.port, host: config.host });
    if (config.nativePort !== undefined) {
      nativeServer = await listenNativePort(config.nativePort, config.host, routeByFirstByte({ native: acceptNative }, sharing));
      limiter.attach(nativeServer);
    }
  } catch (error) {
    webSockets.close();
    await gateway.close();
    chatrooms.close();
    await http.close();
    await bus.close();
    await store.close();
    throw listenError(error, config);
  }
  const { port } = http.server.address() as AddressInfo;
  const nativePort = boundPort(nativeServer);
  publicAddress.bind(config.host, port);
  const appWatcher = new AppWatcher(apps, (appKey) => gateway.appChanged(appKey), logger);
  await appWatcher.start();
  const retention = startRetention(store, logger, config.retentionDays, now);
  const mediaRetention = startMediaRetention(media, logger, config.retentionDays, now);
  const announcer = startAnnouncing(
    bus,
    gateway,
    new URL(config.publicUrl ?? `http://${shownHost(config.host)}:${port}`),
    { entry: { configured: config.nativeAddresses, httpPort: port, nativePort }, tls: tls !== undefined },
    logger,
  );
  await announcer.announce();

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost(config.host)}:${port}`,
    port,
    nativePort,
    services,
    gateway,
    createdDevApp,
    createdAdminToken: admin.created ? admin.token : undefined,
    warnings,
    reloadTls: async () => {
      if (!tls) return false;
      await tls.reload();
      return true;
    },
    close: () =>
      (closing ??= (async () => {
        retention.stop();
        mediaRetention.stop();
        await appWatcher.stop();
        await announcer.stop();
        webSockets.close();
        nativeServer?.close();
        await gateway.close();
        chatrooms.close();
        await http.close();
        await messages.idle();
        await bus.close();
        await store.close();
      })()),
  };
}

/**
 * Tells the cluster (through the bus) that this gateway is alive and how loaded it is, so
 * navigation can hand out live gateways, least loaded first; a node that stops announcing drops out
 * of navigation within seconds.
 */
function startAnnouncing(
  bus: Bus,
  gateway: Gateway,
  publicUrl: URL,
  native: { entry: NativeEntry; tls: boolean },
  logger: Logger,
): { announce(): Promise<void>; stop(): Promise<void> } {
  const nodeId = randomUUID();
  const node = {
    nodeId,
    address: publicUrl.host,
    protocol: webSocketProtocolOf(publicUrl),
    nativeAddresses: nativeAddresses(publicUrl, native.entry),
    nativeProtocol: nativeProtocolOf(native.tls),
  } as const;
  const announce = () =>
    bus.nodes
      .announce({ ...node, connections: gateway.size }, NODE_ANNOUNCE_TTL_MS)
      .catch((err: unknown) => logger.warn({ err }, 'could not announce this node'));
  const timer = setInterval(() => void announce(), NODE_ANNOUNCE_EVERY_MS);
  timer.unref();
  return {
    announce,
    stop: async () => {
      clearInterval(timer);
      await bus.nodes.withdraw(nodeId).catch(() => undefined);
    },
  };
}

/** A listening server's port (the real one when 0 was asked for). */
function boundPort(server: NetServer | undefined): number | undefined {
  return (server?.address() as AddressInfo | null | undefined)?.port;
}

/** A port that is taken is the operator's to fix: say which flag chose it. */
function listenError(error: unknown, config: ServerConfig): unknown {
  if ((error as NodeJS.ErrnoException | null)?.code !== 'EADDRINUSE') return error;
  const address = (error as { port?: number }).port;
  if (address !== undefined && address === config.nativePort) {
    return new ConfigError(`--native-port ${address} is taken (by default it is --port + 1): give another, or --native-port off`);
  }
  return new ConfigError(`--port ${config.port} is taken: give another`);
}

/** The address to print for a wildcard bind. */
function shownHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}
