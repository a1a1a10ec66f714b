import { describe, expect, it } from 'vitest';
import { HandshakeSession } from './handshake-session.js';
import { buildHttpConnectRequest, httpConnectHandshake, parseHttpConnectReply } from './http-connect-handshake.js';

const failure = (reason: string, message: RegExp) => ({ status: 'failed', reason, message: expect.stringMatching(message) });
const reply = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('HTTP CONNECT request', () => {
  it('asks for host:port in authority form, with a matching Host', () => {
    expect(buildHttpConnectRequest({ host: 'im.example', port: 443 }, undefined).toString()).toBe(
      'CONNECT im.example:443 HTTP/1.1\r\nHost: im.example:443\r\n\r\n',
    );
  });

  it('brackets an IPv6 literal', () => {
    expect(buildHttpConnectRequest({ host: '::1', port: 80 }, undefined).toString()).toMatch(/^CONNECT \[::1\]:80 HTTP\/1\.1\r\nHost: \[::1\]:80\r\n/);
  });

  it('sends Basic credentials as UTF-8 (RFC 7617)', () => {
    const request = buildHttpConnectRequest({ host: '127.0.0.1', port: 80 }, { username: 'alice', password: 'pässword' }).toString();
    expect(request).toContain(`\r\nProxy-Authorization: Basic ${Buffer.from('alice:pässword', 'utf8').toString('base64')}\r\n\r\n`);
  });

  it('refuses a target that would break the request', () => {
    expect(() => buildHttpConnectRequest({ host: 'a\r\nX-Injected: 1', port: 80 }, undefined)).toThrow(RangeError);
    expect(() => buildHttpConnectRequest({ host: 'a b', port: 80 }, undefined)).toThrow(RangeError);
    expect(() => buildHttpConnectRequest({ host: '', port: 80 }, undefined)).toThrow(RangeError);
    expect(() => buildHttpConnectRequest({ host: 'h', port: 0 }, undefined)).toThrow(/port/);
  });
});

describe('HTTP CONNECT reply', () => {
  it('waits for the end of the head, however the bytes are cut', () => {
    const full = reply('HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n');
    for (let length = 0; length < full.length; length++) {
      expect(parseHttpConnectReply(full.subarray(0, length))).toEqual({ status: 'incomplete' });
    }
    expect(parseHttpConnectReply(full)).toEqual({ status: 'complete', value: 200, byteLength: full.length });
  });

  it('accepts any 2xx, HTTP/1.0 replies and a status line without a reason', () => {
    expect(parseHttpConnectReply(reply('HTTP/1.0 200 OK\r\n\r\n'))).toMatchObject({ status: 'complete', value: 200 });
    expect(parseHttpConnectReply(reply('HTTP/1.1 204\r\n\r\n'))).toMatchObject({ status: 'complete', value: 204 });
  });

  it('leaves what follows the head to the tunnel, ignoring any Content-Length of a 2xx', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n';
    expect(parseHttpConnectReply(reply(`${head}hello`))).toEqual({ status: 'complete', value: 200, byteLength: head.length });
  });

  it('reports 407 as refused-auth', () => {
    expect(parseHttpConnectReply(reply('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n'))).toEqual(
      failure('refused-auth', /requires authentication \(407 Proxy Authentication Required\)/),
    );
  });

  it('reports other 4xx and 5xx as target-refused', () => {
    expect(parseHttpConnectReply(reply('HTTP/1.1 502 Bad Gateway\r\n\r\n'))).toEqual(failure('target-refused', /502 Bad Gateway/));
    expect(parseHttpConnectReply(reply('HTTP/1.1 403 Forbidden\r\n\r\n'))).toEqual(failure('target-refused', /403 Forbidden/));
  });

  it('reports 1xx and 3xx as protocol-error', () => {
    expect(parseHttpConnectReply(reply('HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\n'))).toEqual(failure('protocol-error', /unexpected status \(301 Moved\)/));
    expect(parseHttpConnectReply(reply('HTTP/1.1 100 Continue\r\n\r\n'))).toEqual(failure('protocol-error', /unexpected status/));
  });

  it('refuses a reply that does not start with a status line, as soon as the first line ends', () => {
    expect(parseHttpConnectReply(reply('SSH-2.0-OpenSSH_9.6\r\n'))).toEqual(failure('protocol-error', /"SSH-2.0-OpenSSH_9.6"/));
    expect(parseHttpConnectReply(Buffer.from([5, 0]))).toEqual({ status: 'incomplete' });
    expect(parseHttpConnectReply(reply('HTTP/2 200\r\n\r\n'))).toEqual(failure('protocol-error', /status line/));
    expect(parseHttpConnectReply(reply('HTTP/1.1 2000 OK\r\n\r\n'))).toEqual(failure('protocol-error', /status line/));
  });

  it('parses a reply held in a view into a larger buffer', () => {
    const backing = reply('xxxxHTTP/1.1 200 OK\r\n\r\n');
    expect(parseHttpConnectReply(new Uint8Array(backing.buffer, backing.byteOffset + 4, backing.length - 4))).toMatchObject({
      status: 'complete',
      value: 200,
    });
  });
});

describe('httpConnectHandshake', () => {
  it('sends one request and hands over the bytes after the reply head', () => {
    const session = new HandshakeSession(httpConnectHandshake({ host: 'im.example', port: 80 }, undefined));
    expect(Buffer.from(session.start()).toString()).toMatch(/^CONNECT im\.example:80 HTTP\/1\.1\r\n/);
    expect(session.receive(reply('HTTP/1.1 200 OK\r'))).toEqual({ established: false, send: [] });
    expect(session.receive(reply('\n\r\nGET'))).toEqual({ established: true, send: [], tunnelBytes: reply('GET') });
  });

  it('refuses a head larger than 16 KiB', () => {
    const session = new HandshakeSession(httpConnectHandshake({ host: 'im.example', port: 80 }, undefined));
    session.start();
    session.receive(reply('HTTP/1.1 200 OK\r\n'));
    const filler = reply(`X-Filler: ${'a'.repeat(1000)}\r\n`);
    expect(() => {
      for (let i = 0; i < 17; i++) session.receive(filler);
    }).toThrow(expect.objectContaining({ reason: 'protocol-error', message: expect.stringMatching(/limit is 16384/) }));
  });
});
