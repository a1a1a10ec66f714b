import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/support/temp-dir.js';
import { ConfigError } from '../config.js';
import { loadConfig, parseConfigFile } from './config-file.js';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

function configFile(content: unknown): string {
  const dir = makeTempDir();
  dirs.push(dir);
  const file = join(dir.path, 'parley.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('a config file', () => {
  it('takes flag names as keys, numbers, lists as arrays and on/off as booleans', () => {
    const { values } = parseConfigFile(JSON.stringify({ port: 9000, 'trust-proxy': ['10.0.0.0/8', '127.0.0.1'], demo: false, 'recall-window': '2m' }), '/etc/parley.json');
    expect(values).toEqual({ port: '9000', 'trust-proxy': '10.0.0.0/8,127.0.0.1', demo: false, 'recall-window': '2m' });
  });

  it('takes relative paths from its own directory', () => {
    expect(parseConfigFile('{"data-dir": "data", "tls-cert": "/abs/cert.pem"}', '/srv/parley/parley.json').values).toEqual({ 'data-dir': '/srv/parley/data', 'tls-cert': '/abs/cert.pem' });
  });

  it('refuses an unknown key, naming the file, the key and the closest setting', () => {
    expect(() => parseConfigFile('{"prot": 8080}', 'parley.json')).toThrow(new ConfigError('parley.json: unknown setting "prot"; did you mean "port"?'));
    expect(() => parseConfigFile('{"--port": 8080}', 'parley.json')).toThrow(/unknown setting "--port"; did you mean "port"/);
    expect(() => parseConfigFile('{"config": "other.json"}', 'parley.json')).toThrow(/unknown setting "config"/);
  });

  it('refuses values of the wrong shape, naming the key', () => {
    expect(() => parseConfigFile('{"demo": "yes"}', 'p.json')).toThrow('p.json: "demo" must be true or false, not "yes"');
    expect(() => parseConfigFile('{"port": [8080]}', 'p.json')).toThrow('p.json: "port" must be a string or a number, not [8080]');
    expect(() => parseConfigFile('{"trust-proxy": [1]}', 'p.json')).toThrow(/"trust-proxy" must be a list of strings/);
    expect(() => parseConfigFile('{"host": null}', 'p.json')).toThrow(/"host" must be a string or a number, not null/);
    expect(() => parseConfigFile('[1]', 'p.json')).toThrow(/must hold a JSON object/);
    expect(() => parseConfigFile('{"port": 80,}', 'p.json')).toThrow(/p\.json is not valid JSON/);
  });

  it('is validated by the same schema as the flags, with errors that name the key and the file', () => {
    const file = configFile({ port: 70000 });
    expect(() => loadConfig({ config: file }, {})).toThrow(`invalid setting "port" in ${file} (--port): Too big: expected number to be <=65535`);
    expect(() => loadConfig({ config: configFile({ 'trust-proxy': ['proxy.local'] }) }, {})).toThrow(/"trust-proxy" in .*parley\.json \(--trust-proxy\): must be a comma-separated list of IP addresses/);
    expect(() => loadConfig({ config: join(file, '..', 'missing.json') }, {})).toThrow(/cannot read the config file .*missing\.json: ENOENT/);
  });

  it('loses to environment variables, which lose to flags; defaults fill the rest', () => {
    const file = configFile({ port: 9000, host: '0.0.0.0', 'log-level': 'warn', 'retention-days': 30, demo: true });
    const fromFile = loadConfig({ config: file }, {});
    expect(fromFile).toMatchObject({ port: 9000, host: '0.0.0.0', logLevel: 'warn', retentionDays: 30, demo: true, userSendRate: 200 });
    const envWins = loadConfig({ config: file }, { PARLEY_PORT: '9100', PARLEY_NO_DEMO: '1' });
    expect(envWins).toMatchObject({ port: 9100, host: '0.0.0.0', demo: false });
    const flagWins = loadConfig({ config: file, port: '9200', host: '127.0.0.1' }, { PARLEY_PORT: '9100' });
    expect(flagWins).toMatchObject({ port: 9200, host: '127.0.0.1', logLevel: 'warn' });
  });

  it('is found through PARLEY_CONFIG too, and an error from the environment names the variable', () => {
    const file = configFile({ 'user-send-rate': 50 });
    expect(loadConfig({}, { PARLEY_CONFIG: file }).userSendRate).toBe(50);
    expect(() => loadConfig({}, { PARLEY_CONFIG: file, PARLEY_USER_SEND_RATE: 'fast' })).toThrow(/invalid setting PARLEY_USER_SEND_RATE \(--user-send-rate\)/);
  });
});
