import type { ClientFrame, ConnectFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { isOverdue, transition, type ConnectionEffect, type ConnectionEvent, type ConnectionState } from './connection-machine.js';
import type { Handshake } from './handshake.js';

const connect: ConnectFrame = {
  type: 'CONNECT',
  header: { dup: false, qos: 0, retain: false },
  keepAliveSeconds: 15,
  clientId: 'd',
  appKey: 'k',
  token: 't',
  platform: 'desktop',
  isReconnect: false,
  refuseIfTaken: false,
};
const ping: ClientFrame = { type: 'PINGREQ', header: { dup: false, qos: 0, retain: false } };
const disconnect: ClientFrame = { type: 'DISCONNECT', header: { dup: false, qos: 0, retain: false }, status: 4 };
const handshake = { request: {}, keepAliveSeconds: 15 } as Handshake;

/** Runs events from `state` and collects the effect types. */
function run(state: ConnectionState, ...events: ConnectionEvent[]): { state: ConnectionState; effects: ConnectionEffect['type'][] } {
  const effects: ConnectionEffect['type'][] = [];
  for (const event of events) {
    const next = transition(state, event);
    state = next.state;
    effects.push(...next.effects.map((e) => e.type));
  }
  return { state, effects };
}

describe('server connection machine', () => {
  it('authenticates once, from the URL or from a CONNECT frame, and opens when admitted', () => {
    expect(run('queued', { type: 'allowed' }, { type: 'credentials', credentials: { from: 'url', handshake } }, { type: 'admitted' })).toEqual({
      state: 'open',
      effects: ['authenticate', 'register'],
    });
    const fromFrame = transition('handshaking', { type: 'frame', frame: connect });
    expect(fromFrame).toEqual({ state: 'authenticating', effects: [{ type: 'authenticate', credentials: { from: 'connect', frame: connect } }] });
  });

  it('parks credentials that come before the handshake budget allows the connection, and admits nothing meanwhile', () => {
    const parkedFrame = transition('queued', { type: 'frame', frame: connect });
    expect(parkedFrame).toEqual({ state: 'queued-with-credentials', effects: [{ type: 'park', credentials: { from: 'connect', frame: connect } }] });
    const credentials = { from: 'url', handshake } as const;
    expect(transition('queued-with-credentials', { type: 'allowed', parked: credentials })).toEqual({
      state: 'authenticating',
      effects: [{ type: 'authenticate', credentials }],
    });
    // Refused by the budget: CONNACK 3 and nothing else, whatever was parked.
    expect(run('queued-with-credentials', { type: 'refused', status: 3, detail: 'too many handshakes' })).toEqual({ state: 'closed', effects: ['send', 'close', 'release'] });
    expect(run('queued-with-credentials', { type: 'frame', frame: connect })).toEqual({ state: 'closed', effects: ['close', 'release'] });
  });

  it('closes on any frame before the handshake completes, a second CONNECT included', () => {
    for (const state of ['queued', 'handshaking', 'authenticating'] as const) {
      expect(run(state, { type: 'frame', frame: ping })).toEqual({ state: 'closed', effects: ['close', 'release'] });
    }
    expect(transition('authenticating', { type: 'frame', frame: connect }).effects).toContainEqual({
      type: 'close',
      reason: 'protocol-error',
      detail: 'unexpected CONNECT before the handshake completed',
    });
    expect(transition('open', { type: 'frame', frame: connect }).effects).toContainEqual({ type: 'close', reason: 'protocol-error', detail: 'already connected' });
  });

  it('answers a refusal with its CONNACK, then closes and releases', () => {
    expect(transition('authenticating', { type: 'refused', status: 4, detail: 'token-incorrect' })).toEqual({
      state: 'closed',
      effects: [
        { type: 'send', frame: { type: 'CONNACK', status: 4 } },
        { type: 'close', reason: 'normal', detail: 'token-incorrect' },
        { type: 'release' },
      ],
    });
    // After admission only a transport refuses (a CONNECT of another version): the connection ends.
    expect(run('open', { type: 'refused', status: 1, detail: 'version 4' })).toEqual({ state: 'closed', effects: ['close', 'release'] });
  });

  it('dispatches frames only while open, and ends on the client DISCONNECT', () => {
    expect(transition('open', { type: 'frame', frame: ping })).toEqual({ state: 'open', effects: [{ type: 'dispatch', frame: ping }] });
    expect(run('open', { type: 'frame', frame: disconnect })).toEqual({ state: 'closed', effects: ['close', 'release'] });
  });

  it('sends the DISCONNECT status when the server drops an open session, and only then', () => {
    expect(transition('open', { type: 'dropped', status: 1, detail: 'kicked' }).effects[0]).toEqual({ type: 'send', frame: { type: 'DISCONNECT', status: 1 } });
    expect(transition('authenticating', { type: 'dropped', status: 1, detail: 'kicked' }).effects).toEqual([]);
  });

  it('releases exactly once, and gives back a session admitted after the connection closed', () => {
    expect(run('open', { type: 'transport-closed' }, { type: 'transport-closed' }, { type: 'overdue' }, { type: 'shutdown' })).toEqual({
      state: 'closed',
      effects: ['release'],
    });
    expect(run('authenticating', { type: 'transport-closed' }, { type: 'admitted' })).toEqual({ state: 'closed', effects: ['release', 'give-back'] });
  });

  it('cuts an overdue connection at once, and closes every connection as going away at shutdown', () => {
    expect(run('open', { type: 'overdue' })).toEqual({ state: 'closed', effects: ['destroy', 'release'] });
    expect(transition('open', { type: 'shutdown' }).effects).toContainEqual({ type: 'close', reason: 'going-away', detail: 'server shutting down' });
  });
});

describe('deadlines', () => {
  const times = { openedAt: 1000, lastSeen: 5000, keepAliveMs: 15_000 };

  it('gives the handshake its timeout from the opening', () => {
    expect(isOverdue('queued', times, 1000 + 10_001, 10_000)).toBe(true);
    expect(isOverdue('handshaking', times, 1000 + 10_000, 10_000)).toBe(false);
    expect(isOverdue('authenticating', times, 1000 + 10_001, 10_000)).toBe(true);
  });

  it('gives an open connection three keepalive intervals of silence', () => {
    expect(isOverdue('open', times, 5000 + 45_000, 10_000)).toBe(false);
    expect(isOverdue('open', times, 5000 + 45_001, 10_000)).toBe(true);
    expect(isOverdue('closed', times, Number.MAX_SAFE_INTEGER, 10_000)).toBe(false);
  });
});
