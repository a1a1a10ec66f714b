import { describe, expect, it } from 'vitest';
import { HandshakeSession } from './handshake-session.js';
import {
  buildSocks5AuthenticationRequest,
  buildSocks5ConnectRequest,
  buildSocks5Greeting,
  parseSocks5AuthenticationReply,
  parseSocks5ConnectReply,
  parseSocks5MethodReply,
  socks5Handshake,
  SOCKS5_METHOD_NO_AUTHENTICATION as NO_AUTH,
  SOCKS5_METHOD_USERNAME_PASSWORD as USER_PASS,
} from './socks5-handshake.js';

const bytes = (...values: number[]): Buffer => Buffer.from(values);
const failure = (reason: string, message: RegExp) => ({ status: 'failed', reason, message: expect.stringMatching(message) });

describe('SOCKS5 requests', () => {
  it('offers the methods given in the greeting', () => {
    expect(buildSocks5Greeting([NO_AUTH])).toEqual(bytes(5, 1, 0));
    expect(buildSocks5Greeting([NO_AUTH, USER_PASS])).toEqual(bytes(5, 2, 0, 2));
  });

  it('writes the username/password request with UTF-8 lengths (RFC 1929)', () => {
    expect(buildSocks5AuthenticationRequest({ username: 'ab', password: 'é' })).toEqual(bytes(1, 2, 0x61, 0x62, 2, 0xc3, 0xa9));
  });

  it('refuses credentials SOCKS5 cannot carry', () => {
    expect(() => buildSocks5AuthenticationRequest({ username: 'u', password: '' })).toThrow(RangeError);
    expect(() => buildSocks5AuthenticationRequest({ username: 'x'.repeat(256), password: 'p' })).toThrow(RangeError);
  });

  it('sends a host name as a domain name, for the proxy to resolve', () => {
    expect(buildSocks5ConnectRequest({ host: 'im.example', port: 443 })).toEqual(
      Buffer.concat([bytes(5, 1, 0, 3, 10), Buffer.from('im.example'), bytes(0x01, 0xbb)]),
    );
  });

  it('sends IPv4 and IPv6 literals as addresses', () => {
    expect(buildSocks5ConnectRequest({ host: '127.0.0.1', port: 8443 })).toEqual(bytes(5, 1, 0, 1, 127, 0, 0, 1, 0x20, 0xfb));
    expect(buildSocks5ConnectRequest({ host: '2001:db8::1', port: 80 })).toEqual(
      bytes(5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80),
    );
    expect(buildSocks5ConnectRequest({ host: '::ffff:192.0.2.1', port: 1 }).subarray(4, 20)).toEqual(
      bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1),
    );
    expect(buildSocks5ConnectRequest({ host: 'fe80::1%eth0', port: 1 }).subarray(4, 20)).toEqual(
      bytes(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    );
    expect(buildSocks5ConnectRequest({ host: '::', port: 1 }).subarray(4, 20)).toEqual(Buffer.alloc(16));
  });

  it('refuses a target SOCKS5 cannot express', () => {
    expect(() => buildSocks5ConnectRequest({ host: 'a'.repeat(256), port: 80 })).toThrow(/1 to 255 bytes/);
    expect(() => buildSocks5ConnectRequest({ host: '', port: 80 })).toThrow(RangeError);
    expect(() => buildSocks5ConnectRequest({ host: 'h', port: 0 })).toThrow(/port/);
    expect(() => buildSocks5ConnectRequest({ host: 'h', port: 70000 })).toThrow(/port/);
  });
});

describe('SOCKS5 method reply', () => {
  const offered = [NO_AUTH, USER_PASS];

  it('waits for both bytes', () => {
    expect(parseSocks5MethodReply(bytes(), offered)).toEqual({ status: 'incomplete' });
    expect(parseSocks5MethodReply(bytes(5), offered)).toEqual({ status: 'incomplete' });
  });

  it('gives the method the proxy selected', () => {
    expect(parseSocks5MethodReply(bytes(5, 2, 0xaa), offered)).toEqual({ status: 'complete', value: USER_PASS, byteLength: 2 });
  });

  it('reports "no acceptable methods" as refused-auth', () => {
    expect(parseSocks5MethodReply(bytes(5, 0xff), [NO_AUTH])).toEqual(failure('refused-auth', /requires authentication/));
    expect(parseSocks5MethodReply(bytes(5, 0xff), offered)).toEqual(failure('refused-auth', /none of our authentication methods/));
  });

  it('refuses another SOCKS version or a method we did not offer', () => {
    expect(parseSocks5MethodReply(bytes(4, 0), offered)).toEqual(failure('protocol-error', /version 4/));
    expect(parseSocks5MethodReply(Buffer.from('HTTP/1.1 400'), offered)).toEqual(failure('protocol-error', /version 72/));
    expect(parseSocks5MethodReply(bytes(5, USER_PASS), [NO_AUTH])).toEqual(failure('protocol-error', /did not offer/));
  });
});

describe('SOCKS5 username/password reply', () => {
  it('accepts status 0 and refuses any other status as refused-auth', () => {
    expect(parseSocks5AuthenticationReply(bytes(1))).toEqual({ status: 'incomplete' });
    expect(parseSocks5AuthenticationReply(bytes(1, 0))).toEqual({ status: 'complete', value: undefined, byteLength: 2 });
    expect(parseSocks5AuthenticationReply(bytes(1, 1))).toEqual(failure('refused-auth', /rejected the username\/password/));
  });

  it('refuses a reply of another version', () => {
    expect(parseSocks5AuthenticationReply(bytes(5, 0))).toEqual(failure('protocol-error', /version 5, not 1/));
  });
});

describe('SOCKS5 CONNECT reply', () => {
  const ipv4Reply = bytes(5, 0, 0, 1, 10, 0, 0, 1, 0x04, 0x38);
  const domainReply = Buffer.concat([bytes(5, 0, 0, 3, 5), Buffer.from('proxy'), bytes(0, 80)]);
  const ipv6Reply = Buffer.concat([bytes(5, 0, 0, 4), Buffer.alloc(16), bytes(0, 80)]);

  it.each([
    ['an IPv4', ipv4Reply],
    ['a domain-name', domainReply],
    ['an IPv6', ipv6Reply],
  ])('reads past %s bound address, and waits for all of it', (_kind, reply) => {
    for (let length = 0; length < reply.length; length++) {
      expect(parseSocks5ConnectReply(reply.subarray(0, length))).toEqual({ status: 'incomplete' });
    }
    expect(parseSocks5ConnectReply(Buffer.concat([reply, Buffer.from('tunnel')]))).toEqual({
      status: 'complete',
      value: undefined,
      byteLength: reply.length,
    });
  });

  it('reports refusals about the target as target-refused, even before the rest of the reply', () => {
    expect(parseSocks5ConnectReply(bytes(5, 5))).toEqual(failure('target-refused', /connection refused/));
    expect(parseSocks5ConnectReply(bytes(5, 2, 0, 1, 0, 0, 0, 0, 0, 0))).toEqual(failure('target-refused', /not allowed by ruleset/));
    expect(parseSocks5ConnectReply(bytes(5, 4))).toEqual(failure('target-refused', /host unreachable/));
    expect(parseSocks5ConnectReply(bytes(5, 0x42))).toEqual(failure('target-refused', /unassigned reply code 66/));
  });

  it('reports a command or address type the proxy does not support as protocol-error', () => {
    expect(parseSocks5ConnectReply(bytes(5, 7))).toEqual(failure('protocol-error', /command not supported/));
    expect(parseSocks5ConnectReply(bytes(5, 8))).toEqual(failure('protocol-error', /address type not supported/));
  });

  it('refuses malformed replies', () => {
    expect(parseSocks5ConnectReply(bytes(1, 0, 0, 1))).toEqual(failure('protocol-error', /version 1/));
    expect(parseSocks5ConnectReply(bytes(5, 0, 9, 1))).toEqual(failure('protocol-error', /reserved byte/));
    expect(parseSocks5ConnectReply(bytes(5, 0, 0, 2, 0, 0))).toEqual(failure('protocol-error', /unknown address type 2/));
  });
});

describe('socks5Handshake', () => {
  const target = { host: 'im.example', port: 443 };
  const connectRequest = buildSocks5ConnectRequest(target);
  const success = bytes(5, 0, 0, 1, 0, 0, 0, 0, 0, 0);
  const sent = (requests: Uint8Array[]): Buffer[] => requests.map((request) => Buffer.from(request));

  it('without credentials: greeting, then CONNECT', () => {
    const session = new HandshakeSession(socks5Handshake(target, undefined));
    expect(Buffer.from(session.start())).toEqual(bytes(5, 1, NO_AUTH));
    expect(sent(session.receive(bytes(5, NO_AUTH)).send)).toEqual([connectRequest]);
    expect(session.receive(Buffer.concat([success, Buffer.from('hello')]))).toEqual({
      established: true,
      send: [],
      tunnelBytes: Buffer.from('hello'),
    });
  });

  it('with credentials: authenticates when the proxy selects username/password', () => {
    const credentials = { username: 'alice', password: 'secret' };
    const session = new HandshakeSession(socks5Handshake(target, credentials));
    expect(Buffer.from(session.start())).toEqual(bytes(5, 2, NO_AUTH, USER_PASS));
    expect(sent(session.receive(bytes(5, USER_PASS)).send)).toEqual([buildSocks5AuthenticationRequest(credentials)]);
    expect(sent(session.receive(bytes(1, 0)).send)).toEqual([connectRequest]);
    expect(session.receive(success).established).toBe(true);
  });

  it('with credentials: skips authentication when the proxy selects no authentication', () => {
    const session = new HandshakeSession(socks5Handshake(target, { username: 'alice', password: 'secret' }));
    session.start();
    expect(sent(session.receive(bytes(5, NO_AUTH)).send)).toEqual([connectRequest]);
  });

  it('throws the parser verdict as ProxyUnavailableError', () => {
    const session = new HandshakeSession(socks5Handshake(target, { username: 'alice', password: 'wrong' }));
    session.start();
    session.receive(bytes(5, USER_PASS));
    expect(() => session.receive(bytes(1, 1))).toThrow(expect.objectContaining({ reason: 'refused-auth' }));
  });

  it('fails at start, before any I/O, for a target it cannot express', () => {
    expect(() => new HandshakeSession(socks5Handshake({ host: 'a'.repeat(300), port: 1 }, undefined)).start()).toThrow(RangeError);
  });
});
