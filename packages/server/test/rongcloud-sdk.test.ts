import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * The official RongCloud Node server SDK (rongcloud-sdk 3.x), unmodified, pointed at Parley. It keeps
 * its configuration in module state and signs once per process, so this file configures it once per
 * case, in sequence.
 */
const require = createRequire(import.meta.url);

interface RongSdk {
  User: {
    register(user: { id: string; name: string; portrait: string }): Promise<{ code: number | string; userId?: string; token?: string; msg?: string }>;
    update(user: { id: string; name: string; portrait: string }): Promise<{ code: number | string }>;
    Block: {
      add(user: { id: string; minute: number }): Promise<{ code: number | string }>;
      remove(user: { id: string }): Promise<{ code: number | string }>;
      getList(): Promise<{ code: number | string; users: { userId: string }[] }>;
    };
    OnlineStatus: { get(user: { id: string }): Promise<{ code: number | string; status: string }> };
  };
}

function rongSdk(server: TestServer, appkey: string, secret: string): RongSdk {
  const factory = require('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => RongSdk;
  return factory({ appkey, secret, api: server.url });
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('official rongcloud-sdk against Parley', () => {
  it('registers, updates, blocks, queries, unblocks and checks online status', async () => {
    const sdk = rongSdk(server, server.devApp.appKey, server.devApp.appSecret);
    const registered = await sdk.User.register({ id: 'sdkuser', name: 'SDK User', portrait: 'http://img/p.png' });
    expect(registered).toMatchObject({ code: 200, userId: 'sdkuser' });
    expect(registered.token).toMatch(/^[A-Za-z0-9_-]+@http:\/\/127\.0\.0\.1:\d+$/);

    expect((await sdk.User.update({ id: 'sdkuser', name: 'Renamed', portrait: 'http://img/q.png' })).code).toBe(200);
    expect(await server.services.users.get(server.devApp.appKey, 'sdkuser')).toMatchObject({ name: 'Renamed' });

    expect((await sdk.User.Block.add({ id: 'sdkuser', minute: 30 })).code).toBe(200);
    expect((await sdk.User.Block.getList()).users.map((u) => u.userId)).toEqual(['sdkuser']);
    expect((await sdk.User.Block.remove({ id: 'sdkuser' })).code).toBe(200);
    expect((await sdk.User.Block.getList()).users).toEqual([]);

    expect(await sdk.User.OnlineStatus.get({ id: 'sdkuser' })).toEqual({ code: 200, status: '0' });
  });

  it('keeps working for many calls although it repeats one nonce and timestamp (compatible mode)', async () => {
    const sdk = rongSdk(server, server.devApp.appKey, server.devApp.appSecret);
    for (let i = 0; i < 50; i++) {
      expect((await sdk.User.OnlineStatus.get({ id: `u${i}` })).code).toBe(200);
    }
  });

  it('gets a signature error for a wrong secret (the SDK maps 1004 to its own 20000)', async () => {
    const sdk = rongSdk(server, server.devApp.appKey, 'not-the-secret');
    const result = await sdk.User.register({ id: 'intruder', name: 'x', portrait: 'http://img/x.png' });
    expect(result.code).toBe('20000');
    expect(await server.services.users.get(server.devApp.appKey, 'intruder')).toBeUndefined();
  });

  it('is refused after its second call in strict mode, since it repeats its nonce', async () => {
    const strict = await server.services.apps.create({ name: 'strict-sdk', signatureMode: 'strict' });
    const sdk = rongSdk(server, strict.appKey, strict.appSecret);
    expect((await sdk.User.OnlineStatus.get({ id: 'a' })).code).toBe(200);
    expect((await sdk.User.OnlineStatus.get({ id: 'a' })).code).toBe('20000');
  });
});
