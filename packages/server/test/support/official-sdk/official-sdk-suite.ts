import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { callServerApi, type Credentials } from '../server-api-client.js';
import { startTestServer, type TestServer } from '../test-server.js';
import { OfficialClient } from './official-client.js';

export interface OfficialSdkSuite {
  /** The file's server, started before its first test. */
  readonly server: TestServer;
  /** The server's development app. */
  readonly dev: Credentials;
  /** An official Web SDK client connected to the server as `userId` of the development app, closed when the test ends. */
  login(userId: string): Promise<OfficialClient>;
  /** A token of the development app for `userId`, from the Server API. */
  tokenFor(userId: string): Promise<string>;
  /** Creates a group of the development app with these members through the Server API. */
  createGroup(groupId: string, userIds: string[]): Promise<void>;
}

/**
 * A test file's server and its official Web SDK users: registers the hooks that start the server
 * before the file's tests and stop it after them, and that close each test's clients when it ends.
 */
export function officialSdkSuite(): OfficialSdkSuite {
  let server: TestServer | undefined;
  const clients: OfficialClient[] = [];

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(() => server?.stop());

  const suite: OfficialSdkSuite = {
    get server() {
      if (!server) throw new Error('the test server starts in beforeAll');
      return server;
    },
    get dev() {
      return suite.server.devApp;
    },
    async tokenFor(userId) {
      return String((await callServerApi(suite.server.url, 'user/getToken', { userId }, suite.dev)).body.token);
    },
    async createGroup(groupId, userIds) {
      expect((await callServerApi(suite.server.url, 'group/create', { userId: userIds, groupId, groupName: groupId }, suite.dev)).body.code).toBe(200);
    },
    async login(userId) {
      const token = await suite.tokenFor(userId);
      const client = await OfficialClient.start({ appKey: suite.dev.appKey, navigators: [suite.server.url], label: userId });
      clients.push(client);
      expect(await client.connect(token)).toEqual({ code: 0, userId });
      return client;
    },
  };
  return suite;
}
