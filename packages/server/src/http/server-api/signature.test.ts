import { describe, expect, it } from 'vitest';
import type { AppRecord } from '../../store/store.js';
import { ApiError } from '../api-error.js';
import { computeSignature, timestampMs, verifySignature } from './signature.js';

const NOW = 1_800_000_000_000;
const app = (signatureMode: AppRecord['signatureMode']) =>
  ({ appKey: 'k', appSecret: 'secret', signatureMode }) as AppRecord;

function signed(nonce: string, timestamp: string, secret = 'secret') {
  return { nonce, timestamp, signature: computeSignature(secret, nonce, timestamp) };
}

function claims() {
  const seen = new Set<string>();
  return async (key: string) => (seen.has(key) ? false : (seen.add(key), true));
}

async function refusal(promise: Promise<void>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(1004);
    expect((error as ApiError).httpStatus).toBe(401);
    return (error as ApiError).message;
  }
}

describe('Server API signature', () => {
  it('is hex(sha1(secret + nonce + timestamp))', () => {
    // sha1("abc") is a published test vector.
    expect(computeSignature('a', 'b', 'c')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('compatible mode accepts the same nonce and an old timestamp again and again', async () => {
    const claim = claims();
    const old = String(Math.floor(NOW / 1000) - 86_400);
    for (let i = 0; i < 3; i++) expect(await refusal(verifySignature(app('compatible'), signed('42', old), NOW, claim))).toBe('accepted');
  });

  it('refuses a wrong secret, missing headers and malformed values in every mode', async () => {
    for (const mode of ['compatible', 'strict'] as const) {
      const t = String(NOW);
      expect(await refusal(verifySignature(app(mode), signed('1', t, 'wrong'), NOW, claims()))).toMatch(/mismatch/);
      expect(await refusal(verifySignature(app(mode), { nonce: '1', timestamp: t, signature: undefined }, NOW, claims()))).toMatch(/required/);
      expect(await refusal(verifySignature(app(mode), { ...signed('1', t), timestamp: '12a' }, NOW, claims()))).toMatch(/malformed/);
      expect(await refusal(verifySignature(app(mode), { ...signed('1', t), signature: 'é'.repeat(40) }, NOW, claims()))).toMatch(/malformed/);
    }
  });

  it('strict mode refuses a timestamp more than 5 minutes off, in seconds or milliseconds', async () => {
    const strict = app('strict');
    const seconds = (ms: number) => String(Math.floor(ms / 1000));
    expect(await refusal(verifySignature(strict, signed('1', seconds(NOW - 299_000)), NOW, claims()))).toBe('accepted');
    expect(await refusal(verifySignature(strict, signed('2', String(NOW + 299_000)), NOW, claims()))).toBe('accepted');
    expect(await refusal(verifySignature(strict, signed('3', seconds(NOW - 301_000)), NOW, claims()))).toMatch(/5 minutes/);
    expect(await refusal(verifySignature(strict, signed('4', String(NOW + 301_000)), NOW, claims()))).toMatch(/5 minutes/);
  });

  it('strict mode accepts a nonce once', async () => {
    const claim = claims();
    const t = String(NOW);
    expect(await refusal(verifySignature(app('strict'), signed('77', t), NOW, claim))).toBe('accepted');
    expect(await refusal(verifySignature(app('strict'), signed('77', t), NOW, claim))).toMatch(/Nonce already used/);
    expect(await refusal(verifySignature(app('strict'), signed('78', t), NOW, claim))).toBe('accepted');
  });

  it('strict mode refuses a replay re-spelt by moving digits between nonce and timestamp', async () => {
    const claim = claims();
    const t = String(Math.floor(NOW / 1000));
    const original = signed('N0', t);
    expect(await refusal(verifySignature(app('strict'), original, NOW, claim))).toBe('accepted');
    // The same signed string "N0" + t, with the zero moved to the front of the timestamp.
    const respelt = { nonce: 'N', timestamp: `0${t}`, signature: original.signature };
    expect(computeSignature('secret', respelt.nonce, respelt.timestamp)).toBe(original.signature);
    expect(await refusal(verifySignature(app('strict'), respelt, NOW, claim))).toMatch(/malformed/);
    expect(await refusal(verifySignature(app('compatible'), respelt, NOW, claims()))).toMatch(/malformed/);
  });

  it('strict mode remembers what was signed, not only the nonce it was signed with', async () => {
    const seen: string[] = [];
    const claim = async (key: string) => (seen.includes(key) ? false : (seen.push(key), true));
    const call = signed('9', String(NOW));
    expect(await refusal(verifySignature(app('strict'), call, NOW, claim))).toBe('accepted');
    expect(seen).toContain(`signed:k:${call.signature}`);
    expect(await refusal(verifySignature(app('strict'), { ...call, signature: call.signature.toUpperCase() }, NOW, claim))).toMatch(/already used/);
  });

  it('reads seconds and milliseconds', () => {
    expect(timestampMs('1800000000')).toBe(1_800_000_000_000);
    expect(timestampMs('1800000000123')).toBe(1_800_000_000_123);
  });
});
