import { describe, expect, it } from 'vitest';
import type { PlatformClass, SessionEntry } from '../../bus/bus.js';
import { admitDevice } from './device-policy.js';

let next = 0;
function session(platform: PlatformClass, deviceId: string, connectedAt = ++next): SessionEntry {
  return { sessionId: `s-${deviceId}-${connectedAt}`, appKey: 'a', userId: 'u', platform, deviceId, connectedAt };
}
const device = (platform: PlatformClass, deviceId: string, refuseIfTaken = false) => ({ platform, deviceId, refuseIfTaken });

describe('admitDevice', () => {
  it('per-class: a newer login replaces the same class only', () => {
    const web = session('web', 'w1');
    const mobile = session('mobile', 'm1');
    expect(admitDevice('per-class', 5, [web, mobile], device('web', 'w2'))).toEqual({ admitted: true, replace: [web] });
    expect(admitDevice('per-class', 5, [web, mobile], device('desktop', 'd1'))).toEqual({ admitted: true, replace: [] });
  });

  it('single: any newer login replaces every other session', () => {
    const web = session('web', 'w1');
    const mobile = session('mobile', 'm1');
    expect(admitDevice('single', 5, [web, mobile], device('desktop', 'd1'))).toEqual({ admitted: true, replace: [web, mobile] });
  });

  it('multi: up to maxDevices, the oldest making room', () => {
    const [a, b, c] = [session('web', 'a', 1), session('web', 'b', 2), session('mobile', 'c', 3)];
    expect(admitDevice('multi', 4, [a!, b!, c!], device('web', 'd'))).toEqual({ admitted: true, replace: [] });
    expect(admitDevice('multi', 3, [c!, b!, a!], device('web', 'd'))).toEqual({ admitted: true, replace: [a] });
    expect(admitDevice('multi', 1, [a!, b!, c!], device('web', 'd'))).toEqual({ admitted: true, replace: [a, b, c] });
  });

  it('refuses a reconnecting device that asked not to kick, when its place is taken', () => {
    const other = session('web', 'w2');
    expect(admitDevice('per-class', 5, [other], device('web', 'w1', true))).toEqual({ admitted: false, reason: 'other-device-online' });
    expect(admitDevice('per-class', 5, [other], device('mobile', 'm1', true))).toEqual({ admitted: true, replace: [] });
  });

  it("always replaces the same device's stale session, even when asked not to kick", () => {
    const stale = session('web', 'w1');
    expect(admitDevice('per-class', 5, [stale], device('web', 'w1', true))).toEqual({ admitted: true, replace: [stale] });
    expect(admitDevice('single', 5, [stale], device('web', 'w1'))).toEqual({ admitted: true, replace: [stale] });
  });
});
