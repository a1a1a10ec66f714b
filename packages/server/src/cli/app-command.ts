import { isValidUserId, USER_ID_RULE } from '@parley/protocol';
import { ZodError } from 'zod';
import type { ServerConfig } from '../config.js';
import { AppService, AppNotFoundError } from '../core/apps/app-service.js';
import { defaultAppSettings, type AppSettingsInput } from '../core/apps/app-settings.js';
import { UserService } from '../core/users/user-service.js';
import { createLocalBus } from '../bus/local/local-bus.js';
import { openStore } from '../store/open-store.js';
import type { AppRecord, Store } from '../store/store.js';
import { configFlag, settingFlags, type Command, type Flag, type FlagValues } from './command.js';
import { loadConfig } from './config-file.js';
import { UsageError, stdoutOutput } from './output.js';

/** Where the CLI finds the apps: the same store as the server's. */
const storeFlags: Flag[] = [configFlag, ...settingFlags('dataDir', 'databaseUrl')];
const jsonFlag: Flag = { name: 'json', help: 'prints JSON instead of text' };

const settingFlagList: Flag[] = [
  { name: 'name', value: 'NAME', help: 'the app\'s name, as the console lists it (1 to 64 characters)' },
  { name: 'token-lifetime', value: 'SECONDS', default: String(defaultAppSettings.tokenLifetimeSeconds), help: 'how long a token stays valid; 0: it never expires' },
  {
    name: 'device-policy',
    value: 'per-class|single|multi',
    default: defaultAppSettings.devicePolicy,
    help: 'who stays online when a device connects: one device per class (phone, desktop, web), a single device, or up to --max-devices',
  },
  { name: 'max-devices', value: 'N', default: String(defaultAppSettings.maxDevices), help: 'devices one user may have online under the multi policy (1 to 100)' },
  { name: 'safe-domains', value: 'a.com,*.b.com:8443', default: 'any origin', help: 'browser origins the Web SDK may connect from (comma-separated; an empty string: any)' },
  {
    name: 'signature-mode',
    value: 'compatible|strict',
    default: defaultAppSettings.signatureMode,
    help: 'Server API signatures: compatible takes any nonce and timestamp, as RongCloud does; strict wants a timestamp within 5 minutes and each nonce once',
  },
  { name: 'api-rate-limit', value: 'CALLS_PER_SECOND', default: String(defaultAppSettings.apiRateLimit), help: 'Server API calls per second for the app (a token bucket of one second\'s calls); past it 429 with code 1008' },
];

type AppVerb = Omit<Command, 'name' | 'run'> & { run(apps: AppService, values: FlagValues, positionals: string[]): Promise<number> };

/** `parley app <verb>`: each works on the same store as a running server, which sees the change within a second. */
const appVerbs: Record<string, AppVerb> = {
  create: {
    summary: 'creates an app and prints its App Key and App Secret',
    flags: [...settingFlagList, jsonFlag, ...storeFlags],
    run: async (apps, values, positionals) => {
      noArguments('create', positionals);
      const settings = settingsFrom(values);
      if (!settings.name) throw new UsageError('parley app create needs --name NAME');
      const app = await apps.create({ ...settings, name: settings.name });
      if (values.json) stdoutOutput.json({ appKey: app.appKey, appSecret: app.appSecret });
      else stdoutOutput.line(`Created app "${app.name}"\n  App Key:    ${app.appKey}\n  App Secret: ${app.appSecret}`);
      return 0;
    },
  },
  list: {
    summary: 'lists the apps, without their secrets',
    flags: [{ name: 'all', help: 'includes deleted apps' }, jsonFlag, ...storeFlags],
    run: async (apps, values, positionals) => {
      noArguments('list', positionals);
      const list = (await apps.list()).filter((a) => values.all || a.state !== 'deleted').map(withoutSecret);
      if (values.json) stdoutOutput.json(list);
      else for (const a of list) stdoutOutput.line(`${a.appKey}  ${a.state.padEnd(7)}  ${a.name}`);
      return 0;
    },
  },
  show: {
    args: 'APPKEY',
    summary: 'shows one app, with its secret and settings',
    flags: [jsonFlag, ...storeFlags],
    run: async (apps, values, positionals) => show(await apps.require(appKeyOf('show', positionals)), values.json),
  },
  set: {
    args: 'APPKEY',
    summary: 'changes an app\'s settings',
    flags: [...settingFlagList, jsonFlag, ...storeFlags],
    run: async (apps, values, positionals) => {
      const appKey = appKeyOf('set', positionals);
      const settings = settingsFrom(values);
      if (Object.keys(settings).length === 0) throw new UsageError('parley app set needs at least one setting (parley app set --help lists them)');
      return show(await apps.configure(appKey, settings), values.json);
    },
  },
  block: {
    args: 'APPKEY',
    summary: 'refuses the app\'s connects and Server API calls (its users are disconnected)',
    flags: storeFlags,
    run: (apps, _values, positionals) => changeState(apps, appKeyOf('block', positionals), 'blocked'),
  },
  unblock: {
    args: 'APPKEY',
    summary: 'allows a blocked app again',
    flags: storeFlags,
    run: (apps, _values, positionals) => changeState(apps, appKeyOf('unblock', positionals), 'active'),
  },
  delete: {
    args: 'APPKEY',
    summary: 'marks the app deleted: its tokens and connections are refused',
    flags: storeFlags,
    run: (apps, _values, positionals) => changeState(apps, appKeyOf('delete', positionals), 'deleted'),
  },
  'rotate-secret': {
    args: 'APPKEY',
    summary: 'gives the app a new App Secret; every token issued before stops working',
    flags: [jsonFlag, ...storeFlags],
    run: async (apps, values, positionals) => {
      const app = await apps.rotateSecret(appKeyOf('rotate-secret', positionals));
      if (values.json) stdoutOutput.json({ appKey: app.appKey, appSecret: app.appSecret });
      else stdoutOutput.line(`New App Secret for ${app.appKey}: ${app.appSecret}\nEvery token issued before now is refused.`);
      return 0;
    },
  },
};

export const appCommands: Command[] = Object.entries(appVerbs).map(([verb, { run, ...rest }]) => ({
  ...rest,
  name: `app ${verb}`,
  run: ({ values, positionals }) => withStore(values, (store) => run(new AppService(store), values, positionals)),
}));

/** `parley token APPKEY USERID`: a token for trying things out without writing an app server. */
export const token: Command = {
  name: 'token',
  args: 'APPKEY USERID',
  summary: 'registers USERID in the app if needed and prints a new token for it',
  flags: [...settingFlags('publicUrl', 'port'), ...storeFlags],
  run: async ({ values, positionals }) => {
    const [appKey, userId, ...extra] = positionals;
    if (!appKey || !userId || extra.length > 0) throw new UsageError('usage: parley token APPKEY USERID [options]');
    if (!isValidUserId(userId)) throw new UsageError(`USERID must be ${USER_ID_RULE}`);
    return withStore(values, async (store, config) => {
      const app = await new AppService(store).require(appKey);
      const users = new UserService(store, createLocalBus());
      stdoutOutput.line(await users.issueToken(app, userId, {}, config.publicUrl ?? `http://127.0.0.1:${config.port}`));
      return 0;
    });
  },
};

function noArguments(verb: string, positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`parley app ${verb} takes no arguments: ${positionals.join(' ')}`);
}

function appKeyOf(verb: string, positionals: string[]): string {
  const [appKey, ...extra] = positionals;
  if (!appKey) throw new UsageError(`parley app ${verb} needs an APPKEY`);
  if (extra.length > 0) throw new UsageError(`parley app ${verb} takes one APPKEY, not also ${extra.join(' ')}`);
  return appKey;
}

async function changeState(apps: AppService, appKey: string, state: AppRecord['state']): Promise<number> {
  const app = await apps.setState(appKey, state);
  stdoutOutput.line(`${app.appKey} is now ${app.state}`);
  return 0;
}

function settingsFrom(values: FlagValues): Partial<AppSettingsInput> {
  const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  const number = (name: string) => (text(name) === undefined ? undefined : Number(text(name)));
  const settings: Partial<AppSettingsInput> = {
    name: text('name'),
    tokenLifetimeSeconds: number('token-lifetime'),
    devicePolicy: text('device-policy') as AppSettingsInput['devicePolicy'] | undefined,
    maxDevices: number('max-devices'),
    safeDomains: text('safe-domains')?.split(',').map((d) => d.trim()).filter((d) => d.length > 0),
    signatureMode: text('signature-mode') as AppSettingsInput['signatureMode'] | undefined,
    apiRateLimit: number('api-rate-limit'),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

function show(app: AppRecord, json: boolean | string | undefined): number {
  if (json) stdoutOutput.json(app);
  else for (const [key, value] of Object.entries(app)) stdoutOutput.line(`${key.padEnd(22)} ${JSON.stringify(value)}`);
  return 0;
}

function withoutSecret(app: AppRecord): Omit<AppRecord, 'appSecret'> {
  const { appSecret: _secret, ...rest } = app;
  return rest;
}

async function withStore(values: FlagValues, work: (store: Store, config: ServerConfig) => Promise<number>): Promise<number> {
  const config = loadConfig(values);
  const store = await openStore(config);
  try {
    return await work(store, config);
  } catch (error) {
    if (error instanceof AppNotFoundError) throw new UsageError(error.message);
    if (error instanceof ZodError) {
      const issue = error.issues[0];
      throw new UsageError(`invalid setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
    }
    throw error;
  } finally {
    await store.close();
  }
}
