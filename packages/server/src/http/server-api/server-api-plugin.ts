import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../services.js';
import type { AppRecord } from '../../store/store.js';
import { ApiError } from '../api-error.js';
import { FormFields, type FormMap } from './form.js';
import { verifySignature } from './signature.js';

export interface ApiCall {
  app: AppRecord;
  form: FormFields;
  request: FastifyRequest;
}

/** One Server API endpoint: the path without `.json`, and what it adds to `{ code: 200 }`. */
export interface ApiRoute {
  path: string;
  handle(call: ApiCall): Promise<Record<string, unknown>>;
}

export interface ServerApiOptions {
  services: Services;
  routes: ApiRoute[];
}

/**
 * The RongCloud-compatible Server API. Every route goes through the same gate, in this order:
 * the app and its signature (1004), the app's rate limit (1008), then the route's own parameter
 * checks (1002). A refused call changes nothing.
 */
export async function serverApiPlugin(api: FastifyInstance, { services, routes }: ServerApiOptions): Promise<void> {
  for (const route of routes) {
    api.post(`/${route.path}.json`, async (request, reply) => {
      const app = await authenticate(request, services);
      if (!(await services.bus.takeToken(`api:${app.appKey}`, app.apiRateLimit, app.apiRateLimit))) {
        throw ApiError.rateLimited();
      }
      const form = new FormFields((request.body as FormMap | undefined) ?? new Map());
      const result = await route.handle({ app, form, request });
      return reply.send({ code: 200, ...result });
    });
  }
}

async function authenticate(request: FastifyRequest, services: Services): Promise<AppRecord> {
  const appKey = header(request, 'app-key');
  if (!appKey) throw ApiError.signature('App-Key header is required');
  const app = await services.apps.get(appKey);
  if (!app || app.state === 'deleted') throw ApiError.signature('unknown App-Key');
  await verifySignature(
    app,
    { nonce: header(request, 'nonce'), timestamp: header(request, 'timestamp'), signature: header(request, 'signature') },
    services.now(),
    services.bus.claimOnce,
  );
  // Checked after the signature so that an unsigned caller learns nothing about the app.
  if (app.state === 'blocked') throw ApiError.signature('this app is blocked', 403);
  return app;
}

/** RongCloud accepts each signing header bare or with an `RC-` prefix. */
function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name] ?? request.headers[`rc-${name}`];
  return Array.isArray(value) ? value[0] : value;
}
