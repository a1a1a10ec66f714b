import { isValidUserId, USER_ID_RULE } from '@parley/protocol';
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { resolveConfig } from '../config.js';
import { AppService, AppNotFoundError } from '../core/apps/app-service.js';
import type { AppSettingsInput } from '../core/apps/app-settings.js';
import { UserService } from '../core/users/user-service.js';
import { createLocalBus } from '../bus/local/local-bus.js';
import { openStore } from '../store/open-store.js';
import type { AppRecord, Store } from '../store/store.js';
import { UsageError, type Output } from './output.js';

const storeFlags = { 'data-dir': { type: 'string' }, 'database-url': { type: 'string' } } as const;
const settingFlags = {
  name: { type: 'string' },
  'token-lifetime': { type: 'string' },
  'device-policy': { type: 'string' },
  'max-devices': { type: 'string' },
  'safe-domains': { type: 'string' },
  'signature-mode': { type: 'string' },
  'api-rate-limit': { type: 'string' },
} as const;

export const appUsage = `parley app <verb> [options]       (works on the same store as a running server)
  create --name NAME [settings] [--json]   create an app; prints its App Key and App Secret
  list [--all] [--json]                    apps (without secrets); --all includes deleted ones
  show APPKEY [--json]                     one app, with its secret
  set APPKEY [settings]                    change settings
  block APPKEY | unblock APPKEY            refuse / allow the app's connects and Server API calls
  delete APPKEY                            mark deleted: its tokens and connections are refused
  rotate-secret APPKEY [--json]            new App Secret; every token of the app stops working
settings:
  --token-lifetime SECONDS   0 = never expires (default)
  --device-policy per-class|single|multi   --max-devices N (for multi)
  --safe-domains a.com,b.com (empty string = any origin)
  --signature-mode compatible|strict       --api-rate-limit CALLS_PER_SECOND
store: --data-dir DIR (PARLEY_DATA_DIR, default ./data) | --database-url URL (PARLEY_DATABASE_URL)`;

export const tokenUsage = `parley token APPKEY USERID [--public-url URL] [--data-dir DIR]
  registers USERID in the app if needed and prints a new token for it`;

/** `parley app ...` */
export async function appCommand(argv: string[], out: Output): Promise<number> {
  const [verb, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { ...storeFlags, ...settingFlags, json: { type: 'boolean' }, all: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  return withApps(values, async (apps) => {
    const target = () => {
      const appKey = positionals[0];
      if (!appKey) throw new UsageError(`parley app ${verb} needs an APPKEY`);
      return appKey;
    };
    const settings = settingsFrom(values);
    switch (verb) {
      case 'create': {
        if (!settings.name) throw new UsageError('parley app create needs --name NAME');
        const app = await apps.create({ ...settings, name: settings.name });
        if (values.json) out.json({ appKey: app.appKey, appSecret: app.appSecret });
        else out.line(`Created app "${app.name}"\n  App Key:    ${app.appKey}\n  App Secret: ${app.appSecret}`);
        return 0;
      }
      case 'list': {
        const list = (await apps.list()).filter((a) => values.all || a.state !== 'deleted').map(withoutSecret);
        if (values.json) out.json(list);
        else for (const a of list) out.line(`${a.appKey}  ${a.state.padEnd(7)}  ${a.name}`);
        return 0;
      }
      case 'show':
        return show(out, await apps.require(target()), values.json);
      case 'set':
        if (Object.keys(settings).length === 0) throw new UsageError('parley app set needs at least one setting');
        return show(out, await apps.configure(target(), settings), values.json);
      case 'block':
      case 'unblock':
      case 'delete': {
        const app = await apps.setState(target(), verb === 'block' ? 'blocked' : verb === 'unblock' ? 'active' : 'deleted');
        out.line(`${app.appKey} is now ${app.state}`);
        return 0;
      }
      case 'rotate-secret': {
        const app = await apps.rotateSecret(target());
        if (values.json) out.json({ appKey: app.appKey, appSecret: app.appSecret });
        else out.line(`New App Secret for ${app.appKey}: ${app.appSecret}\nEvery token issued before now is refused.`);
        return 0;
      }
      default:
        throw new UsageError(verb ? `unknown verb "app ${verb}"\n${appUsage}` : appUsage);
    }
  });
}

/** `parley token APPKEY USERID`: a token for trying things out without writing an app server. */
export async function tokenCommand(argv: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...storeFlags, 'public-url': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [appKey, userId] = positionals;
  if (!appKey || !userId) throw new UsageError(tokenUsage);
  if (!isValidUserId(userId)) throw new UsageError(`USERID must be ${USER_ID_RULE}`);
  const config = resolveConfig({ 'public-url': values['public-url'] });
  return withStore(values, async (store) => {
    const apps = new AppService(store);
    const app = await apps.require(appKey);
    const users = new UserService(store, createLocalBus());
    out.line(await users.issueToken(app, userId, {}, config.publicUrl ?? `http://127.0.0.1:${config.port}`));
    return 0;
  });
}

function settingsFrom(values: Partial<Record<keyof typeof settingFlags, string>>): Partial<AppSettingsInput> {
  const settings: Partial<AppSettingsInput> = {};
  if (values.name !== undefined) settings.name = values.name;
  if (values['token-lifetime'] !== undefined) settings.tokenLifetimeSeconds = Number(values['token-lifetime']);
  if (values['device-policy'] !== undefined) settings.devicePolicy = values['device-policy'] as AppSettingsInput['devicePolicy'];
  if (values['max-devices'] !== undefined) settings.maxDevices = Number(values['max-devices']);
  if (values['safe-domains'] !== undefined) {
    settings.safeDomains = values['safe-domains'].split(',').map((d) => d.trim()).filter((d) => d.length > 0);
  }
  if (values['signature-mode'] !== undefined) settings.signatureMode = values['signature-mode'] as AppSettingsInput['signatureMode'];
  if (values['api-rate-limit'] !== undefined) settings.apiRateLimit = Number(values['api-rate-limit']);
  return settings;
}

function show(out: Output, app: AppRecord, json: boolean | undefined): number {
  if (json) out.json(app);
  else for (const [key, value] of Object.entries(app)) out.line(`${key.padEnd(22)} ${JSON.stringify(value)}`);
  return 0;
}

function withoutSecret(app: AppRecord): Omit<AppRecord, 'appSecret'> {
  const { appSecret: _secret, ...rest } = app;
  return rest;
}

type StoreFlagValues = { 'data-dir'?: string; 'database-url'?: string };

async function withStore(values: StoreFlagValues, work: (store: Store) => Promise<number>): Promise<number> {
  const config = resolveConfig({ 'data-dir': values['data-dir'], 'database-url': values['database-url'] });
  const store = await openStore(config);
  try {
    return await work(store);
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

function withApps(values: StoreFlagValues, work: (apps: AppService) => Promise<number>): Promise<number> {
  return withStore(values, (store) => work(new AppService(store)));
}
