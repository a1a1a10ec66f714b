import type { DevicePolicy } from '../../store/store.js';
import type { PlatformClass, SessionEntry } from '../../bus/bus.js';

export interface IncomingDevice {
  platform: PlatformClass;
  deviceId: string;
  /**
   * The client reconnects with `reconnectKickEnable` on: it asks to be refused (31023) rather than
   * kick a same-class device that logged in while it was away.
   */
  refuseIfTaken: boolean;
}

export type Admission =
  | { admitted: true; replace: SessionEntry[] }
  | { admitted: false; reason: 'other-device-online' };

/**
 * Who may stay online when a device connects, under the app's policy. Pure: the caller supplies the
 * user's live sessions (from the presence registry) and carries out the verdict. Sessions of the
 * same device are always replaced, since they are that device's own stale connections, and never
 * count as "another device" for `refuseIfTaken`.
 */
export function admitDevice(
  policy: DevicePolicy,
  maxDevices: number,
  online: readonly SessionEntry[],
  incoming: IncomingDevice,
): Admission {
  const sameDevice = online.filter((s) => s.deviceId === incoming.deviceId);
  const others = online.filter((s) => s.deviceId !== incoming.deviceId);
  const conflicting = conflictsUnder(policy, maxDevices, others, incoming);
  if (conflicting.length > 0 && incoming.refuseIfTaken) return { admitted: false, reason: 'other-device-online' };
  return { admitted: true, replace: [...sameDevice, ...conflicting] };
}

function conflictsUnder(
  policy: DevicePolicy,
  maxDevices: number,
  others: readonly SessionEntry[],
  incoming: IncomingDevice,
): SessionEntry[] {
  switch (policy) {
    case 'per-class':
      return others.filter((s) => s.platform === incoming.platform);
    case 'single':
      return [...others];
    case 'multi': {
      // The oldest sessions make room, so the newest logins are the ones that stay.
      const excess = others.length - (maxDevices - 1);
      return excess > 0 ? [...others].sort((a, b) => a.connectedAt - b.connectedAt).slice(0, excess) : [];
    }
  }
}
