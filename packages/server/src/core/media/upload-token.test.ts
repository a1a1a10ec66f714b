import { describe, expect, it } from 'vitest';
import { readGrant, signUploadToken, uploadTokenKey, verifyUploadToken, type UploadGrant } from './upload-token.js';

const keyA = uploadTokenKey('secret-of-app-a');
const keyB = uploadTokenKey('secret-of-app-b');
const keys: Record<string, Buffer> = { appa: keyA, appb: keyB };
const keyOf = (appKey: string) => keys[appKey];
const grant: UploadGrant = { appKey: 'appa', userId: 'alice', fileType: 1, key: '1__RC-2026-12-3_1_1.png', expiresAt: 10_000 };

describe('upload tokens', () => {
  it('verify for the app, user and key they were made for, until they expire', () => {
    const token = signUploadToken(grant, keyA);
    expect(verifyUploadToken(token, keyOf, 9_999)).toEqual({ ok: true, grant });
    expect(verifyUploadToken(token, keyOf, 10_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse a token signed with another app\'s key', () => {
    expect(verifyUploadToken(signUploadToken(grant, keyB), keyOf, 0)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuse a token whose grant was changed after signing (another user, key or app)', () => {
    const token = signUploadToken(grant, keyA);
    for (const changed of [{ ...grant, userId: 'mallory' }, { ...grant, key: 'other.png' }, { ...grant, appKey: 'appb' }, { ...grant, expiresAt: 1e15 }]) {
      const forged = `${token.split('.')[0]}.${signUploadToken(changed, keyA).split('.')[1]}.${token.split('.')[2]}`;
      expect(verifyUploadToken(forged, keyOf, 0).ok).toBe(false);
    }
  });

  it('refuse tokens of unknown apps and malformed tokens without throwing', () => {
    expect(verifyUploadToken(signUploadToken({ ...grant, appKey: 'gone' }, keyA), keyOf, 0)).toEqual({ ok: false, reason: 'unknown-app' });
    for (const bad of ['', 'pu1', 'pu1..', 'pu2.e30.AAAA', 'pu1.!!!.AAAA', `pu1.${Buffer.from('{}').toString('base64url')}.AAAA`, `pu1.${Buffer.from('[1,2,3,4,5]').toString('base64url')}.AAAA`, 'x'.repeat(5000)]) {
      expect(verifyUploadToken(bad, keyOf, 0)).toEqual({ ok: false, reason: 'malformed' });
      expect(readGrant(bad)).toBeUndefined();
    }
  });

  it('derive different keys from different secrets', () => {
    expect(keyA.equals(keyB)).toBe(false);
    expect(uploadTokenKey('secret-of-app-a').equals(keyA)).toBe(true);
  });
});
