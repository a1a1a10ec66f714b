import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Services } from '../services.js';
import { adminPlugin } from './admin/admin-routes.js';
import { ApiCode, ApiError } from './api-error.js';
import { demoPlugin } from './demo/demo-routes.js';
import { isHostName } from '../config.js';
import type { TrustedProxies } from './client-address.js';
import { installMetrics, type MetricsAccess } from './metrics.js';
import { mediaPlugin } from './media/media-routes.js';
import { navigationPlugin, type NativeEntry } from './navigation.js';
import type { MediaService } from '../core/media/media-service.js';
import { parseForm } from './server-api/form.js';
import { serverApiPlugin } from './server-api/server-api-plugin.js';
import { chatroomRoutes } from './server-api/chatroom-routes.js';
import { historyCleanRoutes } from './server-api/history-clean-routes.js';
import { conversationStateRoutes } from './server-api/conversation-state-routes.js';
import { messageChangeRoutes } from './server-api/message-change-routes.js';
import { groupAndMessageRoutes } from './server-api/message-routes.js';
import { userRoutes } from './server-api/user-routes.js';
import type { PublicAddress } from './public-url.js';
import { DEFAULT_WEB_ROOT, staticPagesPlugin } from './static-pages.js';

export const MAX_BODY_BYTES = 100 * 1024;
/**
 * A request's headers must be complete this soon after its connection opens; the check runs every
 * second, so a slow-header client holds its socket for at most about this long plus one.
 */
export const HEADERS_TIMEOUT_MS = 5_000;

export interface HttpServerOptions {
  services: Services;
  logger: Logger;
  metrics: Registry;
  publicAddress: PublicAddress;
  /** The bearer token of `/admin/api` (admin/admin-token.ts says where it comes from). */
  adminToken: string;
  metricsAccess: MetricsAccess;
  /** Proxies whose `X-Forwarded-For` names the client (`--trust-proxy`). */
  trustedProxies: TrustedProxies;
  /** The demo's token-issuing routes (`/demo/api`); config.ts decides the default. */
  demo: boolean;
  /** File uploads and downloads (`/media`), and navigation's `uploadServer`; off when absent. */
  media?: MediaService;
  /** The web pages' build output; default `packages/web/dist`. */
  webRoot?: string;
  /** Cluster mode: navigation lists the live gateways from the bus. */
  clustered?: boolean;
  /** The node's ports for native clients, for navigation answers to the native stack. */
  nativeEntry?: () => NativeEntry;
  /** Every port also takes TLS (`--tls-cert`). */
  tls?: boolean;
}

/** The HTTP edge: Server API, navigation, health and metrics, web pages and their APIs, with one error shape for all. */
export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  const { services, logger, metrics, publicAddress, clustered } = options;
  const http = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: MAX_BODY_BYTES,
    // Stops a slow or silent client from holding a socket forever.
    requestTimeout: 30_000,
    http: { headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
    trustProxy: (address: string) => options.trustedProxies(address),
    // Per-request lines at info level would dominate the log under load; the debug hook below has them.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });

  http.removeAllContentTypeParsers();
  http.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  http.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.httpStatus).send({ code: error.code, errorMessage: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
      return reply.code(500).send({ code: ApiCode.INTERNAL, errorMessage: 'internal error' });
    }
    // Fastify's own refusals (body too large, bad content type, malformed body): the message is
    // fastify's, which names the problem and carries no internals.
    return reply.code(status).send({ code: ApiCode.BAD_PARAMETER, errorMessage: error.message });
  });
  http.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 404, errorMessage: `no such endpoint: ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}` }),
  );

  http.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  // A malformed Host would otherwise reach URL parsing deep inside a route and end as a 500.
  http.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host;
    if (host !== undefined && !isHostName(host)) return reply.code(400).send({ code: 400, errorMessage: 'malformed Host header' });
  });

  installMetrics(http, metrics, options.metricsAccess, services.bus);
  http.get('/healthz', async () => {
    await services.store.ping();
    return { status: 'ok' };
  });
  http.register(navigationPlugin, { services, publicAddress, clustered: clustered ?? false, nativeEntry: options.nativeEntry ?? (() => ({ configured: [], httpPort: 0, nativePort: undefined })), tls: options.tls ?? false, uploads: options.media !== undefined });
  http.register(serverApiPlugin, { services, routes: [...userRoutes(services, publicAddress), ...groupAndMessageRoutes(services), ...messageChangeRoutes(services), ...historyCleanRoutes(services), ...conversationStateRoutes(services), ...chatroomRoutes(services)] });
  http.register(adminPlugin, { services, metrics, adminToken: options.adminToken, publicAddress });
  if (options.media) http.register(mediaPlugin, { media: options.media, publicAddress });
  if (options.demo) http.register(demoPlugin, { services, publicAddress });
  http.register(staticPagesPlugin, { root: options.webRoot ?? DEFAULT_WEB_ROOT });
  return http;
}
