import net from 'node:net';
import { exchange, type Handshake, type ReplyParseResult } from './handshake-session.js';
import { hasControlCharacter, type ProxyCredentials, type ProxyTarget } from './proxy-options.js';

// HTTP/1.1 CONNECT (RFC 9110 §9.3.6, RFC 9112) with optional Basic proxy authentication (RFC 7617).

// Node's own limit for a response head; a CONNECT reply needs a fraction of it.
const MAX_REPLY_HEAD_BYTES = 16 * 1024;
const END_OF_HEAD = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: ([^\r\n]*))?$/;
const HTTP_PROXY_AUTHENTICATION_REQUIRED = 407;
const MAX_REASON_IN_MESSAGE = 100;

export function* httpConnectHandshake(target: ProxyTarget, credentials: ProxyCredentials | undefined): Handshake {
  yield* exchange(buildHttpConnectRequest(target, credentials), parseHttpConnectReply, MAX_REPLY_HEAD_BYTES);
}

export function buildHttpConnectRequest({ host, port }: ProxyTarget, credentials: ProxyCredentials | undefined): Buffer {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`target port must be 1 to 65535 (got ${port})`);
  // The host goes into the request line verbatim: whitespace or a line break would split the request.
  if (host.length === 0 || /\s/.test(host) || hasControlCharacter(host)) {
    throw new RangeError(`target host ${JSON.stringify(host)} cannot be written into an HTTP request`);
  }
  // The authority form; an IPv6 literal is bracketed there, as in a URL.
  const authority = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (credentials) {
    const token = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
    lines.push(`Proxy-Authorization: Basic ${token}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Reads the reply head. Any 2xx opens the tunnel (its header fields, including any Content-Length, do
 * not apply to the tunnel and are skipped); the bytes after the head are the target's.
 */
export function parseHttpConnectReply(received: Uint8Array): ReplyParseResult<number> {
  const bytes = Buffer.from(received.buffer, received.byteOffset, received.byteLength);
  const headEnd = bytes.indexOf(END_OF_HEAD);
  if (headEnd === -1) {
    // Even before the head is complete, a first line that is not a status line says this is no HTTP proxy.
    const firstLineEnd = bytes.indexOf('\r\n', 0, 'latin1');
    if (firstLineEnd !== -1 && !STATUS_LINE.test(bytes.toString('latin1', 0, firstLineEnd))) {
      return notAStatusLine(bytes.toString('latin1', 0, firstLineEnd));
    }
    return { status: 'incomplete' };
  }

  const head = bytes.toString('latin1', 0, headEnd);
  const statusLine = head.split('\r\n', 1)[0] ?? '';
  const match = STATUS_LINE.exec(statusLine);
  if (!match) return notAStatusLine(statusLine);
  const statusCode = Number(match[1]);
  const byteLength = headEnd + END_OF_HEAD.length;
  if (statusCode >= 200 && statusCode <= 299) return { status: 'complete', value: statusCode, byteLength };

  const described = `${statusCode} ${(match[2] ?? '').slice(0, MAX_REASON_IN_MESSAGE)}`.trim();
  if (statusCode === HTTP_PROXY_AUTHENTICATION_REQUIRED) {
    return { status: 'failed', reason: 'refused-auth', message: `HTTP proxy requires authentication (${described})` };
  }
  // 4xx and 5xx: the proxy will not open this tunnel (forbidden, bad gateway, gateway timeout...).
  // 1xx and 3xx have no meaning as the answer to CONNECT.
  const refusal = statusCode >= 400;
  return {
    status: 'failed',
    reason: refusal ? 'target-refused' : 'protocol-error',
    message: refusal
      ? `HTTP proxy did not connect to the target (${described})`
      : `HTTP proxy answered CONNECT with an unexpected status (${described})`,
  };
}

function notAStatusLine(line: string): ReplyParseResult<never> {
  return {
    status: 'failed',
    reason: 'protocol-error',
    message: `HTTP proxy reply does not start with a status line: ${JSON.stringify(line.slice(0, MAX_REASON_IN_MESSAGE))}`,
  };
}
