import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createLocalBus } from './bus/local/local-bus.js';
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
  /** Stops accepting, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

/** Settings that are not flags: tests shorten the gateway's deadlines with them. */
export interface StartOptions {
  gateway?: Partial<GatewayOptions>;
}

/** The composition root: wires store, bus and core into the HTTP and WebSocket edges. */
export async function startServer(config: ServerConfig, logger: Logger, options: StartOptions = {}): Promise<RunningServer> {
  const store = await openStore(config);
  const bus = createLocalBus();
  const now = Date.now;
  const apps = new AppService(store, now);
  const users = new UserService(store, bus, now);
  const messages = new MessageService(store, bus, now, { sendsPerUserPerSecond: config.userSendRate });
  const services: Services = { store, bus, apps, users, groups: new GroupService(store, now), messages, now };
  const createdDevApp = await ensureDevApp(apps, config.dataDir);

  const metrics = createMetricsRegistry();
  const http = buildHttpServer({ services, logger, metrics, publicUrl: config.publicUrl });
  // Half-open connections (a flood of started handshakes) are cut after 10 s, not Node's 60.
  http.server.headersTimeout = 10_000;
  const gateway = new Gateway(http.server, {
    sessions: new SessionService(apps, users, bus, now),
    bus,
    logger,
    metrics,
    queries: { ...connectTimeQueries, ...messagingQueries(messages) },
    publishes: publishHandlers(messages),
    now,
  }, { ...defaultGatewayOptions, ...options.gateway });
  try {
    await http.listen({ port: config.port, host: config.host });
  } catch (error) {
    await gateway.close();
    await store.close();
    throw error;
  }
  const { port } = http.server.address() as AddressInfo;
  const retention = startRetention(store, logger, config.retentionDays, now);
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    services,
    gateway,
    createdDevApp,
    close: () =>
      (closing ??= (async () => {
        retention.stop();
        await gateway.close();
        await http.close();
        await messages.idle();
        await bus.close();
        await store.close();
      })()),
  };
}
