import { describe, expect, it } from 'vitest';
import { AckStatus } from './codes.js';
import {
  checkExpansionKeys,
  checkExpansionValues,
  ExpansionLimit,
  mergeExpansion,
  parseExpansionUpdate,
  parseRecallCommand,
  parseSentExpansion,
  recallNotificationContent,
  STATE_ONLY_MESSAGE_TYPES,
} from './message-changes.js';

describe('message changes', () => {
  it('read a recall command as the Web SDK and the native stack write it', () => {
    expect(parseRecallCommand('{"conversationType":1,"targetId":"bob","messageUId":"U","sentTime":5,"isDelete":false,"isAdmin":false,"channelId":""}')).toEqual({
      conversationType: 1,
      targetId: 'bob',
      messageUId: 'U',
      sentTime: 5,
      isDelete: false,
      isAdmin: false,
    });
    // Native: no isAdmin, an extra.
    expect(parseRecallCommand('{"conversationType":3,"targetId":"g","messageUId":"U","sentTime":5,"extra":"e","isDelete":true}')).toMatchObject({ isDelete: true, isAdmin: false, extra: 'e' });
    for (const bad of ['', '[]', '{"targetId":"bob","conversationType":1}', '{"messageUId":"U","conversationType":1}']) expect(parseRecallCommand(bad)).toBeUndefined();
  });

  it('make the RC:RcNtf a recalled message shows as, with the recalled text for its sender alone', () => {
    const original = { objectName: 'RC:TxtMsg', content: '{"content":"hi"}', sentTime: 5 };
    const recall = { operatorId: 'a', time: 9, isDelete: false, admin: true, extra: 'x' };
    const seen = { operatorId: 'a', recallTime: 5, recallActionTime: 9, originalObjectName: 'RC:TxtMsg', admin: true, delete: false, isDelete: false, extra: 'x' };
    expect(JSON.parse(recallNotificationContent(original, recall, true))).toEqual({ ...seen, recallContent: 'hi' });
    expect(JSON.parse(recallNotificationContent(original, recall, false))).toEqual(seen);
  });

  it('name the messages that carry only state, which nothing changes', () => {
    expect([...STATE_ONLY_MESSAGE_TYPES].sort()).toEqual(['RC:MsgExMsg', 'RC:RRMsg', 'RC:RcCmd', 'RC:ReadNtf', 'RC:SRSMsg', 'RC:TypSts']);
  });

  it('check expansions against the SDK limits, each with its status', () => {
    expect(checkExpansionValues({ a: '1' })).toEqual({ ok: true, value: { a: '1' } });
    expect(checkExpansionValues({})).toMatchObject({ status: AckStatus.EXPANSION_LIMIT_EXCEEDED });
    expect(checkExpansionValues(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])))).toMatchObject({ status: AckStatus.EXPANSION_LIMIT_EXCEEDED });
    expect(checkExpansionValues({ ['k'.repeat(33)]: 'v' })).toMatchObject({ status: AckStatus.EXPANSION_LIMIT_EXCEEDED });
    expect(checkExpansionValues({ k: 'v'.repeat(4097) })).toMatchObject({ status: AckStatus.EXPANSION_LIMIT_EXCEEDED });
    expect(checkExpansionValues({ 'a b': 'v' })).toMatchObject({ status: AckStatus.EXPANSION_INVALID });
    expect(checkExpansionValues({ k: 1 })).toMatchObject({ status: AckStatus.EXPANSION_INVALID });
    expect(checkExpansionValues('x')).toMatchObject({ status: AckStatus.EXPANSION_INVALID });
    expect(checkExpansionKeys([])).toMatchObject({ ok: false });
    expect(checkExpansionKeys(['a', 'b'])).toEqual({ ok: true, value: ['a', 'b'] });
    expect(parseExpansionUpdate('{"put":{"a":"1"},"del":["b"],"mid":"U"}')).toEqual({ ok: true, value: { mid: 'U', put: { a: '1' }, del: ['b'] } });
    expect(parseExpansionUpdate('{"mid":"U"}')).toMatchObject({ ok: false });
    expect(parseExpansionUpdate('{"put":{"a":"1"}}')).toMatchObject({ ok: false });
  });

  it('stamp and merge stored maps, refusing more than 300 keys', () => {
    expect(parseSentExpansion('{"a":{"v":"1"}}', 1_596_211_200_010)).toEqual({ ok: true, value: { a: { v: '1', ts: 10 } } });
    expect(parseSentExpansion('{"a":{"v":2}}', 0)).toMatchObject({ ok: false });
    const full = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, { v: 'v' }]));
    expect(mergeExpansion(full, { put: { x: '1' } }, 0)).toMatchObject({ ok: false, status: AckStatus.EXPANSION_LIMIT_EXCEEDED });
    expect(mergeExpansion(full, { put: { x: '1' }, del: ['k0'] }, 0)).toMatchObject({ ok: true });
  });

  it(`refuse a map over ${ExpansionLimit.BYTES_PER_MESSAGE} bytes, sent with the message or merged`, () => {
    // 8 values of 4,096 characters fit in the per-value limit but not in the per-message bytes.
    const big = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'v'.repeat(4096)]));
    const sent = JSON.stringify(Object.fromEntries(Object.entries(big).map(([k, v]) => [k, { v }])));
    expect(parseSentExpansion(sent, 0)).toMatchObject({ ok: false, status: AckStatus.EXPANSION_LIMIT_EXCEEDED });
    const half = Object.fromEntries(Object.entries(big).slice(0, 4));
    const merged = mergeExpansion({}, { put: half }, 0);
    expect(merged).toMatchObject({ ok: true });
    expect(mergeExpansion(merged.ok ? merged.value : {}, { put: Object.fromEntries(Object.entries(big).slice(4)) }, 0)).toMatchObject({
      ok: false,
      status: AckStatus.EXPANSION_LIMIT_EXCEEDED,
    });
    // Bytes, not characters: escapes and multi-byte characters count as sent.
    expect(mergeExpansion({}, { put: Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`k${i}`, '"'.repeat(4096)])) }, 0)).toMatchObject({ ok: false });
    expect(mergeExpansion({}, { put: Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`k${i}`, '語'.repeat(4096)])) }, 0)).toMatchObject({ ok: false });
  });
});
