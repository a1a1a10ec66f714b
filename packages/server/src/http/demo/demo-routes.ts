import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { findDevelopmentApp } from '../../core/apps/dev-app.js';
import { verifyConnect } from '../../core/tokens/token-verification.js';
import { idField } from '../../core/users/user-id.js';
import type { Services } from '../../services.js';
import type { AppRecord } from '../../store/store.js';
import { bearerToken } from '../admin/admin-token.js';
import { setUpJsonApi, httpError, parseWith } from '../json-api.js';
import type { PublicAddress } from '../public-url.js';

/** Demo calls per second one client address may make (bursts of 4 times that): enough for people, not for a script. */
const CALLS_PER_IP_PER_SECOND = 5;

const loginBody = z.object({ userId: idField }).strict();
const groupBody = z.object({ groupId: idField }).strict();

export interface DemoOptions {
  services: Services;
  publicAddress: PublicAddress;
}

/**
 * The demo chat's "app server" (`/demo/api/...`): what a real app server does with the Server API,
 * done in-process so the demo needs no second program. It registers users of the development app
 * and hands the page a token; the App Secret stays here, as the seeds require.
 *
 * It gives a token for any user name of the development app — and only of that app — to anyone who
 * can reach the port, which is the point of a demo and the reason it is on by default only on a
 * loopback bind (config.ts).
 */
export async function demoPlugin(demo: FastifyInstance, { services, publicAddress }: DemoOptions): Promise<void> {
  setUpJsonApi(demo);
  demo.addHook('onRequest', async (request) => {
    if (!(await services.bus.takeToken(`demo:${request.ip}`, CALLS_PER_IP_PER_SECOND, CALLS_PER_IP_PER_SECOND * 4))) {
      throw httpError(429, 'too many demo calls from this address, slow down');
    }
  });

  demo.post('/demo/api/login', async (request) => {
    const { userId } = parseWith(loginBody, request.body);
    const app = await developmentApp(services);
    // Same call, and same navigation address after the `@`, as /user/getToken.json.
    const token = await services.users.issueToken(app, userId, {}, publicAddress.baseUrlFor(request).origin);
    return { appKey: app.appKey, userId, token };
  });

  // As /group/join.json: creates the group on first use. Only the user the token names joins, and
  // the answer names nobody: who else is in a group is not the caller's to learn here.
  demo.post('/demo/api/group', async (request) => {
    const { groupId } = parseWith(groupBody, request.body);
    const app = await developmentApp(services);
    const userId = await signedInUser(services, app, request);
    await services.groups.join(app.appKey, groupId, [userId]);
    return { groupId };
  });
}

/** The development app this server created on its first start; the demo serves no other. */
async function developmentApp(services: Services): Promise<AppRecord> {
  const app = await findDevelopmentApp(services.store);
  if (!app || app.state === 'deleted') {
    throw httpError(503, 'this server has no development app (it was deleted), so the demo is off; use the Server API of your own app');
  }
  // The Server API refuses a blocked app's calls (403); the demo's app server does the same.
  if (app.state === 'blocked') throw httpError(403, `the demo app ${app.appKey} is blocked`);
  return app;
}

/** The user of the demo token in `Authorization: Bearer`, checked as a connect would check it. */
async function signedInUser(services: Services, app: AppRecord, request: FastifyRequest): Promise<string> {
  const token = bearerToken(request.headers.authorization);
  if (token === undefined) throw httpError(401, 'log in first: send the demo token as Authorization: Bearer <token>');
  const verdict = await verifyConnect({
    token,
    presentedAppKey: app.appKey,
    app,
    lookupUser: (appKey, userId) => services.users.get(appKey, userId),
    now: services.now(),
  });
  if (!verdict.ok) throw httpError(401, `the demo token is not accepted (${verdict.refusal})`);
  return verdict.claims.userId;
}
