/** The `proxy` option of `init(appKey, { proxy })`: the Node transport reaches the server through it. */
export interface ProxyOptions {
  type: 'socks5' | 'http';
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** Where the tunnel should lead: the host is a name (resolved by the proxy) or an IP literal. */
export interface ProxyTarget {
  host: string;
  port: number;
}

export interface ProxyCredentials {
  username: string;
  password: string;
}

// RFC 1929 carries each of the username and the password behind a one-byte length (1 to 255).
const SOCKS5_MAX_CREDENTIAL_BYTES = 255;

/**
 * Checks options that come from application code (possibly plain JavaScript) before they are used.
 * Returns a sentence describing the first problem found, or undefined when the options are usable.
 */
export function validateProxyOptions(options: unknown): string | undefined {
  if (typeof options !== 'object' || options === null) return 'proxy must be an object { type, host, port }';
  const { type, host, port, username, password } = options as Record<string, unknown>;

  if (type !== 'socks5' && type !== 'http') return `proxy.type must be 'socks5' or 'http' (got ${shown(type)})`;
  if (typeof host !== 'string' || host.length === 0) return 'proxy.host must be a non-empty string';
  if (/\s/.test(host) || hasControlCharacter(host)) return 'proxy.host must not contain whitespace or control characters';
  if (host.startsWith('[')) return 'proxy.host takes an IPv6 address without brackets (e.g. "::1")';
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return `proxy.port must be an integer from 1 to 65535 (got ${shown(port)})`;
  }

  if (username === undefined && password === undefined) return undefined;
  if (username === undefined) return 'proxy.password is set but proxy.username is missing';
  if (password === undefined) return 'proxy.username is set but proxy.password is missing';
  if (typeof username !== 'string' || username.length === 0) return 'proxy.username must be a non-empty string';
  if (typeof password !== 'string') return 'proxy.password must be a string';

  if (type === 'socks5') {
    if (Buffer.byteLength(username, 'utf8') > SOCKS5_MAX_CREDENTIAL_BYTES) {
      return `proxy.username is longer than SOCKS5 allows (${SOCKS5_MAX_CREDENTIAL_BYTES} bytes in UTF-8)`;
    }
    const passwordBytes = Buffer.byteLength(password, 'utf8');
    if (passwordBytes === 0 || passwordBytes > SOCKS5_MAX_CREDENTIAL_BYTES) {
      return `proxy.password must be 1 to ${SOCKS5_MAX_CREDENTIAL_BYTES} bytes in UTF-8 for SOCKS5`;
    }
  } else {
    // RFC 7617: Basic joins the two with a colon, so the user-id cannot contain one, and neither part
    // may contain control characters.
    if (username.includes(':')) return 'proxy.username must not contain ":" for an HTTP proxy (Basic authentication)';
    if (hasControlCharacter(username) || hasControlCharacter(password)) {
      return 'proxy.username and proxy.password must not contain control characters for an HTTP proxy';
    }
  }
  return undefined;
}

/** The credentials of options that passed {@link validateProxyOptions}, if any were given. */
export function proxyCredentials(proxy: ProxyOptions): ProxyCredentials | undefined {
  if (proxy.username === undefined || proxy.password === undefined) return undefined;
  return { username: proxy.username, password: proxy.password };
}

/** C0 controls and DEL, which no host name or Basic credential may contain. */
export function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
