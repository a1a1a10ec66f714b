import net from 'node:net';
import { exchange, type Handshake, type ReplyParseResult } from './handshake-session.js';
import type { ProxyCredentials, ProxyTarget } from './proxy-options.js';

// SOCKS version 5 (RFC 1928) with username/password authentication (RFC 1929).

const SOCKS_VERSION = 0x05;
const USERNAME_PASSWORD_VERSION = 0x01;

export const SOCKS5_METHOD_NO_AUTHENTICATION = 0x00;
export const SOCKS5_METHOD_USERNAME_PASSWORD = 0x02;
const METHOD_NONE_ACCEPTABLE = 0xff;

const COMMAND_CONNECT = 0x01;
const RESERVED = 0x00;

const ADDRESS_IPV4 = 0x01;
const ADDRESS_DOMAIN_NAME = 0x03;
const ADDRESS_IPV6 = 0x04;

const REPLY_SUCCEEDED = 0x00;
const REPLY_COMMAND_NOT_SUPPORTED = 0x07;
const REPLY_ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

const REPLY_MESSAGES: Record<number, string> = {
  0x01: 'general SOCKS server failure',
  0x02: 'connection not allowed by ruleset',
  0x03: 'network unreachable',
  0x04: 'host unreachable',
  0x05: 'connection refused',
  0x06: 'TTL expired',
  0x07: 'command not supported',
  0x08: 'address type not supported',
};

const METHOD_REPLY_BYTES = 2;
const AUTHENTICATION_REPLY_BYTES = 2;
// VER REP RSV ATYP, then the longest BND.ADDR (a domain name: length byte + 255), then BND.PORT.
const MAX_CONNECT_REPLY_BYTES = 4 + 1 + 255 + 2;
const MAX_DOMAIN_NAME_BYTES = 255;

/** The whole SOCKS5 conversation: method negotiation, optional username/password, CONNECT. */
export function* socks5Handshake(target: ProxyTarget, credentials: ProxyCredentials | undefined): Handshake {
  // Built before the first request goes out, so a target SOCKS5 cannot express fails before any I/O.
  const connectRequest = buildSocks5ConnectRequest(target);
  const offeredMethods = credentials
    ? [SOCKS5_METHOD_NO_AUTHENTICATION, SOCKS5_METHOD_USERNAME_PASSWORD]
    : [SOCKS5_METHOD_NO_AUTHENTICATION];
  const authenticationRequest = credentials && buildSocks5AuthenticationRequest(credentials);

  const method = yield* exchange(
    buildSocks5Greeting(offeredMethods),
    (received) => parseSocks5MethodReply(received, offeredMethods),
    METHOD_REPLY_BYTES,
  );
  if (method === SOCKS5_METHOD_USERNAME_PASSWORD && authenticationRequest) {
    yield* exchange(authenticationRequest, parseSocks5AuthenticationReply, AUTHENTICATION_REPLY_BYTES);
  }
  yield* exchange(connectRequest, parseSocks5ConnectReply, MAX_CONNECT_REPLY_BYTES);
}

export function buildSocks5Greeting(methods: readonly number[]): Buffer {
  return Buffer.from([SOCKS_VERSION, methods.length, ...methods]);
}

/** Resolves to the method the proxy selected, which must be one we offered. */
export function parseSocks5MethodReply(received: Uint8Array, offeredMethods: readonly number[]): ReplyParseResult<number> {
  const [version, method] = received;
  if (version === undefined || method === undefined) return { status: 'incomplete' };
  if (version !== SOCKS_VERSION) return protocolError(`proxy answered with SOCKS version ${version}, not 5`);
  if (method === METHOD_NONE_ACCEPTABLE) {
    return {
      status: 'failed',
      reason: 'refused-auth',
      message: offeredMethods.includes(SOCKS5_METHOD_USERNAME_PASSWORD)
        ? 'SOCKS5 proxy accepts none of our authentication methods (none, username/password)'
        : 'SOCKS5 proxy requires authentication, and no username/password is configured',
    };
  }
  if (!offeredMethods.includes(method)) return protocolError(`SOCKS5 proxy selected method ${method}, which we did not offer`);
  return { status: 'complete', value: method, byteLength: METHOD_REPLY_BYTES };
}

export function buildSocks5AuthenticationRequest({ username, password }: ProxyCredentials): Buffer {
  const usernameBytes = Buffer.from(username, 'utf8');
  const passwordBytes = Buffer.from(password, 'utf8');
  for (const [name, bytes] of [['username', usernameBytes], ['password', passwordBytes]] as const) {
    if (bytes.length < 1 || bytes.length > 255) throw new RangeError(`SOCKS5 ${name} must be 1 to 255 bytes in UTF-8`);
  }
  return Buffer.concat([
    Buffer.from([USERNAME_PASSWORD_VERSION, usernameBytes.length]),
    usernameBytes,
    Buffer.from([passwordBytes.length]),
    passwordBytes,
  ]);
}

export function parseSocks5AuthenticationReply(received: Uint8Array): ReplyParseResult<void> {
  const [version, status] = received;
  if (version === undefined || status === undefined) return { status: 'incomplete' };
  if (version !== USERNAME_PASSWORD_VERSION) {
    return protocolError(`proxy answered the username/password request with version ${version}, not 1`);
  }
  if (status !== 0x00) {
    return { status: 'failed', reason: 'refused-auth', message: 'SOCKS5 proxy rejected the username/password' };
  }
  return { status: 'complete', value: undefined, byteLength: AUTHENTICATION_REPLY_BYTES };
}

/**
 * A CONNECT request. A host name goes as a domain name, so the proxy resolves it (the client may not
 * be able to); IP literals go as addresses.
 */
export function buildSocks5ConnectRequest({ host, port }: ProxyTarget): Buffer {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`target port must be 1 to 65535 (got ${port})`);
  const header = [SOCKS_VERSION, COMMAND_CONNECT, RESERVED];
  const portBytes = [port >> 8, port & 0xff];
  if (net.isIPv4(host)) {
    return Buffer.from([...header, ADDRESS_IPV4, ...host.split('.').map(Number), ...portBytes]);
  }
  if (net.isIPv6(host)) {
    return Buffer.from([...header, ADDRESS_IPV6, ...ipv6AddressBytes(host), ...portBytes]);
  }
  const name = Buffer.from(host, 'utf8');
  if (name.length < 1 || name.length > MAX_DOMAIN_NAME_BYTES) {
    throw new RangeError(`target host must be 1 to ${MAX_DOMAIN_NAME_BYTES} bytes for SOCKS5 (got ${name.length})`);
  }
  return Buffer.concat([Buffer.from([...header, ADDRESS_DOMAIN_NAME, name.length]), name, Buffer.from(portBytes)]);
}

export function parseSocks5ConnectReply(received: Uint8Array): ReplyParseResult<void> {
  const [version, reply, reserved, addressType] = received;
  if (version === undefined || reply === undefined) return { status: 'incomplete' };
  if (version !== SOCKS_VERSION) return protocolError(`proxy answered CONNECT with SOCKS version ${version}, not 5`);
  // A refusal may come without the rest of the reply (the proxy hangs up), so judge REP first.
  if (reply !== REPLY_SUCCEEDED) {
    const description = REPLY_MESSAGES[reply] ?? `unassigned reply code ${reply}`;
    // 07 and 08 mean the proxy cannot do what we asked at all; every other code is about this target.
    const aboutOurRequest = reply === REPLY_COMMAND_NOT_SUPPORTED || reply === REPLY_ADDRESS_TYPE_NOT_SUPPORTED;
    return {
      status: 'failed',
      reason: aboutOurRequest ? 'protocol-error' : 'target-refused',
      message: `SOCKS5 proxy did not connect to the target: ${description}`,
    };
  }
  if (reserved === undefined || addressType === undefined) return { status: 'incomplete' };
  if (reserved !== RESERVED) return protocolError(`SOCKS5 reply has a non-zero reserved byte (${reserved})`);

  let addressLength: number;
  if (addressType === ADDRESS_IPV4) addressLength = 4;
  else if (addressType === ADDRESS_IPV6) addressLength = 16;
  else if (addressType === ADDRESS_DOMAIN_NAME) {
    const nameLength = received[4];
    if (nameLength === undefined) return { status: 'incomplete' };
    addressLength = 1 + nameLength;
  } else return protocolError(`SOCKS5 reply has an unknown address type ${addressType}`);

  // BND.ADDR and BND.PORT (the proxy's side of the connection) are read past: a tunnel has no use for them.
  const byteLength = 4 + addressLength + 2;
  if (received.length < byteLength) return { status: 'incomplete' };
  return { status: 'complete', value: undefined, byteLength };
}

/** The 16 bytes of a textual IPv6 address (one that `net.isIPv6` accepts). */
function ipv6AddressBytes(address: string): number[] {
  // A zone ("%eth0") only means something on this host; it has no place on the wire.
  const [withoutZone = ''] = address.split('%');
  const [head = '', tail] = withoutZone.split('::');
  const groupsOf = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [Number.parseInt(group, 16)];
      // An embedded IPv4 address ("::ffff:192.0.2.1") fills the last two groups.
      const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const headGroups = groupsOf(head);
  const tailGroups = tail === undefined ? [] : groupsOf(tail);
  const groups = [...headGroups, ...new Array<number>(8 - headGroups.length - tailGroups.length).fill(0), ...tailGroups];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

function protocolError(message: string): ReplyParseResult<never> {
  return { status: 'failed', reason: 'protocol-error', message };
}
