import { disconnectStatusToClientCode, DisconnectStatus } from '@parley/protocol';
import { ConnectionErrorCode as Code, type ConnectionStatus } from '../enums.js';
import { AttemptError, type AttemptSuccess } from './connect-attempt.js';
import { initialState, transition, type Effect, type MachineEvent, type MachineState } from './connection-machine.js';
import { RmtpSession } from './rmtp-session.js';
import type { Scheduler } from './scheduler.js';

export interface ConnectCallbacks {
  onSuccess(userId: string): void;
  onError(code: number): void;
}

export interface DriverDeps {
  /** One connect attempt (navigation, socket, CONNECT, CONNACK). */
  attempt(isReconnect: boolean): Promise<AttemptSuccess>;
  /** A session is up (first connect or reconnect); `push` frames go to `onPush`. */
  onSession(session: RmtpSession, userId: string): void;
  onSessionEnded(session: RmtpSession): void;
  onPush(frame: Parameters<ConstructorParameters<typeof RmtpSession>[1]['onPush']>[0]): void;
  onStatus(status: ConnectionStatus, code: number | undefined): void;
  forgetNavigation(): void;
  keepAliveMs: number;
  scheduler: Scheduler;
  random: () => number;
}

/**
 * Carries out the state machine's effects with real sockets and timers: the only stateful,
 * side-effecting part of connecting. Attempt results are matched to the attempt that asked, so an
 * answer that arrives after a disconnect or a newer attempt is dropped (and its socket closed).
 */
export class ConnectionDriver {
  private state: MachineState = initialState;
  private session: RmtpSession | undefined;
  private callbacks: ConnectCallbacks | undefined;
  private retryTimer: unknown;
  private deadlineTimer: unknown;
  private keepAliveTimer: unknown;

  constructor(private readonly deps: DriverDeps) {}

  get machineState(): MachineState {
    return this.state;
  }

  connect(timeLimitMs: number, callbacks: ConnectCallbacks): void {
    if (this.state.name !== 'idle') {
      callbacks.onError(Code.RC_CONNECTION_EXIST);
      return;
    }
    this.callbacks = callbacks;
    this.dispatch({ type: 'connect', timeLimitMs });
  }

  disconnect(): void {
    this.dispatch({ type: 'disconnect' });
  }

  logout(): void {
    this.dispatch({ type: 'logout' });
  }

  networkChanged(online: boolean): void {
    this.dispatch({ type: online ? 'network-online' : 'network-offline' });
  }

  private dispatch(event: MachineEvent): void {
    const { state, effects } = transition(this.state, event, this.deps.random);
    this.state = state;
    for (const effect of effects) this.run(effect);
  }

  private run(effect: Effect): void {
    const { scheduler } = this.deps;
    switch (effect.type) {
      case 'open-socket':
        return this.open(effect.attemptId);
      case 'close-socket':
        return this.closeSession(effect.logout);
      case 'start-retry-timer':
        this.retryTimer = scheduler.setTimeout(() => this.dispatch({ type: 'retry-timer' }), effect.delayMs);
        return;
      case 'cancel-retry-timer':
        scheduler.clearTimeout(this.retryTimer);
        return;
      case 'start-deadline':
        this.deadlineTimer = scheduler.setTimeout(() => this.dispatch({ type: 'deadline' }), effect.delayMs);
        return;
      case 'cancel-deadline':
        scheduler.clearTimeout(this.deadlineTimer);
        return;
      case 'forget-navigation':
        return this.deps.forgetNavigation();
      case 'status':
        return this.deps.onStatus(effect.status, effect.code);
      case 'success':
        return this.callbacks?.onSuccess(effect.userId);
      case 'error':
        return this.callbacks?.onError(effect.code);
      case 'reject-connect':
        // Only reachable through connect(), which answers the second caller itself.
        return;
    }
  }

  private open(attemptId: number): void {
    const isReconnect = this.state.name === 'reconnecting';
    this.deps.attempt(isReconnect).then(
      (success) => {
        if (!this.isCurrentAttempt(attemptId)) {
          success.socket.close();
          return;
        }
        const session = new RmtpSession(
          success.socket,
          {
            onPush: (frame) => this.deps.onPush(frame),
            onServerDisconnect: (status) => this.onServerDisconnect(attemptId, status),
            onClosed: () => this.onSessionClosed(session, attemptId),
          },
          success.earlyFrames,
        );
        this.session = session;
        this.dispatch({ type: 'attempt-succeeded', attemptId, userId: success.userId });
        this.startKeepAlive(session, attemptId);
        this.deps.onSession(session, success.userId);
      },
      (error: unknown) => {
        const code = error instanceof AttemptError ? error.code : Code.RC_SOCKET_DISCONNECTED;
        this.dispatch({ type: 'attempt-failed', attemptId, code });
      },
    );
  }

  private isCurrentAttempt(attemptId: number): boolean {
    const s = this.state;
    return (s.name === 'connecting' || s.name === 'reconnecting') && s.phase === 'attempting' && s.attemptId === attemptId;
  }

  private onServerDisconnect(attemptId: number, status: number): void {
    const code = disconnectStatusToClientCode(status) ?? Code.RC_SOCKET_DISCONNECTED;
    this.dispatch({ type: 'server-disconnect', attemptId, code });
  }

  private onSessionClosed(session: RmtpSession, attemptId: number): void {
    if (this.session === session) {
      this.session = undefined;
      this.deps.scheduler.clearInterval(this.keepAliveTimer);
      this.deps.onSessionEnded(session);
    }
    this.dispatch({ type: 'connection-lost', attemptId, code: session.lostPong ? Code.RC_PONG_RECV_FAIL : Code.RC_SOCKET_DISCONNECTED });
  }

  /** Pings every interval; a connection that has said nothing for two intervals is dead. */
  private startKeepAlive(session: RmtpSession, attemptId: number): void {
    const { keepAliveMs, scheduler } = this.deps;
    this.keepAliveTimer = scheduler.setInterval(() => {
      if (!this.session || this.session !== session || this.state.name !== 'connected' || this.state.attemptId !== attemptId) return;
      if (scheduler.now() - session.lastFrameAt > 2 * keepAliveMs) {
        session.lostPong = true;
        session.close();
        return;
      }
      session.send({ type: 'PINGREQ' });
    }, keepAliveMs);
  }

  private closeSession(logout: boolean): void {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    this.deps.scheduler.clearInterval(this.keepAliveTimer);
    this.deps.onSessionEnded(session);
    // Logging out tells the server to stop counting this device for offline push.
    session.close(logout ? { type: 'DISCONNECT', status: DisconnectStatus.LOGOUT } : undefined);
  }
}
