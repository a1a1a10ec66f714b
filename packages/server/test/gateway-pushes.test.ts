import { decodePayload } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NativeRawClient } from './support/native-raw-client.js';
import { RawClient } from './support/raw-client.js';
import { callServerApi } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Pushes other than inbox notices, as features publish them on the bus: `s_cmd` and live `s_msg`. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const tokenFor = async (userId: string) => String((await callServerApi(server.url, 'user/getToken', { userId }, server.devApp)).body.token);

describe('gateway pushes', () => {
  it('sends an s_cmd to every online device of the users named, except the one that caused it', async () => {
    const a = await RawClient.open(server.url);
    const b = await RawClient.open(server.url);
    const a2 = await RawClient.open(server.url);
    try {
      const connack = await a.connect(server.devApp.appKey, await tokenFor('push-a'), { platform: 'desktop' });
      await a2.connect(server.devApp.appKey, await tokenFor('push-a'), { platform: 'mobile' });
      await b.connect(server.devApp.appKey, await tokenFor('push-b'));
      const except = connack.type === 'CONNACK' ? connack.session?.sessionId : undefined;
      await server.services.bus.publish({ kind: 'command', appKey: server.devApp.appKey, userIds: ['push-a'], notifyType: 12, time: 1234, exceptSessionId: except });
      const cmd = await a2.nextFrame((f) => f.type === 'PUBLISH' && f.topic === 's_cmd');
      if (cmd.type !== 'PUBLISH') throw new Error('not a PUBLISH');
      expect(decodePayload('NotifyMsg', cmd.payload)).toMatchObject({ type: 12, time: 1234 });
      await new Promise((r) => setTimeout(r, 200));
      expect(a.frames.some((f) => f.type === 'PUBLISH' && f.topic === 's_cmd')).toBe(false);
      expect(b.frames.some((f) => f.type === 'PUBLISH' && f.topic === 's_cmd')).toBe(false);
    } finally {
      for (const c of [a, b, a2]) c.close();
    }
  });

  it('delivers a live message as s_msg, without a direction for the native stack', async () => {
    const web = await RawClient.open(server.url);
    const native = await NativeRawClient.open(server.port);
    try {
      await web.connect(server.devApp.appKey, await tokenFor('live-web'));
      await native.connect(server.devApp.appKey, (await tokenFor('live-native')).replace(/@.*$/, '@'));
      const message = { senderId: 'typist', conversationType: 1, targetId: 'x', objectName: 'RC:TypSts', content: '{"typingContentType":"RC:TxtMsg"}', sentTime: 42, flags: 0 };
      await server.services.bus.publish({ kind: 'live-message', appKey: server.devApp.appKey, userIds: ['live-web', 'live-native'], message });
      for (const client of [web, native]) {
        const frame = await client.nextFrame((f) => f.type === 'PUBLISH' && f.topic === 's_msg');
        if (frame.type !== 'PUBLISH') throw new Error('not a PUBLISH');
        const down = decodePayload('DownStreamMessage', frame.payload);
        expect(down).toMatchObject({ fromUserId: 'typist', classname: 'RC:TypSts', dataTime: 42, status: 0 });
        expect(down.direction).toBe(client === web ? 2 : undefined);
        expect(down.msgId).toBeUndefined();
      }
    } finally {
      web.close();
      native.close();
    }
  });
});
