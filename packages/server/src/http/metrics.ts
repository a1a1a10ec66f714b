import type { FastifyInstance } from 'fastify';
import { readdir } from 'node:fs/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Bus } from '../bus/bus.js';
import { bearerGate } from './admin/bearer-gate.js';

/**
 * Default figures whose collection walks every open handle on the main thread (a list of objects
 * per scrape): with thousands of connections a scrape held the event loop for tens of ms.
 */
const PER_HANDLE_METRICS = ['nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total'];

/** One registry per server, so several servers in one process (tests) keep separate figures. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of PER_HANDLE_METRICS) registry.removeSingleMetric(name);
  // The default reads the descriptor list synchronously; against the 20,000 a process may hold,
  // operators need this figure, so it is read off the main thread instead.
  if (registry.getSingleMetric('process_open_fds')) {
    registry.removeSingleMetric('process_open_fds');
    new Gauge({
      name: 'process_open_fds',
      help: 'Number of open file descriptors.',
      registers: [registry],
      async collect() {
        // An unreadable list leaves the last figure, as the default did: a scrape never fails on it.
        const fds = await readdir('/proc/self/fd').catch(() => undefined);
        // Less the descriptor the listing itself held.
        if (fds) this.set(fds.length - 1);
      },
    });
  }
  return registry;
}

/**
 * Who may read `/metrics`. The figures name no user, but they show load and traffic patterns: open
 * on a loopback bind, where only this machine reaches them; otherwise for a bearer of one of
 * `tokens` (the admin token, or `--metrics-token` so a scraper need not hold the admin token).
 */
export interface MetricsAccess {
  open: boolean;
  tokens: string[];
}

/**
 * Request counts and latency by route (the route pattern, so unknown paths cannot add series).
 * Installed on the root instance, not as an encapsulated plugin, so its hook sees every route.
 */
export function installMetrics(http: FastifyInstance, registry: Registry, access: MetricsAccess, bus: Bus): void {
  const requests = new Counter({
    name: 'parley_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  http.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  const gate = access.open ? [] : [bearerGate(bus, 'parley metrics', 'the admin token or the metrics token', () => access.tokens)];
  http.get('/metrics', { onRequest: gate }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
