import { IMClient, type Message } from '@parley/client';
import { callServerApi } from '../../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../../server/test/support/temp-dir.js';
import type { TestServer } from '../../../server/test/support/test-server.js';

export interface ConnectedDevice {
  c: IMClient;
  /** Every message its listener was given, in order. */
  received: Message[];
}

/**
 * A device of `userId` on the server's development app, with a database of its own, connected
 * (and so synced) before it is returned. What it leaves behind is pushed on `cleanups`.
 */
export async function connectedDevice(server: TestServer, userId: string, cleanups: (() => Promise<void> | void)[]): Promise<ConnectedDevice> {
  const dir = makeTempDir('parley-client-device-');
  cleanups.push(dir.remove);
  const c = new IMClient();
  c.init(server.devApp.appKey, { dataDir: dir.path });
  const device: ConnectedDevice = { c, received: [] };
  c.addMessageListener((messages) => device.received.push(...messages));
  cleanups.push(() => c.disconnect());
  await c.connectAsync(String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token));
  return device;
}
