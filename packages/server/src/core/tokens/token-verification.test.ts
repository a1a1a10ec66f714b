import { describe, expect, it } from 'vitest';
import type { AppRecord, UserRecord } from '../../store/store.js';
import { tokenKeyOf } from '../apps/app-keys.js';
import { issueToken } from './token.js';
import { passesNavigation, verifyConnect, type ConnectFacts } from './token-verification.js';

const NOW = 1_800_000_000_000;

function app(overrides: Partial<AppRecord> = {}): AppRecord {
  return {
    appKey: 'appone00000001',
    appSecret: 'secret-one',
    name: 'one',
    state: 'active',
    tokenLifetimeSeconds: 0,
    devicePolicy: 'per-class',
    maxDevices: 5,
    safeDomains: [],
    signatureMode: 'compatible',
    apiRateLimit: 100,
    development: false,
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  };
}

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return { appKey: 'appone00000001', userId: 'alice', name: '', portraitUri: '', createdAt: 0, tokensValidAfter: 0, blockedUntil: 0, deactivated: false, ...overrides };
}

function facts(token: string, a: AppRecord | undefined, u: UserRecord | undefined = user()): ConnectFacts {
  return { token, presentedAppKey: a?.appKey ?? 'unknown0000000', app: a, lookupUser: async () => u, now: NOW };
}

const tokenFor = (a: AppRecord, issuedAt = NOW - 1000, userId = 'alice') =>
  issueToken({ appKey: a.appKey, userId, issuedAt }, tokenKeyOf(a), 'http://127.0.0.1:1');

describe('verifyConnect', () => {
  it('accepts a good token and returns its user', async () => {
    const a = app();
    expect(await verifyConnect(facts(tokenFor(a), a))).toEqual({
      ok: true,
      claims: { appKey: a.appKey, userId: 'alice', issuedAt: NOW - 1000 },
    });
  });

  it.each([
    ['unknown app', () => facts(tokenFor(app()), undefined), 'unknown-app'],
    ['blocked app', () => facts(tokenFor(app()), app({ state: 'blocked' })), 'app-blocked'],
    ['deleted app', () => facts(tokenFor(app()), app({ state: 'deleted' })), 'app-blocked'],
    ['origin outside the safe domains', () => ({ ...facts(tokenFor(app()), app({ safeDomains: ['good.example'] })), origin: 'http://evil.example' }), 'origin-not-allowed'],
    ['garbage token', () => facts('nonsense', app()), 'token-incorrect'],
    ['rotated secret', () => facts(tokenFor(app()), app({ appSecret: 'rotated' })), 'token-incorrect'],
    ['past the app lifetime', () => facts(tokenFor(app(), NOW - 61_000), app({ tokenLifetimeSeconds: 60 })), 'token-expired'],
    ['expired through the API', () => facts(tokenFor(app(), NOW - 5000), app(), user({ tokensValidAfter: NOW - 4000 })), 'token-expired'],
    ['deactivated user', () => facts(tokenFor(app()), app(), user({ deactivated: true })), 'user-deactivated'],
    ['blocked user', () => facts(tokenFor(app()), app(), user({ blockedUntil: NOW + 60_000 })), 'user-blocked'],
  ] as const)('refuses: %s', async (_name, make, refusal) => {
    expect(await verifyConnect(make())).toEqual({ ok: false, refusal });
  });

  it('lets a token within its lifetime, or issued after an expiry instant, through', async () => {
    const a = app({ tokenLifetimeSeconds: 60 });
    expect((await verifyConnect(facts(tokenFor(a, NOW - 59_000), a))).ok).toBe(true);
    expect((await verifyConnect(facts(tokenFor(a, NOW - 1000), a, user({ tokensValidAfter: NOW - 1000 })))).ok).toBe(true);
    expect((await verifyConnect(facts(tokenFor(a), a, user({ blockedUntil: NOW - 1 })))).ok).toBe(true);
  });

  it("refuses another app's valid token presented with this App Key", async () => {
    const mine = app();
    const other = app({ appKey: 'apptwo00000002', appSecret: 'secret-two' });
    const otherToken = tokenFor(other);
    expect(await verifyConnect({ ...facts(otherToken, mine), presentedAppKey: mine.appKey })).toEqual({
      ok: false,
      refusal: 'token-incorrect',
    });
  });
});

describe('passesNavigation', () => {
  it('passes any token whose MAC holds, whatever else is wrong with the connect', async () => {
    const a = app({ state: 'blocked' });
    expect(await passesNavigation(tokenFor(a), async () => a)).toBe(true);
  });

  it('refuses a forged token or one of an app that does not exist', async () => {
    const a = app();
    expect(await passesNavigation(tokenFor(a), async () => app({ appSecret: 'other' }))).toBe(false);
    expect(await passesNavigation(tokenFor(a), async () => undefined)).toBe(false);
    expect(await passesNavigation('', async () => a)).toBe(false);
  });
});
