import { describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, envBoolean, resolveConfig } from './config.js';

describe('boolean environment twins', () => {
  it('take 1/0, true/false, yes/no and on/off in any case', () => {
    for (const word of ['1', 'true', 'YES', 'On']) expect(envBoolean({ X: word }, 'X')).toBe(true);
    for (const word of ['0', 'False', 'no', 'OFF']) expect(envBoolean({ X: word }, 'X')).toBe(false);
    expect(envBoolean({}, 'X')).toBeUndefined();
  });

  it('refuse anything else with an error that names the variable', () => {
    expect(() => envBoolean({ PARLEY_NO_DEMO: 'maybe' }, 'PARLEY_NO_DEMO')).toThrow(/PARLEY_NO_DEMO must be one of 1\/0, true\/false, yes\/no, on\/off/);
    expect(() => resolveConfig({}, { PARLEY_NO_DEMO: 'y' })).toThrow(ConfigError);
  });

  it('PARLEY_NO_DEMO=yes turns the demo off', () => {
    expect(resolveConfig({}, { PARLEY_NO_DEMO: 'yes' }).demo).toBe(false);
    expect(resolveConfig({}, { PARLEY_NO_DEMO: 'no' }).demo).toBe(true);
  });
});

describe('the demo default', () => {
  it('is on for a loopback bind (the default host) and off for any other', () => {
    expect(resolveConfig({}, {})).toMatchObject({ host: '127.0.0.1', demo: true });
    expect(resolveConfig({ host: '::1' }, {}).demo).toBe(true);
    expect(resolveConfig({ host: '0.0.0.0' }, {}).demo).toBe(false);
    expect(resolveConfig({ host: '192.168.1.5' }, {}).demo).toBe(false);
  });

  it('follows --demo, --no-demo and PARLEY_DEMO, and warns when the demo is on off loopback', () => {
    const forced = resolveConfig({ host: '0.0.0.0', demo: true }, {});
    expect(forced.demo).toBe(true);
    expect(configWarnings(forced).join('\n')).toMatch(/demo is on while others can reach this server \(bound to 0\.0\.0\.0\)/);
    expect(resolveConfig({ 'no-demo': true }, {}).demo).toBe(false);
    expect(resolveConfig({ host: '0.0.0.0' }, { PARLEY_DEMO: 'on' }).demo).toBe(true);
    expect(() => resolveConfig({ demo: true, 'no-demo': true }, {})).toThrow(/not both/);
    expect(() => resolveConfig({}, { PARLEY_DEMO: '1', PARLEY_NO_DEMO: '1' })).toThrow(/disagree/);
  });
});

describe('settings for a server others reach', () => {
  it('warns that --public-url is unset, and that plain http needs HTTPS in front', () => {
    expect(configWarnings(resolveConfig({ host: '0.0.0.0' }, {})).join('\n')).toMatch(/--public-url is unset/);
    expect(configWarnings(resolveConfig({ host: '0.0.0.0', 'public-url': 'http://chat.example.com' }, {})).join('\n')).toMatch(/HTTPS in front/);
    expect(configWarnings(resolveConfig({}, {}))).toEqual([]);
  });

  it('checks trusted proxies, allowed hosts and connection caps, naming the flag', () => {
    expect(resolveConfig({ 'trust-proxy': '10.0.0.0/8, 127.0.0.1,::1' }, {}).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1']);
    expect(() => resolveConfig({ 'trust-proxy': 'proxy.local' }, {})).toThrow(/--trust-proxy: must be a comma-separated list of IP addresses/);
    expect(() => resolveConfig({ 'trust-proxy': '10.0.0.0/33' }, {})).toThrow(/--trust-proxy/);
    expect(resolveConfig({}, { PARLEY_ALLOWED_HOSTS: 'chat.example.com,10.0.0.2:8080' }).allowedHosts).toEqual(['chat.example.com', '10.0.0.2:8080']);
    expect(() => resolveConfig({ 'allowed-hosts': 'a b' }, {})).toThrow(/--allowed-hosts/);
    expect(resolveConfig({}, {})).toMatchObject({ maxConnections: 100_000, maxConnectionsPerIp: 2_000 });
    expect(() => resolveConfig({ 'max-connections-per-ip': '0' }, {})).toThrow(/--max-connections-per-ip/);
  });

  it('keeps 50 messages a chatroom unless told, up to 1000', () => {
    expect(resolveConfig({}, {}).chatroomHistory).toBe(50);
    expect(resolveConfig({ 'chatroom-history': '500' }, {}).chatroomHistory).toBe(500);
    expect(resolveConfig({}, { PARLEY_CHATROOM_HISTORY: '200' }).chatroomHistory).toBe(200);
    for (const refused of ['0', '1001', '2.5', 'many']) expect(() => resolveConfig({ 'chatroom-history': refused }, {})).toThrow(/--chatroom-history/);
  });

  it('takes a recall window of whole minutes, at least one, as navigation advertises it', () => {
    expect(resolveConfig({}, {}).recallWindow).toBe(24 * 3_600_000);
    expect(resolveConfig({ 'recall-window': '2m' }, {}).recallWindow).toBe(120_000);
    expect(resolveConfig({ 'recall-window': '120s' }, {}).recallWindow).toBe(120_000);
    expect(resolveConfig({}, { PARLEY_RECALL_WINDOW: '7d' }).recallWindow).toBe(7 * 86_400_000);
    expect(resolveConfig({ 'recall-window': '5' }, {}).recallWindow).toBe(300_000);
    for (const refused of ['0', '0m', '30s', '90s', '1.5m', 'soon']) expect(() => resolveConfig({ 'recall-window': refused }, {})).toThrow(/--recall-window/);
  });

  it('counts a server behind a proxy as reachable by others: demo off by default, warnings on', () => {
    expect(resolveConfig({ 'trust-proxy': '127.0.0.1' }, {}).demo).toBe(false);
    expect(resolveConfig({ 'public-url': 'https://chat.example.com' }, {}).demo).toBe(false);
    expect(resolveConfig({ 'public-url': 'http://127.0.0.1:8080' }, {}).demo).toBe(true);
    expect(configWarnings(resolveConfig({ 'trust-proxy': '127.0.0.1', demo: true }, {})).join('\n')).toMatch(/demo is on while others can reach this server \(behind a trusted proxy\)/);
  });

  it('takes native addresses as host:port only', () => {
    expect(resolveConfig({ 'native-addresses': 'im.example.com:9000, 10.0.0.5:9001' }, {}).nativeAddresses).toEqual(['im.example.com:9000', '10.0.0.5:9001']);
    expect(() => resolveConfig({ 'native-addresses': 'im.example.com' }, {})).toThrow(/--native-addresses/);
  });

  it('puts the native port next to the HTTP port unless told otherwise', () => {
    expect(resolveConfig({}, {}).nativePort).toBe(8081);
    expect(resolveConfig({ port: '9000' }, {}).nativePort).toBe(9001);
    expect(resolveConfig({ port: '0' }, {}).nativePort).toBe(0);
    expect(resolveConfig({ 'native-port': 'off' }, {}).nativePort).toBeUndefined();
    expect(resolveConfig({}, { PARLEY_NATIVE_PORT: '7000' }).nativePort).toBe(7000);
    expect(() => resolveConfig({ 'native-port': 'soon' }, {})).toThrow(/--native-port: must be a port number or off/);
    expect(() => resolveConfig({ port: '65535' }, {})).toThrow(/--native-port has no default/);
  });

  it('wants both TLS files or neither', () => {
    expect(() => resolveConfig({ 'tls-cert': 'cert.pem' }, {})).toThrow(/both --tls-cert and --tls-key/);
    expect(resolveConfig({ 'tls-cert': 'c.pem', 'tls-key': 'k.pem' }, {})).toMatchObject({ tlsCert: expect.stringMatching(/c\.pem$/), tlsKey: expect.stringMatching(/k\.pem$/) });
  });

  it('takes the admin token from a flag or a file, not both', () => {
    expect(resolveConfig({ 'admin-token-file': 'secret/admin' }, {}).adminTokenFile).toMatch(/secret\/admin$/);
    expect(() => resolveConfig({ 'admin-token': 'x'.repeat(20), 'admin-token-file': 'f' }, {})).toThrow(/not both/);
  });
});
