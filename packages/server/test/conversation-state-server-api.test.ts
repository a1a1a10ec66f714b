import { createRequire } from 'node:module';
import { decodePayload, NotificationLevel, NotifyType } from '@parley/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './support/raw-client.js';
import { callServerApi } from './support/server-api-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * Conversation states set by the app server: the official RongCloud Node server SDK (rongcloud-sdk
 * 3.x, unmodified) mutes and unmutes; `conversation/top/set` pins. The user's online devices hear it.
 */
const require = createRequire(import.meta.url);

interface RongSdk {
  Conversation: {
    mute(conversation: { type: string; targetId: string; userId: string }): Promise<unknown>;
    unmute(conversation: { type: string; targetId: string; userId: string }): Promise<unknown>;
  };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const statesOf = (userId: string) => server.services.conversationStates.changedAfter(server.devApp.appKey, userId, 0);
const codeOf = (answer: unknown) => Number((typeof answer === 'string' ? (JSON.parse(answer) as { code: unknown }) : (answer as { code: unknown })).code);

describe('conversation states through the Server API', () => {
  it('mutes with the official server SDK and pins, telling the user’s online devices', async () => {
    const factory = require('rongcloud-sdk') as (config: { appkey: string; secret: string; api: string }) => RongSdk;
    const sdk = factory({ appkey: server.devApp.appKey, secret: server.devApp.appSecret, api: server.url });
    const token = String((await callServerApi(server.url, 'user/getToken', { userId: 'api-alice' }, server.devApp)).body.token);
    const device = await RawClient.open(server.url);
    try {
      expect(await device.connect(server.devApp.appKey, token, { platform: 'mobile' })).toMatchObject({ type: 'CONNACK', status: 0 });

      expect(codeOf(await sdk.Conversation.mute({ type: 'GROUP', targetId: 'api-g1', userId: 'api-alice' }))).toBe(200);
      const notice = await device.nextFrame((f) => f.type === 'PUBLISH' && f.topic === 's_cmd');
      if (notice.type !== 'PUBLISH') throw new Error('not a PUBLISH');
      const [muted] = await statesOf('api-alice');
      expect(muted).toMatchObject({ conversationType: 3, targetId: 'api-g1', isTop: false, notificationLevel: NotificationLevel.AT_MESSAGE_NOTIFICATION });
      expect(decodePayload('NotifyMsg', notice.payload)).toMatchObject({ type: NotifyType.CONVERSATION_STATES, time: muted!.version });

      expect((await callServerApi(server.url, 'conversation/top/set', { userId: 'api-alice', conversationType: 3, targetId: 'api-g1', setTop: 'true' }, server.devApp)).body.code).toBe(200);
      expect(await statesOf('api-alice')).toEqual([expect.objectContaining({ targetId: 'api-g1', isTop: true, notificationLevel: NotificationLevel.AT_MESSAGE_NOTIFICATION })]);
      expect(codeOf(await sdk.Conversation.unmute({ type: 'GROUP', targetId: 'api-g1', userId: 'api-alice' }))).toBe(200);
      expect(await statesOf('api-alice')).toEqual([expect.objectContaining({ targetId: 'api-g1', isTop: true, notificationLevel: NotificationLevel.NOT_SET })]);
      const level = await callServerApi(server.url, 'conversation/notification/set', { requestId: 'api-alice', conversationType: 1, targetId: 'api-bob', unpushLevel: 5 }, server.devApp);
      expect(level.body.code).toBe(200);
      expect((await statesOf('api-alice')).at(-1)).toMatchObject({ targetId: 'api-bob', notificationLevel: NotificationLevel.NOT_MESSAGE_NOTIFICATION });
    } finally {
      device.close();
    }
  });

  it('refuses bad input with a clear code and changes nothing', async () => {
    for (const [path, form] of [
      ['conversation/top/set', { userId: 'api-carol', conversationType: 4, targetId: 'room', setTop: 'true' }],
      ['conversation/top/set', { userId: 'api-carol', conversationType: 1, targetId: 'api-bob', setTop: 'yes' }],
      ['conversation/notification/set', { requestId: 'api-carol', conversationType: 1, targetId: 'api-bob' }],
      ['conversation/notification/set', { requestId: 'api-carol', conversationType: 1, targetId: 'api-bob', unpushLevel: 3 }],
      ['conversation/notification/set', { requestId: 'api-carol', conversationType: 1, targetId: 'bad id', isMuted: 1 }],
    ] as const) {
      const answer = await callServerApi(server.url, path, form, server.devApp);
      expect({ path, form, code: answer.body.code }).toEqual({ path, form, code: 1002 });
    }
    expect(await statesOf('api-carol')).toEqual([]);
  });
});
