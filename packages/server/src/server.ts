import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { Bus } from './bus/bus.js';
import { createLocalBus } from './bus/local/local-bus.js';
import { createRedisBus } from './bus/redis/redis-bus.js';
import type { ServerConfig } from './config.js';
import { AppService } from './core/apps/app-service.js';
import { ensureDevApp } from './core/apps/dev-app.js';
import { GroupService } from './core/groups/group-service.js';
import { MessageService } from './core/messaging/message-service.js';
import { startRetention } from './core/messaging/retention.js';
import { SessionService } from './core/sessions/session-service.js';
import { UserService } from './core/users/user-service.js';
import { defaultGatewayOptions, Gateway, type GatewayOptions } from './gateway/gateway.js';
import { messagingQueries, publishHandlers } from './gateway/messaging.js';
import { connectTimeQueries } from './gateway/queries.js';
import { ensureAdminToken } from './http/admin/admin-token.js';
import { buildHttpServer } from './http/http-server.js';
import { createMetricsRegistry } from './http/metrics.js';
import type { Services } from './services.js';
import { openStore } from './store/open-store.js';
import type { AppRecord } from './store/store.js';

export interface RunningServer {
  /** `http://host:port` as bound (the real port when 0 was asked for). */
  url: string;
  port: number;
  services: Services;
  gateway: Gateway;
  /** The development app, when this start created it. */
  createdDevApp: AppRecord | undefined;
  /** The admin token, when this start generated it (no `--admin-token`, no saved one). */
  createdAdminToken: string | undefined;
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
  const admin = await ensureAdminToken(config.dataDir, config.adminToken);
  const store = await openStore(config);
  let bus: Bus;
  try {
    bus = config.redisUrl ? await createRedisBus(config.redisUrl, { logger }) : createLocalBus();
  } catch (error) {
    await store.close();
    throw error;
  }
  const now = Date.now;
  const apps = new AppService(store, now);
  const users = new UserService(store, bus, now);
  const messages = new MessageService(store, bus, now, { sendsPerUserPerSecond: config.userSendRate });
  const services: Services = { store, bus, apps, users, groups: new GroupService(store, now), messages, now };
  const createdDevApp = await ensureDevApp(apps, config.dataDir);

  const metrics = createMetricsRegistry();
  const http = buildHttpServer({ services, logger, metrics, publicUrl: config.publicUrl, adminToken: admin.token, dataDir: config.dataDir, clustered: config.redisUrl !== undefined, demo: config.demo });
  // Half-open connections (a flood of started handshakes) are cut after 10 s, not Node's 60.
  http.server.headersTimeout = 10_000;
  const gateway = new Gateway(http.server, {
    sessions: new SessionService(apps, users, bus, now),
    bus,
    logger,
    metrics,
    queries: { ...connectTimeQueries, ...messagingQueries(messages) },
    publishes: publishHandlers(messages, metrics),
    now,
  }, { ...defaultGatewayOptions, handshakesPerIpPerSecond: config.handshakeRate, ...options.gateway });
  try {
    await http.listen({ port: config.port, host: config.host });
  } catch (error) {
    await gateway.close();
    await store.close();
    throw error;
  }
  const { port } = http.server.address() as AddressInfo;
  const retention = startRetention(store, logger, config.retentionDays, now);
  const announcer = startAnnouncing(bus, gateway, new URL(config.publicUrl ?? `http://${shownHost(config.host)}:${port}`), logger);
  await announcer.announce();

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost(config.host)}:${port}`,
    port,
    services,
    gateway,
    createdDevApp,
    createdAdminToken: admin.created ? admin.token : undefined,
    close: () =>
      (closing ??= (async () => {
        retention.stop();
        await announcer.stop();
        await gateway.close();
        await http.close();
        await messages.idle();
        await bus.close();
        await store.close();
      })()),
  };
}

/** Announcements are repeated this often and trusted for three times as long. */
const ANNOUNCE_EVERY_MS = 2000;

/**
 * Tells the cluster (through the bus) that this gateway is alive and how loaded it is, so
 * navigation can hand out live gateways, least loaded first; a node that stops announcing drops out
 * of navigation within seconds.
 */
function startAnnouncing(bus: Bus, gateway: Gateway, publicUrl: URL, logger: Logger): { announce(): Promise<void>; stop(): Promise<void> } {
  const nodeId = randomUUID();
  const announce = () =>
    bus.nodes
      .announce({ nodeId, address: publicUrl.host, protocol: publicUrl.protocol === 'https:' ? 6 : 5, connections: gateway.size }, 3 * ANNOUNCE_EVERY_MS)
      .catch((err: unknown) => logger.warn({ err }, 'could not announce this node'));
  const timer = setInterval(() => void announce(), ANNOUNCE_EVERY_MS);
  timer.unref();
  return {
    announce,
    stop: async () => {
      clearInterval(timer);
      await bus.nodes.withdraw(nodeId).catch(() => undefined);
    },
  };
}

/** The address to print for a wildcard bind. */
function shownHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}
