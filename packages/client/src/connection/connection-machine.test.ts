import { describe, expect, it } from 'vitest';
import { ConnectionErrorCode as Code, ConnectionStatus as Status } from '../enums.js';
import { RECONNECT_CEILING_MS, RECONNECT_SCHEDULE_MS } from './backoff.js';
import { initialState, transition, type Effect, type MachineEvent, type MachineState } from './connection-machine.js';

/**
 * Drives the pure machine on a fake clock: timers are entries in a list that `advance` fires in
 * order; sockets are attempt ids the test answers by hand.
 */
class Simulation {
  state: MachineState = initialState;
  now = 0;
  readonly log: { at: number; effect: Effect }[] = [];
  readonly statuses: Status[] = [];
  readonly opened: { at: number; attemptId: number }[] = [];
  private retryAt: number | undefined;
  private deadlineAt: number | undefined;

  constructor(private readonly random = () => 0.5) {}

  send(event: MachineEvent): Effect[] {
    const { state, effects } = transition(this.state, event, this.random);
    this.state = state;
    for (const effect of effects) {
      this.log.push({ at: this.now, effect });
      if (effect.type === 'status') this.statuses.push(effect.status);
      if (effect.type === 'open-socket') this.opened.push({ at: this.now, attemptId: effect.attemptId });
      if (effect.type === 'start-retry-timer') this.retryAt = this.now + effect.delayMs;
      if (effect.type === 'cancel-retry-timer') this.retryAt = undefined;
      if (effect.type === 'start-deadline') this.deadlineAt = this.now + effect.delayMs;
      if (effect.type === 'cancel-deadline') this.deadlineAt = undefined;
    }
    return effects;
  }

  /** Moves the clock, firing due timers in time order; `onOpen` answers each socket attempt. */
  advance(ms: number, onOpen?: (attemptId: number) => MachineEvent | undefined): void {
    const end = this.now + ms;
    for (;;) {
      const due = [this.retryAt, this.deadlineAt].filter((t): t is number => t !== undefined && t <= end);
      if (due.length === 0) break;
      this.now = Math.min(...due);
      const opened = this.opened.length;
      if (this.deadlineAt === this.now) {
        this.deadlineAt = undefined;
        this.send({ type: 'deadline' });
      } else {
        this.retryAt = undefined;
        this.send({ type: 'retry-timer' });
      }
      for (const attempt of this.opened.slice(opened)) {
        const answer = onOpen?.(attempt.attemptId);
        if (answer) this.send(answer);
      }
    }
    this.now = end;
  }

  lastAttempt(): number {
    return this.opened.at(-1)?.attemptId ?? 0;
  }

  effectsOf(type: Effect['type']): Effect[] {
    return this.log.map((l) => l.effect).filter((e) => e.type === type);
  }
}

const networkError = (attemptId: number): MachineEvent => ({ type: 'attempt-failed', attemptId, code: Code.RC_SOCKET_DISCONNECTED });

describe('connection machine: first connect', () => {
  it('connects: CONNECTING, then CONNECTED and onSuccess once', () => {
    const sim = new Simulation();
    sim.send({ type: 'connect', timeLimitMs: 0 });
    sim.send({ type: 'attempt-succeeded', attemptId: sim.lastAttempt(), userId: 'alice' });
    expect(sim.statuses).toEqual([Status.CONNECTING, Status.CONNECTED]);
    expect(sim.effectsOf('success')).toEqual([{ type: 'success', userId: 'alice' }]);
    expect(sim.state.name).toBe('connected');
  });

  it('with timeLimit > 0 gives up with 34006 and TIMEOUT at the limit, and attempts nothing after', () => {
    const sim = new Simulation();
    sim.send({ type: 'connect', timeLimitMs: 2000 });
    sim.send(networkError(sim.lastAttempt()));
    sim.advance(10_000, (id) => networkError(id));
    expect(sim.effectsOf('error')).toEqual([{ type: 'error', code: Code.RC_CONNECT_TIMEOUT }]);
    expect(sim.statuses.at(-1)).toBe(Status.TIMEOUT);
    expect(sim.state).toEqual({ name: 'idle', status: Status.TIMEOUT });
    expect(sim.opened.every((o) => o.at < 2000)).toBe(true);
    expect(sim.opened.length).toBeGreaterThan(3);
  });

  it('with timeLimit <= 0 keeps trying on network errors, on the seeds schedule', () => {
    const sim = new Simulation();
    sim.send({ type: 'connect', timeLimitMs: 0 });
    sim.send(networkError(sim.lastAttempt()));
    sim.advance(30 * 60_000, (id) => networkError(id));
    const gaps = sim.opened.slice(1).map((o, i) => o.at - sim.opened[i]!.at);
    expect(gaps.slice(0, RECONNECT_SCHEDULE_MS.length)).toEqual(RECONNECT_SCHEDULE_MS);
    expect(new Set(gaps.slice(RECONNECT_SCHEDULE_MS.length))).toEqual(new Set([RECONNECT_CEILING_MS]));
    expect(sim.effectsOf('error')).toEqual([]);
    expect(sim.state.name).toBe('connecting');
  });

  it.each([
    [Code.RC_CONN_TOKEN_INCORRECT, Status.TOKEN_INCORRECT],
    [Code.RC_CONN_TOKEN_EXPIRE, Status.TOKEN_INCORRECT],
    [Code.RC_CONN_USER_BLOCKED, Status.CONN_USER_BLOCKED],
    [Code.RC_CONN_OTHER_DEVICE_LOGIN, Status.KICKED_OFFLINE_BY_OTHER_CLIENT],
    [Code.RC_CONN_ID_REJECT, Status.UNCONNECTED],
    [Code.RC_CONN_NOT_AUTHRORIZED, Status.UNCONNECTED],
    [Code.RC_CONN_APP_BLOCKED_OR_DELETED, Status.UNCONNECTED],
    [Code.RC_CONN_USER_DEACTIVATED, Status.UNCONNECTED],
    [Code.RC_CONN_PROXY_UNAVAILABLE, Status.UNCONNECTED],
  ])('ends at once on business error %i with status %i and no retry', (code, status) => {
    const sim = new Simulation();
    sim.send({ type: 'connect', timeLimitMs: 5000 });
    sim.send({ type: 'attempt-failed', attemptId: sim.lastAttempt(), code });
    sim.advance(60_000, (id) => networkError(id));
    expect(sim.effectsOf('error')).toEqual([{ type: 'error', code }]);
    expect(sim.opened).toHaveLength(1);
    expect(sim.state).toEqual({ name: 'idle', status });
  });

  it('answers a second connect with 34001 and leaves the first untouched', () => {
    const sim = new Simulation();
    sim.send({ type: 'connect', timeLimitMs: 0 });
    const before = sim.state;
    expect(sim.send({ type: 'connect', timeLimitMs: 0 })).toEqual([{ type: 'reject-connect', code: Code.RC_CONNECTION_EXIST }]);
    expect(sim.state).toBe(before);
    sim.send({ type: 'attempt-succeeded', attemptId: sim.lastAttempt(), userId: 'a' });
    expect(sim.send({ type: 'connect', timeLimitMs: 0 })).toEqual([{ type: 'reject-connect', code: Code.RC_CONNECTION_EXIST }]);
    expect(sim.state.name).toBe('connected');
  });

  it('ignores the answer of an attempt that is no longer current', () => {
    const sim = new Simulation();
    sim.send({ type: 'connect', timeLimitMs: 0 });
    const stale = sim.lastAttempt();
    sim.send({ type: 'network-offline' });
    sim.send({ type: 'network-online' });
    expect(sim.send({ type: 'attempt-succeeded', attemptId: stale, userId: 'a' })).toEqual([]);
    expect(sim.state.name).toBe('connecting');
  });
});

describe('connection machine: after success the SDK owns reconnection', () => {
  function connected(): Simulation {
    const sim = new Simulation();
    sim.send({ type: 'connect', timeLimitMs: 3000 });
    sim.send({ type: 'attempt-succeeded', attemptId: sim.lastAttempt(), userId: 'alice' });
    return sim;
  }

  it('goes SUSPEND, CONNECTING, CONNECTED on a dropped socket, without calling onSuccess again', () => {
    const sim = connected();
    sim.send({ type: 'connection-lost', attemptId: sim.lastAttempt(), code: Code.RC_SOCKET_DISCONNECTED });
    sim.advance(50, (id) => ({ type: 'attempt-succeeded', attemptId: id, userId: 'alice' }));
    expect(sim.statuses).toEqual([Status.CONNECTING, Status.CONNECTED, Status.SUSPEND, Status.CONNECTING, Status.CONNECTED]);
    expect(sim.effectsOf('success')).toHaveLength(1);
    expect(sim.effectsOf('error')).toEqual([]);
  });

  it('is not bound by the first connect time limit, and retries on the schedule', () => {
    const sim = connected();
    sim.send({ type: 'connection-lost', attemptId: sim.lastAttempt(), code: Code.RC_PONG_RECV_FAIL });
    sim.advance(10 * 60_000, (id) => networkError(id));
    expect(sim.statuses).not.toContain(Status.TIMEOUT);
    const gaps = sim.opened.slice(2).map((o, i) => o.at - sim.opened[i + 1]!.at);
    expect(gaps.slice(0, 4)).toEqual(RECONNECT_SCHEDULE_MS.slice(1, 5));
  });

  it.each([
    [Code.RC_DISCONN_KICK, Status.KICKED_OFFLINE_BY_OTHER_CLIENT],
    [Code.RC_DISCONN_USER_BLOCKED, Status.CONN_USER_BLOCKED],
    [Code.RC_CONN_TOKEN_EXPIRE, Status.TOKEN_INCORRECT],
    [Code.RC_CONN_USER_DEACTIVATED, Status.UNCONNECTED],
  ])('stops for good on DISCONNECT %i (status %i)', (code, status) => {
    const sim = connected();
    sim.send({ type: 'server-disconnect', attemptId: sim.lastAttempt(), code });
    sim.advance(10 * 60_000, (id) => ({ type: 'attempt-succeeded', attemptId: id, userId: 'alice' }));
    expect(sim.opened).toHaveLength(1);
    expect(sim.state).toEqual({ name: 'idle', status });
    expect(sim.statuses.at(-1)).toBe(status);
    expect(sim.effectsOf('error')).toEqual([]);
  });

  it('never loops against a business error while reconnecting', () => {
    const sim = connected();
    sim.send({ type: 'connection-lost', attemptId: sim.lastAttempt(), code: Code.RC_SOCKET_DISCONNECTED });
    sim.advance(60_000, (id) => ({ type: 'attempt-failed', attemptId: id, code: Code.RC_CONN_TOKEN_EXPIRE }));
    expect(sim.opened).toHaveLength(2);
    expect(sim.state).toEqual({ name: 'idle', status: Status.TOKEN_INCORRECT });
  });

  it('re-navigates after a redirect DISCONNECT and reconnects', () => {
    const sim = connected();
    sim.send({ type: 'server-disconnect', attemptId: sim.lastAttempt(), code: Code.RC_CONN_REDIRECTED });
    expect(sim.effectsOf('forget-navigation')).toHaveLength(1);
    sim.advance(100, (id) => ({ type: 'attempt-succeeded', attemptId: id, userId: 'alice' }));
    expect(sim.state.name).toBe('connected');
  });

  it('waits while the network is down and restarts the schedule when it returns', () => {
    const sim = connected();
    sim.send({ type: 'connection-lost', attemptId: sim.lastAttempt(), code: Code.RC_SOCKET_DISCONNECTED });
    sim.advance(5000, (id) => networkError(id));
    sim.send({ type: 'network-offline' });
    const attemptsWhenOffline = sim.opened.length;
    sim.advance(10 * 60_000);
    expect(sim.opened).toHaveLength(attemptsWhenOffline);
    expect(sim.statuses.at(-1)).toBe(Status.NETWORK_UNAVAILABLE);
    sim.send({ type: 'network-online' });
    expect(sim.opened).toHaveLength(attemptsWhenOffline + 1);
    sim.send(networkError(sim.lastAttempt()));
    sim.advance(RECONNECT_SCHEDULE_MS[0]!);
    expect(sim.opened).toHaveLength(attemptsWhenOffline + 2);
  });

  it('disconnect and logout stop everything and report UNCONNECTED / SIGN_OUT', () => {
    const sim = connected();
    sim.send({ type: 'connection-lost', attemptId: sim.lastAttempt(), code: Code.RC_SOCKET_DISCONNECTED });
    expect(sim.send({ type: 'disconnect' })).toContainEqual({ type: 'close-socket', logout: false });
    sim.advance(10 * 60_000, (id) => ({ type: 'attempt-succeeded', attemptId: id, userId: 'alice' }));
    expect(sim.state).toEqual({ name: 'idle', status: Status.UNCONNECTED });
    expect(sim.opened).toHaveLength(1);

    const other = connected();
    expect(other.send({ type: 'logout' })).toContainEqual({ type: 'close-socket', logout: true });
    expect(other.statuses.at(-1)).toBe(Status.SIGN_OUT);
  });
});

describe('backoff jitter', () => {
  it('spreads retries within ±20% of the schedule', async () => {
    const { backoffDelay } = await import('./backoff.js');
    expect(backoffDelay(3, () => 0)).toBe(800);
    expect(backoffDelay(3, () => 0.999999)).toBe(1200);
    expect(backoffDelay(50, () => 0.5)).toBe(RECONNECT_CEILING_MS);
  });
});
