import { describe, expect, it } from 'vitest';
import { exchange, HandshakeSession, type Handshake, type ReplyParser } from './handshake-session.js';
import { ProxyUnavailableError } from './proxy-unavailable-error.js';

// A toy protocol: each reply is a length byte followed by that many bytes; "no" refuses.
const parseLengthPrefixed: ReplyParser<string> = (received) => {
  const [length] = received;
  if (length === undefined || received.length < 1 + length) return { status: 'incomplete' };
  const text = Buffer.from(received.subarray(1, 1 + length)).toString('latin1');
  if (text === 'no') return { status: 'failed', reason: 'target-refused', message: 'refused' };
  return { status: 'complete', value: text, byteLength: 1 + length };
};

function* twoStepHandshake(seen: string[]): Handshake {
  seen.push(yield* exchange(Buffer.from('first'), parseLengthPrefixed, 8));
  seen.push(yield* exchange(Buffer.from('second'), parseLengthPrefixed, 8));
}

const reply = (text: string): Buffer => Buffer.concat([Buffer.from([text.length]), Buffer.from(text, 'latin1')]);

describe('HandshakeSession', () => {
  it('sends each request after the reply before it, and hands the parsed values back', () => {
    const seen: string[] = [];
    const session = new HandshakeSession(twoStepHandshake(seen));
    expect(Buffer.from(session.start()).toString()).toBe('first');
    const afterFirst = session.receive(reply('ok'));
    expect(afterFirst.established).toBe(false);
    expect(afterFirst.send.map((request) => Buffer.from(request).toString())).toEqual(['second']);
    expect(session.receive(reply('go'))).toEqual({ established: true, send: [], tunnelBytes: Buffer.alloc(0) });
    expect(seen).toEqual(['ok', 'go']);
  });

  it('reassembles replies split into single bytes', () => {
    const session = new HandshakeSession(twoStepHandshake([]));
    session.start();
    const bytes = Buffer.concat([reply('ok'), reply('go')]);
    const progress = [...bytes].map((byte) => session.receive(Uint8Array.of(byte)));
    expect(progress.map((step) => step.established)).toEqual([false, false, false, false, false, true]);
  });

  it('handles two replies in one chunk and returns the bytes after them as tunnel bytes', () => {
    const session = new HandshakeSession(twoStepHandshake([]));
    session.start();
    const progress = session.receive(Buffer.concat([reply('ok'), reply('go'), Buffer.from('tunnel')]));
    expect(progress.established).toBe(true);
    expect(progress.send.map((request) => Buffer.from(request).toString())).toEqual(['second']);
    expect(progress.established && progress.tunnelBytes.toString()).toBe('tunnel');
  });

  it('throws ProxyUnavailableError with the reason the parser gave', () => {
    const session = new HandshakeSession(twoStepHandshake([]));
    session.start();
    expect(() => session.receive(reply('no'))).toThrow(
      expect.objectContaining({ name: 'ProxyUnavailableError', reason: 'target-refused', message: 'refused' }),
    );
  });

  it('refuses a reply still incomplete at the size limit', () => {
    const session = new HandshakeSession(twoStepHandshake([]));
    session.start();
    expect(session.receive(Buffer.from([20, 1, 2, 3, 4, 5, 6])).established).toBe(false);
    let error: unknown;
    try {
      session.receive(Buffer.from([7]));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProxyUnavailableError);
    expect(error).toMatchObject({ reason: 'protocol-error', message: expect.stringMatching(/incomplete after 8 bytes/) });
  });
});
