import { AckStatus } from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalBus } from '../../bus/local/local-bus.js';
import { CHATROOM_IDLE_GRACE_MS } from './chatroom-rooms.js';
import { ChatroomService } from './chatroom-service.js';

const services: ChatroomService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.close();
});

describe('chatroom service', () => {
  it('ends a membership once its user has had no session for the grace period, and keeps an online one', async () => {
    let now = 1_000_000;
    const bus = createLocalBus(() => now);
    const chatrooms = new ChatroomService(bus, () => now);
    services.push(chatrooms);
    await bus.presence.add({ sessionId: 's-bob', appKey: 'app', userId: 'bob', platform: 'web', deviceId: 'd', connectedAt: now });
    for (const userId of ['alice', 'bob']) expect((await chatrooms.join({ appKey: 'app', userId, sessionId: `s-${userId}` }, 'room', true)).ok).toBe(true);

    await chatrooms.endIdleMemberships();
    now += CHATROOM_IDLE_GRACE_MS - 1;
    await chatrooms.endIdleMemberships();
    expect([...chatrooms.rooms.get('app', 'room')!.members.keys()]).toEqual(['alice', 'bob']);
    now += 1;
    await chatrooms.endIdleMemberships();
    expect([...chatrooms.rooms.get('app', 'room')!.members.keys()]).toEqual(['bob']);
    const send = await chatrooms.send({ appKey: 'app', userId: 'alice', sessionId: 's-alice' }, 'room', { objectName: 'RC:TxtMsg', content: '{}', flags: 3 });
    expect(send).toEqual({ ok: false, status: AckStatus.NOT_IN_CHATROOM });
  });

  it('applies what another node published, and notifies its own members of it', async () => {
    const bus = createLocalBus();
    const [one, two] = [new ChatroomService(bus, () => 5000), new ChatroomService(bus, () => 5000)];
    services.push(one, two);
    const heard: string[][] = [];
    two.attach((_app, userIds) => heard.push([...userIds]));
    await one.join({ appKey: 'app', userId: 'alice', sessionId: 's1' }, 'room', true);
    await two.join({ appKey: 'app', userId: 'bob', sessionId: 's2' }, 'room', false);
    const sent = await one.send({ appKey: 'app', userId: 'alice', sessionId: 's1' }, 'room', { objectName: 'RC:TxtMsg', content: '{}', flags: 3 });
    expect(sent.ok).toBe(true);
    expect(heard).toEqual([['alice', 'bob']]);
    expect(two.history({ appKey: 'app', userId: 'bob', sessionId: 's2' }, 'room', 0, 10, true)).toMatchObject({ ok: true, messages: [{ senderId: 'alice' }] });
  });
});
