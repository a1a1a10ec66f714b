import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { devAppFile } from '../../core/apps/dev-app.js';
import { USER_ID_PATTERN } from '../../core/users/user-id.js';
import type { Services } from '../../services.js';
import type { AppRecord } from '../../store/store.js';
import { setUpJsonApi, httpError, parseWith } from '../json-api.js';
import { publicBaseUrl } from '../public-url.js';

/** Logins per second one IP address may ask for (bursts of 4 times that): enough for people, not for a script. */
const LOGINS_PER_IP_PER_SECOND = 5;

const id = z.string().regex(USER_ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 + = - _ |');
const loginBody = z.object({ userId: id }).strict();
const groupBody = z.object({ userId: id, groupId: id }).strict();

export interface DemoOptions {
  services: Services;
  dataDir: string;
  publicUrl: string | undefined;
}

/**
 * The demo chat's "app server" (`/demo/api/...`): what a real app server does with the Server API,
 * done in-process so the demo needs no second program. It registers users of the development app
 * and hands the page a token; the App Secret stays here, as the seeds require.
 *
 * It gives a token for any user name to anyone who can reach the port, which is the point of a demo
 * and the reason `parley serve --no-demo` turns it off.
 */
export async function demoPlugin(demo: FastifyInstance, { services, dataDir, publicUrl }: DemoOptions): Promise<void> {
  setUpJsonApi(demo);

  demo.post('/demo/api/login', async (request) => {
    const { userId } = parseWith(loginBody, request.body);
    if (!(await services.bus.takeToken(`demo-login:${request.ip}`, LOGINS_PER_IP_PER_SECOND, LOGINS_PER_IP_PER_SECOND * 4))) {
      throw httpError(429, 'too many logins from this address, slow down');
    }
    const app = await developmentApp(services, dataDir);
    // Same call, and same navigation address after the `@`, as /user/getToken.json.
    const token = await services.users.issueToken(app, userId, {}, publicBaseUrl(request, publicUrl).origin);
    return { appKey: app.appKey, userId, token };
  });

  demo.post('/demo/api/group', async (request) => {
    const { userId, groupId } = parseWith(groupBody, request.body);
    const app = await developmentApp(services, dataDir);
    // As /group/join.json: creates the group on first use.
    await services.groups.join(app.appKey, groupId, [userId]);
    return { groupId, members: await services.groups.members(app.appKey, groupId) };
  });
}

/**
 * The app the demo signs users into: the development app of `<dataDir>/dev-app.json`, or, when
 * that file is gone or names a deleted app, the oldest app that is not deleted.
 */
async function developmentApp(services: Services, dataDir: string): Promise<AppRecord> {
  // A missing or unreadable file is not an error here: the fallback below covers it.
  const saved = await readFile(devAppFile(dataDir), 'utf8')
    .then((text) => (JSON.parse(text) as { appKey?: unknown }).appKey)
    .catch(() => undefined);
  let app = typeof saved === 'string' ? await services.apps.get(saved) : undefined;
  if (!app || app.state === 'deleted') {
    app = (await services.apps.list()).filter((a) => a.state !== 'deleted').sort((a, b) => a.createdAt - b.createdAt)[0];
  }
  if (!app) throw httpError(503, 'there is no app to sign demo users into: create one with `npx parley app create --name NAME`');
  // The Server API refuses a blocked app's calls (403); the demo's app server does the same.
  if (app.state === 'blocked') throw httpError(403, `the demo app ${app.appKey} is blocked`);
  return app;
}
