import { describe, expect, it } from 'vitest';
import { proxyCredentials, validateProxyOptions, type ProxyOptions } from './proxy-options.js';

describe('validateProxyOptions', () => {
  it.each<ProxyOptions>([
    { type: 'socks5', host: '127.0.0.1', port: 1080 },
    { type: 'socks5', host: 'proxy.example.com', port: 65535, username: 'u', password: 'p' },
    { type: 'socks5', host: '::1', port: 1, username: 'ü'.repeat(127), password: 'x'.repeat(255) },
    { type: 'http', host: 'proxy.example.com', port: 3128 },
    { type: 'http', host: 'proxy', port: 8080, username: 'user', password: '' },
  ])('accepts %o', (options) => {
    expect(validateProxyOptions(options)).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'socks5://127.0.0.1:1080', /must be an object/],
    ['null', null, /must be an object/],
    ['an unknown type', { type: 'https', host: 'h', port: 1 }, /type must be 'socks5' or 'http' \(got "https"\)/],
    ['a missing type', { host: 'h', port: 1 }, /type must be/],
    ['an empty host', { type: 'socks5', host: '', port: 1080 }, /host must be a non-empty string/],
    ['a host with a space', { type: 'http', host: 'a b', port: 1080 }, /whitespace or control/],
    ['a host with a line break', { type: 'http', host: 'a\r\nb', port: 1080 }, /whitespace or control/],
    ['a bracketed IPv6 host', { type: 'socks5', host: '[::1]', port: 1080 }, /without brackets/],
    ['port 0', { type: 'socks5', host: 'h', port: 0 }, /port must be an integer from 1 to 65535 \(got 0\)/],
    ['port 65536', { type: 'socks5', host: 'h', port: 65536 }, /port must be an integer/],
    ['a fractional port', { type: 'socks5', host: 'h', port: 80.5 }, /port must be an integer/],
    ['a port given as a string', { type: 'socks5', host: 'h', port: '1080' }, /port must be an integer .*got "1080"/],
    ['a username without a password', { type: 'socks5', host: 'h', port: 1, username: 'u' }, /password is missing/],
    ['a password without a username', { type: 'http', host: 'h', port: 1, password: 'p' }, /username is missing/],
    ['an empty username', { type: 'http', host: 'h', port: 1, username: '', password: 'p' }, /username must be a non-empty string/],
    ['a non-string password', { type: 'http', host: 'h', port: 1, username: 'u', password: 1 }, /password must be a string/],
    [
      'a SOCKS5 username over 255 bytes',
      { type: 'socks5', host: 'h', port: 1, username: 'ü'.repeat(128), password: 'p' },
      /username is longer than SOCKS5 allows \(255 bytes/,
    ],
    [
      'a SOCKS5 password over 255 bytes',
      { type: 'socks5', host: 'h', port: 1, username: 'u', password: 'x'.repeat(256) },
      /password must be 1 to 255 bytes/,
    ],
    ['an empty SOCKS5 password', { type: 'socks5', host: 'h', port: 1, username: 'u', password: '' }, /password must be 1 to 255 bytes/],
    ['an HTTP username with a colon', { type: 'http', host: 'h', port: 1, username: 'a:b', password: 'p' }, /must not contain ":"/],
    ['an HTTP password with a control character', { type: 'http', host: 'h', port: 1, username: 'u', password: 'p\n' }, /control characters/],
  ])('refuses %s', (_name, options, message) => {
    expect(validateProxyOptions(options)).toMatch(message);
  });
});

describe('proxyCredentials', () => {
  it('gives the username and password when both are set', () => {
    expect(proxyCredentials({ type: 'http', host: 'h', port: 1, username: 'u', password: '' })).toEqual({ username: 'u', password: '' });
  });

  it('gives nothing without credentials', () => {
    expect(proxyCredentials({ type: 'socks5', host: 'h', port: 1 })).toBeUndefined();
  });
});
