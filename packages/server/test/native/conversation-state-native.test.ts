// Conversation states with RongCloud's native stack (the unmodified official Electron SDK,
// support/official-native): it pulls the user's states at connect and after an `s_cmd` 3 with the
// Web SDK's schema, and stays connected and working.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectConfinedToLoopback } from '../support/official-native/loopback-confinement.js';
import { NativeClient } from '../support/official-native/native-client.js';
import { callServerApi } from '../support/server-api-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PRIVATE = 1;

let server: TestServer;
const natives: NativeClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  const started = natives.splice(0);
  for (const client of started) expectConfinedToLoopback(client);
  await Promise.all(started.map((c) => c.close()));
});
afterAll(() => server.stop());

async function tokenFor(userId: string): Promise<string> {
  return String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token);
}

describe('native stack: conversation states', () => {
  it('connects with states to sync, takes a change announced while online, and goes on sending', async () => {
    await tokenFor('nat-bob');
    const token = await tokenFor('nat-alice');
    expect((await callServerApi(server.url, 'conversation/top/set', { userId: 'nat-alice', conversationType: PRIVATE, targetId: 'nat-bob', setTop: 'true' }, server.devApp)).body.code).toBe(200);

    const [pinned] = await server.services.conversationStates.changedAfter(server.devApp.appKey, 'nat-alice', 0);
    // What the stack asks for, read where the server answers it: the version it sends says what it took in.
    const asked: number[] = [];
    const repository = server.services.store.conversationStates;
    const changedAfter = repository.changedAfter.bind(repository);
    repository.changedAfter = (appKey, userId, version, limit) => {
      if (userId === 'nat-alice') asked.push(version);
      return changedAfter(appKey, userId, version, limit);
    };

    const client = await NativeClient.start({ appKey: server.devApp.appKey, navigators: [server.url], deviceId: 'nat-alice-pc', label: 'native nat-alice' });
    natives.push(client);
    expect(await client.connect(token)).toEqual({ code: 0, userId: 'nat-alice' });

    const level = { requestId: 'nat-alice', conversationType: PRIVATE, targetId: 'nat-bob', unpushLevel: 5 };
    expect((await callServerApi(server.url, 'conversation/notification/set', level, server.devApp)).body.code).toBe(200);
    // At connect it asks from 0; after the notice, from the version of the state it synced then.
    await expect.poll(() => asked, { timeout: 8000 }).toEqual([0, pinned!.version]);
    expect((await client.sendText(PRIVATE, 'nat-bob', 'still here')).code).toBe(0);
  });
});
