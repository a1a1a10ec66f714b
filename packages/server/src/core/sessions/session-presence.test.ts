import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { BusEvent, SessionEntry } from '../../bus/bus.js';
import { createLocalBus } from '../../bus/local/local-bus.js';
import type { AppService } from '../apps/app-service.js';
import { OnlineStatusService } from '../online-status/online-status-service.js';
import type { UserService } from '../users/user-service.js';
import { SessionService } from './session-service.js';

const web = (sessionId: string): SessionEntry => ({ sessionId, appKey: 'app', userId: 'bob', platform: 'web', deviceId: sessionId, connectedAt: 1 });

describe('session service presence changes', () => {
  it("tells a subscriber the user went offline when the user's last two devices hang up at once", async () => {
    const bus = createLocalBus();
    const events: BusEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const status = new OnlineStatusService(bus, pino({ enabled: false }));
    const told: Promise<void>[] = [];
    // Closing needs neither apps nor users.
    const sessions = new SessionService({} as AppService, {} as UserService, bus, Date.now, (appKey, userId, before) => told.push(status.presenceChanged(appKey, userId, before)));
    await status.subscribe({ ...web('x'), userId: 'alice' }, ['bob'], 600);
    await bus.presence.add(web('a'));
    await bus.presence.add(web('b'));
    await Promise.all([sessions.close(web('a')), sessions.close(web('b'))]);
    await Promise.all(told);
    expect(events.filter((e) => e.kind === 'user-status').at(-1)).toMatchObject({ userIds: ['alice'], status: { userId: 'bob', platforms: [{ platform: 3, online: false }] } });
    expect(await bus.presence.sessionsOf('app', 'bob')).toEqual([]);
  });
});
