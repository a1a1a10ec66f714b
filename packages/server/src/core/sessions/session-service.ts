import { randomBytes } from 'node:crypto';
import type { Bus, DropReason, PlatformClass, SessionEntry } from '../../bus/bus.js';
import { tokenKeyFingerprintOf } from '../apps/app-keys.js';
import type { AppService } from '../apps/app-service.js';
import type { UserService } from '../users/user-service.js';
import { verifyConnect, type ConnectRefusal } from '../tokens/token-verification.js';
import { admitDevice } from './device-policy.js';
import { barredReason } from '../users/user-standing.js';

export interface ConnectRequest {
  appKey: string;
  token: string;
  deviceId: string;
  platform: PlatformClass;
  /** See IncomingDevice.refuseIfTaken. */
  refuseIfTaken: boolean;
  origin: string | undefined;
}

export type SessionRefusal = ConnectRefusal | 'other-device-online';

/** `keyFingerprint`: names the token key the token was verified with (see tokenKeyFingerprintOf). */
export type OpenResult = { ok: true; session: SessionEntry; keyFingerprint: string } | { ok: false; refusal: SessionRefusal };

/**
 * Told after a change to a user's sessions (online status subscriptions, core/online-status/), with
 * what they were just before it; reads what they are now itself. Must not throw or wait.
 */
export type PresenceObserver = (appKey: string, userId: string, before: readonly SessionEntry[]) => void;

/** Why a live session of an app must end now, given the key fingerprint it was opened with; undefined when it may stay. */
export type AppVerdict = (keyFingerprint: string | undefined) => DropReason | undefined;

/**
 * Opens and closes sessions: the one place that decides whether a connect becomes a session and
 * which older sessions it displaces. Displaced sessions are told through the bus, so the node that
 * holds them (this one or another) sends their DISCONNECT.
 */
export class SessionService {
  constructor(
    private readonly apps: AppService,
    private readonly users: UserService,
    private readonly bus: Bus,
    private readonly now: () => number = Date.now,
    private readonly observe: PresenceObserver = () => undefined,
  ) {}

  async open(request: ConnectRequest): Promise<OpenResult> {
    const app = await this.apps.get(request.appKey);
    const verdict = await verifyConnect({
      token: request.token,
      presentedAppKey: request.appKey,
      app,
      origin: request.origin,
      lookupUser: (appKey, userId) => this.users.get(appKey, userId),
      now: this.now(),
    });
    if (!verdict.ok) return { ok: false, refusal: verdict.refusal };
    if (!app) return { ok: false, refusal: 'unknown-app' };

    const { userId } = verdict.claims;
    const online = await this.bus.presence.sessionsOf(app.appKey, userId);
    const admission = admitDevice(app.devicePolicy, app.maxDevices, online, request);
    if (!admission.admitted) return { ok: false, refusal: admission.reason };
    for (const displaced of admission.replace) {
      await this.bus.presence.remove(displaced.sessionId);
      await this.bus.publish({ kind: 'drop-session', sessionId: displaced.sessionId, reason: 'kicked' });
    }
    const session: SessionEntry = {
      sessionId: randomBytes(12).toString('base64url'),
      appKey: app.appKey,
      userId,
      platform: request.platform,
      deviceId: request.deviceId,
      connectedAt: this.now(),
    };
    await this.bus.presence.add(session);
    this.observe(app.appKey, userId, online);
    return { ok: true, session, keyFingerprint: tokenKeyFingerprintOf(app) };
  }

  async close(session: SessionEntry): Promise<void> {
    // Presence unreadable (a bus outage) must not keep the session in it: the observer then hears nothing.
    const before = await this.bus.presence.sessionsOf(session.appKey, session.userId).catch(() => undefined);
    await this.bus.presence.remove(session.sessionId);
    if (before) this.observe(session.appKey, session.userId, before);
  }

  /** Why the user's sessions must end now (blocked or deactivated), or undefined when they may stay. */
  async standing(appKey: string, userId: string): Promise<DropReason | undefined> {
    const user = await this.users.get(appKey, userId);
    return user ? barredReason(user, this.now()) : undefined;
  }

  /** After a change to the app (state or secret): reads it afresh and judges its live sessions. */
  async appStanding(appKey: string): Promise<AppVerdict> {
    const app = await this.apps.reread(appKey);
    if (!app || app.state === 'deleted') return () => 'app-deleted';
    if (app.state === 'blocked') return () => 'app-blocked';
    const current = tokenKeyFingerprintOf(app);
    return (keyFingerprint) => (keyFingerprint === current ? undefined : 'app-secret-rotated');
  }
}
