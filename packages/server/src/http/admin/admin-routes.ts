import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { AppNotFoundError } from '../../core/apps/app-service.js';
import { appSettingsSchema } from '../../core/apps/app-settings.js';
import { MAX_BLOCK_MINUTES } from '../../core/users/user-service.js';
import { idField } from '../../core/users/user-id.js';
import type { Services } from '../../services.js';
import type { AppRecord } from '../../store/store.js';
import { setUpJsonApi, httpError, parseWith } from '../json-api.js';
import type { PublicAddress } from '../public-url.js';
import { bearerGate } from './bearer-gate.js';
import { LiveStats } from './live-stats.js';

const appParams = z.object({ appKey: z.string().regex(/^[a-z0-9]{1,32}$/, 'must be an App Key') });
const userParams = appParams.extend({ userId: idField });
const createBody = appSettingsSchema.partial().required({ name: true });
const settingsBody = appSettingsSchema.partial().refine((s) => Object.keys(s).length > 0, 'give at least one setting to change');
const blockBody = z.object({ minutes: z.number().int().min(1).max(MAX_BLOCK_MINUTES) }).strict();
const expireBody = z.object({ before: z.number().int().min(0).optional() }).strict();

export interface AdminOptions {
  services: Services;
  metrics: Registry;
  adminToken: string;
  publicAddress: PublicAddress;
}

/**
 * The admin API behind the console (`/admin/api/...`), guarded by `Authorization: Bearer <admin
 * token>`: apps, users and the live figures. No answer carries an App Secret: a page is not where
 * secrets belong, so the console points at `npx parley app show` for them.
 */
export async function adminPlugin(admin: FastifyInstance, { services, metrics, adminToken, publicAddress }: AdminOptions): Promise<void> {
  const { apps, users } = services;
  setUpJsonApi(admin);

  const stats = new LiveStats(metrics);
  stats.start();
  admin.addHook('onClose', async () => stats.stop());

  admin.addHook('onRequest', bearerGate(services.bus, 'parley admin', 'the admin token', () => [adminToken]));

  /** The app named in the URL; 404 when unknown, 409 when deleted and the call would change it. */
  const appOf = async (params: unknown, forChange: boolean): Promise<AppRecord> => {
    const { appKey } = parseWith(appParams, params);
    const app = await apps.require(appKey).catch((error: unknown) => {
      throw error instanceof AppNotFoundError ? httpError(404, error.message) : error;
    });
    if (forChange && app.state === 'deleted') throw httpError(409, `app ${appKey} is deleted`);
    return app;
  };
  const userOf = async (params: unknown, forChange: boolean) => ({
    app: await appOf(params, forChange),
    userId: parseWith(userParams, params).userId,
  });

  admin.get('/admin/api/apps', async () => ({ apps: (await apps.list()).map(withoutSecret) }));

  admin.post('/admin/api/apps', async (request, reply) => {
    const app = await apps.create(parseWith(createBody, request.body));
    return reply.code(201).send({ app: withoutSecret(app) });
  });

  admin.patch('/admin/api/apps/:appKey', async (request) => {
    const app = await appOf(request.params, true);
    return { app: withoutSecret(await apps.configure(app.appKey, parseWith(settingsBody, request.body))) };
  });

  admin.post('/admin/api/apps/:appKey/rotate-secret', async (request) => {
    const app = await appOf(request.params, true);
    return { app: withoutSecret(await apps.rotateSecret(app.appKey)) };
  });

  for (const [verb, state] of [['block', 'blocked'], ['unblock', 'active']] as const) {
    admin.post(`/admin/api/apps/:appKey/${verb}`, async (request) => {
      const app = await appOf(request.params, true);
      return { app: withoutSecret(await apps.setState(app.appKey, state)) };
    });
  }

  admin.get('/admin/api/apps/:appKey/users/:userId', async (request) => {
    const { app, userId } = await userOf(request.params, false);
    const user = await users.get(app.appKey, userId);
    const now = services.now();
    const sessions = await services.bus.presence.sessionsOf(app.appKey, userId);
    return {
      user: {
        userId,
        registered: user !== undefined,
        createdAt: user?.createdAt ?? null,
        blockedUntil: user && user.blockedUntil > now ? user.blockedUntil : null,
        deactivated: user?.deactivated ?? false,
        tokensValidAfter: user?.tokensValidAfter || null,
        devices: sessions.map((s) => ({ platform: s.platform, deviceId: s.deviceId, connectedAt: s.connectedAt })),
      },
    };
  });

  admin.post('/admin/api/apps/:appKey/users/:userId/token', async (request) => {
    const { app, userId } = await userOf(request.params, true);
    return { userId, token: await users.issueToken(app, userId, {}, publicAddress.baseUrlFor(request).origin) };
  });

  admin.post('/admin/api/apps/:appKey/users/:userId/block', async (request) => {
    const { app, userId } = await userOf(request.params, true);
    const { minutes } = parseWith(blockBody, request.body);
    // Blocking drops the user's live sessions at once (31011): the console's way to kick someone.
    await users.block(app.appKey, [userId], minutes);
    return { userId, blockedUntil: services.now() + minutes * 60_000 };
  });

  admin.post('/admin/api/apps/:appKey/users/:userId/unblock', async (request) => {
    const { app, userId } = await userOf(request.params, true);
    await users.unblock(app.appKey, [userId]);
    return { userId };
  });

  admin.post('/admin/api/apps/:appKey/users/:userId/expire-tokens', async (request) => {
    const { app, userId } = await userOf(request.params, true);
    const before = parseWith(expireBody, request.body).before ?? services.now();
    await users.expireTokens(app.appKey, [userId], before);
    return { userId, tokensValidAfter: before };
  });

  for (const verb of ['deactivate', 'reactivate'] as const) {
    admin.post(`/admin/api/apps/:appKey/users/:userId/${verb}`, async (request) => {
      const { app, userId } = await userOf(request.params, true);
      await users[verb](app.appKey, [userId]);
      return { userId };
    });
  }

  admin.get('/admin/api/stats', async () => ({
    intervalMs: stats.options.intervalMs,
    windowMs: stats.options.windowMs,
    current: await stats.current(),
    series: stats.series(),
  }));
}

function withoutSecret(app: AppRecord): Omit<AppRecord, 'appSecret'> {
  const { appSecret: _secret, ...rest } = app;
  return rest;
}
