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

  it('sends a message without the PERSISTED flag live to the members on every node, keeping it nowhere', async () => {
    const bus = createLocalBus();
    const [one, two] = [new ChatroomService(bus, () => 5000), new ChatroomService(bus, () => 5000)];
    services.push(one, two);
    const live: { userIds: string[]; content: string; targetId: string; except?: string }[] = [];
    two.attach(() => undefined, (_app, userIds, message, except) => live.push({ userIds: [...userIds], content: message.content, targetId: message.targetId, except }));
    const alice = { appKey: 'app', userId: 'alice', sessionId: 's1' };
    const bob = { appKey: 'app', userId: 'bob', sessionId: 's2' };
    await one.join(alice, 'room', true);
    await two.join(bob, 'room', false);
    expect(await one.send(alice, 'room', { objectName: 'App:Typing', content: '{"typing":1}', flags: 0 })).toMatchObject({ ok: true, message: { uid: '' } });
    expect(live).toEqual([{ userIds: ['alice', 'bob'], content: '{"typing":1}', targetId: 'room', except: 's1' }]);
    for (const [service, caller] of [[one, alice], [two, bob]] as const) {
      expect(service.history(caller, 'room', 0, 10, true)).toMatchObject({ ok: true, messages: [] });
      expect(service.pull(caller, 'room', 0, 10)).toMatchObject({ ok: true, messages: [] });
    }
  });

  it('blocks users out of a room on every node until lifted, and bans them from speaking in every room', async () => {
    let now = 10_000;
    const bus = createLocalBus(() => now);
    const [one, two] = [new ChatroomService(bus, () => now), new ChatroomService(bus, () => now)];
    services.push(one, two);
    const alice = { appKey: 'app', userId: 'alice', sessionId: 's1' };
    const bob = { appKey: 'app', userId: 'bob', sessionId: 's2' };
    await one.join(alice, 'room', true);
    await two.join(bob, 'room', false);
    await two.changeKv(bob, 'room', [{ key: 'seat', value: 'b', autoDelete: true, force: false }], false, false);

    expect(await one.block('app', 'room', ['bob'], 1)).toBe(true);
    expect(await one.block('app', 'nowhere', ['bob'], 1)).toBe(false);
    for (const service of [one, two]) {
      expect([...service.rooms.get('app', 'room')!.members.keys()]).toEqual(['alice']);
      expect(service.pullKv(alice, 'room', 0)).toMatchObject({ ok: true, entries: [] });
    }
    expect(await two.join(bob, 'room', true)).toEqual({ ok: false, status: AckStatus.CHATROOM_USER_KICKED });
    now += 60_000;
    expect((await two.join(bob, 'room', true)).ok).toBe(true);
    await one.block('app', 'room', ['bob'], 5);
    await one.block('app', 'room', ['bob'], 0);
    expect((await two.join(bob, 'room', true)).ok).toBe(true);

    const text = { objectName: 'RC:TxtMsg', content: '{}', flags: 3 };
    await one.join(alice, 'other', true);
    await one.ban('app', ['alice'], 2);
    expect(await one.send(alice, 'room', text)).toEqual({ ok: false, status: AckStatus.FORBIDDEN_IN_CHATROOM });
    expect(await one.send(alice, 'other', text)).toEqual({ ok: false, status: AckStatus.FORBIDDEN_IN_CHATROOM });
    expect(two.rooms.isBanned('app', 'alice', now)).toBe(true);
    expect(two.rooms.isBanned('other-app', 'alice', now)).toBe(false);
    expect((await two.send(bob, 'room', text)).ok).toBe(true);
    now += 2 * 60_000;
    expect((await one.send(alice, 'room', text)).ok).toBe(true);
    await one.ban('app', ['bob'], 1);
    // Expired entries go when the list next changes.
    expect([...one.rooms.bansOf('app').keys()]).toEqual(['bob']);
  });
});
