import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, configFileFlag, envOf, resolveConfig, settings, type ConfigFileValues, type ConfigValues, type ServerConfig, type Setting } from '../config.js';
import { didYouMean } from './closest-name.js';

/**
 * The settings for a command: its flags, the environment, and the config file that `--config` or
 * PARLEY_CONFIG names, if any (config.ts decides what wins).
 */
export function loadConfig(values: ConfigValues, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const flag = values[configFileFlag.flag];
  const path = typeof flag === 'string' ? flag : env[envOf(configFileFlag.flag)] || undefined;
  return resolveConfig(values, env, path === undefined ? undefined : readConfigFile(path));
}

export function readConfigFile(path: string): ConfigFileValues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseConfigFile(text, path);
}

const byFlag = new Map((Object.values(settings) as Setting[]).map((s) => [s.flag, s]));

/**
 * A config file is JSON: Node reads it without a dependency, and every setting is a flat value.
 * Keys are flag names; values are what the flag takes (strings, or numbers where it takes one),
 * arrays of strings for lists, true/false for on/off settings. A relative path is taken from the
 * file's directory, so the file means the same wherever the server is started from.
 */
export function parseConfigFile(text: string, path: string): ConfigFileValues {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${path} must hold a JSON object of settings, keyed by flag name`);
  const values: ConfigFileValues['values'] = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const s = byFlag.get(key);
    if (!s) throw new ConfigError(`${path}: unknown setting "${key}"${didYouMean(key.replace(/^-+/, ''), [...byFlag.keys()], (name) => `"${name}"`)}`);
    const bad = (wanted: string) => new ConfigError(`${path}: "${key}" must be ${wanted}, not ${JSON.stringify(value)}`);
    if (s.negatable) {
      if (typeof value !== 'boolean') throw bad('true or false');
      values[key] = value;
    } else if (s.list && Array.isArray(value)) {
      if (!value.every((item) => typeof item === 'string')) throw bad('a list of strings');
      values[key] = value.join(',');
    } else if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
      values[key] = s.path && value !== '' ? resolve(dirname(resolve(path)), String(value)) : String(value);
    } else {
      throw bad(s.list ? 'a string or a list of strings' : 'a string or a number');
    }
  }
  return { file: path, values };
}
