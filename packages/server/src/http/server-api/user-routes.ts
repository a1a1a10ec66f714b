import type { Services } from '../../services.js';
import { MAX_BLOCK_MINUTES } from '../../core/users/user-service.js';
import { ApiError } from '../api-error.js';
import type { PublicAddress } from '../public-url.js';
import { fieldSchemas as f } from './form.js';
import type { ApiRoute } from './server-api-plugin.js';

const MAX_USERS_PER_CALL = 20;
const MAX_TIME_MS = 8_640_000_000_000_000;

/** `/user/*`: docs/contract.md, "Server API"; the README lists the routes and choices. */
export function userRoutes(services: Services, publicAddress: PublicAddress): ApiRoute[] {
  const { users } = services;
  return [
    {
      path: 'user/getToken',
      handle: async ({ app, form, request }) => {
        const userId = form.required('userId', f.userId);
        const profile = { name: form.optional('name', f.userName), portraitUri: form.optional('portraitUri', f.portraitUri) };
        // The token carries our address after `@` so official SDKs need no `navigators` setting.
        const origin = publicAddress.baseUrlFor(request).origin;
        return { userId, token: await users.issueToken(app, userId, profile, origin) };
      },
    },
    {
      path: 'user/refresh',
      handle: async ({ app, form }) => {
        const userId = form.required('userId', f.userId);
        const profile = { name: form.optional('name', f.userName), portraitUri: form.optional('portraitUri', f.portraitUri) };
        if (!(await users.updateProfile(app.appKey, userId, profile))) throw unknownUser(userId);
        return {};
      },
    },
    {
      path: 'user/info',
      handle: async ({ app, form }) => {
        const userId = form.required('userId', f.userId);
        const user = await users.get(app.appKey, userId);
        if (!user) throw unknownUser(userId);
        return { userName: user.name, userPortrait: user.portraitUri, createTime: rongCloudTime(user.createdAt) };
      },
    },
    {
      path: 'user/token/expire',
      handle: async ({ app, form }) => {
        const userIds = form.many('userId', f.userId, { max: MAX_USERS_PER_CALL });
        const time = form.required('time', f.integer(0, MAX_TIME_MS));
        await users.expireTokens(app.appKey, userIds, time);
        return {};
      },
    },
    {
      path: 'user/block',
      handle: async ({ app, form }) => {
        const userIds = form.many('userId', f.userId, { max: MAX_USERS_PER_CALL });
        const minutes = form.required('minute', f.integer(1, MAX_BLOCK_MINUTES));
        await users.block(app.appKey, userIds, minutes);
        return {};
      },
    },
    {
      path: 'user/unblock',
      handle: async ({ app, form }) => {
        await users.unblock(app.appKey, form.many('userId', f.userId, { max: MAX_USERS_PER_CALL }));
        return {};
      },
    },
    {
      path: 'user/block/query',
      handle: async ({ app, form }) => {
        const page = form.optional('page', f.integer(1, 1_000_000)) ?? 1;
        const size = form.optional('size', f.integer(1, 200)) ?? 50;
        const blocked = await users.listBlocked(app.appKey, page, size);
        return {
          users: blocked.map((u) => ({
            userId: u.userId,
            blockEndTime: rongCloudTime(u.blockedUntil),
            blockEndTimeMs: u.blockedUntil,
          })),
        };
      },
    },
    {
      path: 'user/checkOnline',
      handle: async ({ app, form }) => {
        const online = await users.isOnline(app.appKey, form.required('userId', f.userId));
        return { status: online ? '1' : '0' };
      },
    },
    {
      path: 'user/deactivate',
      handle: async ({ app, form }) => {
        await users.deactivate(app.appKey, form.many('userId', f.userId, { max: MAX_USERS_PER_CALL }));
        return {};
      },
    },
    {
      path: 'user/reactivate',
      handle: async ({ app, form }) => {
        await users.reactivate(app.appKey, form.many('userId', f.userId, { max: MAX_USERS_PER_CALL }));
        return {};
      },
    },
  ];
}

function unknownUser(userId: string): ApiError {
  return ApiError.badParameter(`userId ${userId} is not registered (call /user/getToken.json first)`);
}

/** RongCloud answers times as `yyyy-MM-dd HH:mm:ss`; Parley gives them in UTC. */
export function rongCloudTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
