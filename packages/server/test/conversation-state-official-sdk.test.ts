import { encodePayload, NotificationLevel, type ServerFrame } from '@parley/protocol';
import type { IAReceivedConversation, IConversationEvent } from '@rongcloud/imlib-next';
import { describe, expect, it } from 'vitest';
import type { OfficialClient } from './support/official-sdk/official-client.js';
import { officialSdkSuite } from './support/official-sdk/official-sdk-suite.js';
import { RawClient } from './support/raw-client.js';

/**
 * Conversation states kept by the server, with the unmodified official Web SDK: pin and mute
 * (`setSeAtt`, synced by `pullSeAtts` after an `s_cmd` 3 and at connect), removing conversations
 * (`delRelationBatch`) and reading one from the server (`qryRLBatch`).
 */
const suite = officialSdkSuite();
const { login, tokenFor, createGroup } = suite;

const PRIVATE = 1;
const GROUP = 3;
const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));

async function sendText(client: OfficialClient, type: number, targetId: string, text: string): Promise<string> {
  const sent = await client.call<{ messageUId: string }>('sendTextBody', { conversationType: type, targetId, body: { content: text } });
  expect(sent.code).toBe(0);
  return sent.data!.messageUId;
}

async function stateCall<T = unknown>(client: OfficialClient, method: string, ...args: unknown[]): Promise<{ code: number; data?: T }> {
  return client.call<T>('conversationState', { method, args });
}

async function listed(client: OfficialClient): Promise<IAReceivedConversation[]> {
  const list = await client.getConversationList();
  expect(list.code).toBe(0);
  return list.data!;
}

/** Asks until `read` gives what `done` wants: a device applies a sync in its own time after the notice. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await settle(200);
  }
}

const level = async (client: OfficialClient, type: number, targetId: string) =>
  (await stateCall<number>(client, 'getConversationNotificationLevel', { conversationType: type, targetId })).data;
const topIds = async (client: OfficialClient) => ((await stateCall<IAReceivedConversation[]>(client, 'getTopConversationList')).data ?? []).map((c) => c.targetId).sort();

describe('official Web SDK: conversation states kept by the server', () => {
  it('syncs pin and mute to the user’s other online device after the s_cmd, and to a brand-new device', async () => {
    // Several Web devices of one user online at once.
    await suite.server.services.apps.configure(suite.dev.appKey, { devicePolicy: 'multi', maxDevices: 5 });
    await createGroup('cs-g1', ['cs-alice', 'cs-bob']);
    const bob = await login('cs-bob');
    await tokenFor('cs-alice');
    await sendText(bob, PRIVATE, 'cs-alice', 'hello');
    await sendText(bob, GROUP, 'cs-g1', 'hello group');
    const deviceA = await login('cs-alice');
    const deviceB = await login('cs-alice');

    expect((await stateCall(deviceA, 'setConversationToTop', { conversationType: PRIVATE, targetId: 'cs-bob' }, true)).code).toBe(0);
    expect((await stateCall(deviceA, 'setConversationNotificationLevel', { conversationType: GROUP, targetId: 'cs-g1' }, NotificationLevel.NOT_MESSAGE_NOTIFICATION)).code).toBe(0);

    // Device B hears of each change and shows it.
    const changed = await deviceB.waitForEvent('CONVERSATION', (p: IConversationEvent) =>
      p.conversationList.some((c) => c.conversation.targetId === 'cs-g1' && c.updatedItems?.notificationLevel?.val === NotificationLevel.NOT_MESSAGE_NOTIFICATION),
    );
    expect(changed).toBeDefined();
    expect(await eventually(() => topIds(deviceB), (ids) => ids.includes('cs-bob'))).toEqual(['cs-bob']);
    expect(await level(deviceB, GROUP, 'cs-g1')).toBe(NotificationLevel.NOT_MESSAGE_NOTIFICATION);

    // A brand-new device syncs everything at connect.
    await deviceB.close();
    const deviceC = await login('cs-alice');
    expect(await eventually(() => level(deviceC, GROUP, 'cs-g1'), (l) => l === NotificationLevel.NOT_MESSAGE_NOTIFICATION)).toBe(NotificationLevel.NOT_MESSAGE_NOTIFICATION);
    const fresh = await listed(deviceC);
    expect(fresh.find((c) => c.targetId === 'cs-bob')).toMatchObject({ isTop: true });
    expect(fresh.find((c) => c.targetId === 'cs-g1')).toMatchObject({ isTop: false, notificationLevel: NotificationLevel.NOT_MESSAGE_NOTIFICATION });

    // Unpinning goes the same way; bob's own states are untouched by alice's.
    expect((await stateCall(deviceA, 'setConversationToTop', { conversationType: PRIVATE, targetId: 'cs-bob' }, false)).code).toBe(0);
    expect(await eventually(() => topIds(deviceC), (ids) => ids.length === 0)).toEqual([]);
    const bobFresh = await login('cs-bob');
    await settle();
    expect(await topIds(bobFresh)).toEqual([]);
    expect(await level(bobFresh, GROUP, 'cs-g1')).toBe(NotificationLevel.NOT_SET);
  });

  it('removes a conversation from every device’s server list until a new message brings it back; the messages stay', async () => {
    await Promise.all(['rm-alice', 'rm-alice2'].map(tokenFor));
    const bob = await login('rm-bob');
    const first = await sendText(bob, PRIVATE, 'rm-alice', 'before removal');
    await sendText(bob, PRIVATE, 'rm-alice2', 'other');
    const alice = await login('rm-alice');
    expect((await listed(alice)).map((c) => c.targetId)).toContain('rm-bob');

    expect((await stateCall(alice, 'removeConversation', { conversationType: PRIVATE, targetId: 'rm-bob' })).code).toBe(0);
    const fresh = await login('rm-alice');
    expect((await listed(fresh)).map((c) => c.targetId)).not.toContain('rm-bob');
    // Only alice's list: bob still has the conversation.
    expect((await listed(bob)).map((c) => c.targetId)).toContain('rm-alice');
    const history = await fresh.getHistoryMessages(PRIVATE, 'rm-bob', { timestamp: 0, count: 20, order: 0 });
    expect(history.data!.list.map((m) => m.messageUId)).toEqual([first]);

    const again = await sendText(bob, PRIVATE, 'rm-alice', 'after removal');
    const another = await login('rm-alice');
    const back = (await listed(another)).find((c) => c.targetId === 'rm-bob');
    expect(back?.latestMessage?.messageUId).toBe(again);
  });

  it('reads one conversation from the server with its latest message', async () => {
    await tokenFor('gc-alice');
    const bob = await login('gc-bob');
    const uid = await sendText(bob, PRIVATE, 'gc-alice', 'latest');
    const alice = await login('gc-alice');
    const found = await alice.call<IAReceivedConversation>('getConversation', { conversationType: PRIVATE, targetId: 'gc-bob' });
    expect(found.code).toBe(0);
    expect(found.data?.latestMessage?.messageUId).toBe(uid);
  });
});

describe('conversation states: bad input', () => {
  it('answers a clear status to malformed, unsupported or oversized requests, and changes nothing', async () => {
    const raw = await RawClient.open(suite.server.url);
    expect(await raw.connect(suite.dev.appKey, await tokenFor('bad-cs-alice'), { platform: 'mobile' })).toMatchObject({ type: 'CONNACK', status: 0 });
    let messageId = 1;
    const query = async (topic: string, payload: Uint8Array) => {
      const id = messageId++;
      raw.send({ type: 'QUERY', topic, targetId: '', messageId: id, payload });
      return (await raw.nextFrame((f: ServerFrame) => f.type === 'QUERYACK' && f.messageId === id)) as { status: number };
    };
    const top = (type: number, channelId: string, value = '1') => ({ type, channelId, stateItem: [{ sessionStateType: 2, value, tags: [] }] });
    const relation = (conversationType: number, conversationId: string) => ({ conversationType, conversationId });
    try {
      for (const [topic, payload, status] of [
        ['setSeAtt', Uint8Array.of(0xff, 0x01, 0x02), 26010],
        ['setSeAtt', encodePayload('SessionStateModifyReq', { version: 0, state: [top(4, 'room')] }), 26010],
        ['setSeAtt', encodePayload('SessionStateModifyReq', { version: 0, state: [top(PRIVATE, 'bad id!')] }), 26010],
        ['setSeAtt', encodePayload('SessionStateModifyReq', { version: 0, state: [top(PRIVATE, 'bad-cs-bob', 'yes')] }), 26010],
        ['setSeAtt', encodePayload('SessionStateModifyReq', { version: 0, state: [{ type: PRIVATE, channelId: 'bad-cs-bob', stateItem: [{ sessionStateType: 1, value: '3', tags: [] }] }] }), 26010],
        ['setSeAtt', encodePayload('SessionStateModifyReq', { version: 0, state: [{ type: PRIVATE, channelId: 'bad-cs-bob', stateItem: [{ sessionStateType: 3, value: '', tags: [] }] }] }), 20606],
        ['setSeAtt', encodePayload('SessionStateModifyReq', { version: 0, state: Array.from({ length: 101 }, (_, i) => top(PRIVATE, `u${i}`)) }), 26010],
        // A valid one alongside a bad one: all or nothing.
        ['setSeAtt', encodePayload('SessionStateModifyReq', { version: 0, state: [top(PRIVATE, 'bad-cs-bob'), top(10, 'ug')] }), 26010],
        ['delRelationBatch', encodePayload('RelationDelBatchReq', { relation: [relation(4, 'room')] }), 26010],
        ['delRelationBatch', encodePayload('RelationDelBatchReq', { relation: [] }), 26010],
        ['delRelationBatch', encodePayload('RelationDelBatchReq', { relation: Array.from({ length: 101 }, (_, i) => relation(PRIVATE, `u${i}`)) }), 26010],
        ['qryRLBatch', encodePayload('RelationDelBatchReq', { relation: [relation(PRIVATE, '')] }), 26010],
      ] as const) {
        expect({ topic, status: (await query(topic, payload)).status }).toEqual({ topic, status });
      }
      const pulled = await query('pullSeAtts', encodePayload('SessionReq', { time: 0 }));
      expect(pulled.status).toBe(0);
      const fresh = await login('bad-cs-alice');
      await settle();
      expect(await topIds(fresh)).toEqual([]);
    } finally {
      raw.close();
    }
  });
});
