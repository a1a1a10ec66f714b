import { readFile } from 'node:fs/promises';
import { devAppFile } from '../core/apps/dev-app.js';
import { configFlag, settingFlags, type Command } from './command.js';
import { loadConfig } from './config-file.js';
import { UsageError, stdoutOutput } from './output.js';

export const devCredentials: Command = {
  name: 'dev-credentials',
  summary: 'prints the development app\'s App Key and App Secret (created by the first start)',
  flags: [configFlag, ...settingFlags('dataDir')],
  run: async ({ values }) => {
    const { dataDir } = loadConfig(values);
    try {
      stdoutOutput.line((await readFile(devAppFile(dataDir), 'utf8')).trim());
      return 0;
    } catch {
      throw new UsageError(`no development app in ${dataDir}: run \`npm start\` once, or \`parley app create --name NAME\``);
    }
  },
};
