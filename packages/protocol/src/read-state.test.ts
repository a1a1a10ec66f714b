import { describe, expect, it } from 'vitest';
import { mentionTargetsOf, parseGroupReadCount, parseReadReceipt, parseReadStatusSync, parseTypingStatus } from './read-state.js';

describe('read state contents', () => {
  it('reads the read position of an RC:SRSMsg, and nothing from one without a usable time', () => {
    expect(parseReadStatusSync('{"lastMessageSendTime":1700000000000}')).toBe(1_700_000_000_000);
    for (const bad of ['{}', '{"lastMessageSendTime":"1"}', '{"lastMessageSendTime":-1}', '{"lastMessageSendTime":1.5}', '[]', 'not json']) {
      expect(parseReadStatusSync(bad)).toBeUndefined();
    }
  });

  it('reads receipts, read counts and typing statuses as the SDKs write them', () => {
    expect(parseReadReceipt('{"messageUId":"U","lastMessageSendTime":5,"type":1}')).toEqual({ messageUId: 'U', lastMessageSendTime: 5, type: 1 });
    expect(parseReadReceipt('{"lastMessageSendTime":5}')).toEqual({ lastMessageSendTime: 5, type: 1 });
    expect(parseReadReceipt('{"messageUId":"U"}')).toBeUndefined();
    expect(parseGroupReadCount('{"msgId":"U","rrn":1,"tmn":3}')).toEqual({ msgId: 'U', rrn: 1, tmn: 3 });
    expect(parseGroupReadCount('{"msgId":"U","rrn":"1","tmn":3}')).toBeUndefined();
    expect(parseTypingStatus('{"typingContentType":"RC:TxtMsg"}')).toEqual({ typingContentType: 'RC:TxtMsg' });
    expect(parseTypingStatus('{"typingContentType":1}')).toBeUndefined();
  });

  it('tells a mention of everyone from one of users by name, as the Web SDK counts them', () => {
    expect(mentionTargetsOf('{"mentionedInfo":{"type":1}}')).toBe('everyone');
    expect(mentionTargetsOf('{"mentionedInfo":{"type":2,"userIdList":["bob","carol",7]}}')).toEqual(['bob', 'carol']);
    expect(mentionTargetsOf('{"mentionedInfo":{"type":2}}')).toBeUndefined();
    expect(mentionTargetsOf('{"content":"no mention"}')).toBeUndefined();
    expect(mentionTargetsOf('garbage')).toBeUndefined();
  });
});
