import { describe, expect, it } from 'vitest';
import {
  ConnAckStatus,
  ConnectionErrorCode,
  DisconnectStatus,
  connAckStatusToClientCode,
  disconnectStatusToClientCode,
} from './codes.js';
import { PAYLOAD_NAMES } from './proto/payload.js';
import { TOPIC_PAYLOADS } from './topic-payloads.js';
import { CLEAN_TOPIC_CONVERSATION_TYPE, HISTORY_TOPIC_CONVERSATION_TYPE, SEND_TOPIC_CONVERSATION_TYPE, Topic, cleanTopicFor, historyTopicFor, sendTopicFor } from './topics.js';

describe('CONNACK status to client code', () => {
  it('maps the statuses the spec relies on', () => {
    expect(connAckStatusToClientCode(ConnAckStatus.ACCEPTED)).toBe(0);
    expect(connAckStatusToClientCode(ConnAckStatus.IDENTIFIER_REJECTED)).toBe(31002);
    expect(connAckStatusToClientCode(ConnAckStatus.TOKEN_INCORRECT)).toBe(31004);
    expect(connAckStatusToClientCode(ConnAckStatus.NOT_AUTHORIZED)).toBe(31005);
    expect(connAckStatusToClientCode(ConnAckStatus.APP_BLOCKED_OR_DELETED)).toBe(31008);
    expect(connAckStatusToClientCode(ConnAckStatus.USER_BLOCKED)).toBe(31009);
    expect(connAckStatusToClientCode(ConnAckStatus.TOKEN_EXPIRED)).toBe(31020);
    expect(connAckStatusToClientCode(ConnAckStatus.SAME_CLASS_DEVICE_ONLINE)).toBe(31023);
    expect(connAckStatusToClientCode(ConnAckStatus.USER_DEACTIVATED)).toBe(31029);
  });

  it('follows 1..9 → 31000+n and 10..20 → 31010+n, and knows nothing else', () => {
    for (let status = 1; status <= 9; status += 1) expect(connAckStatusToClientCode(status)).toBe(31000 + status);
    for (let status = 10; status <= 20; status += 1) expect(connAckStatusToClientCode(status)).toBe(31010 + status);
    for (const status of [-1, 21, 255, 1.5]) expect(connAckStatusToClientCode(status)).toBeUndefined();
  });

  it('names match the client codes they produce', () => {
    expect(connAckStatusToClientCode(ConnAckStatus.REDIRECT)).toBe(ConnectionErrorCode.REDIRECTED);
    expect(connAckStatusToClientCode(ConnAckStatus.LICENSE_EXPIRED)).toBe(ConnectionErrorCode.LICENSE_EXPIRED);
    expect(connAckStatusToClientCode(ConnAckStatus.ONE_TIME_TOKEN_USED)).toBe(ConnectionErrorCode.ONE_TIME_TOKEN_USED);
  });
});

describe('DISCONNECT status to client code', () => {
  it('maps the server statuses', () => {
    expect(disconnectStatusToClientCode(DisconnectStatus.KICKED_BY_OTHER_LOGIN)).toBe(31010);
    expect(disconnectStatusToClientCode(DisconnectStatus.USER_BLOCKED)).toBe(31011);
    expect(disconnectStatusToClientCode(DisconnectStatus.EXCEPTION)).toBe(31011);
    expect(disconnectStatusToClientCode(DisconnectStatus.REDIRECT)).toBe(31006);
    expect(disconnectStatusToClientCode(DisconnectStatus.TOKEN_EXPIRED)).toBe(31020);
    expect(disconnectStatusToClientCode(DisconnectStatus.UNSUPPORTED_PROTOCOL_VERSION)).toBe(31001);
    expect(disconnectStatusToClientCode(DisconnectStatus.USER_DEACTIVATED)).toBe(31029);
  });

  it('has no code for the client-only logout or unknown statuses', () => {
    expect(disconnectStatusToClientCode(DisconnectStatus.LOGOUT)).toBeUndefined();
    expect(disconnectStatusToClientCode(0)).toBeUndefined();
    expect(disconnectStatusToClientCode(3)).toBeUndefined();
  });
});

describe('topics', () => {
  it('spell every topic as its key', () => {
    for (const [key, value] of Object.entries(Topic)) expect(value).toBe(key);
  });

  it('name the send and history topic of a conversation type', () => {
    expect([1, 3, 6].map(sendTopicFor)).toEqual(['ppMsgP', 'pgMsgP', 'pbMsgP']);
    expect([1, 3, 6].map(historyTopicFor)).toEqual(['qryPMsg', 'qryGMsg', 'qrySMsg']);
    expect(sendTopicFor(2)).toBeUndefined();
    expect(historyTopicFor(99)).toBeUndefined();
    for (const [topic, type] of Object.entries(SEND_TOPIC_CONVERSATION_TYPE)) expect(sendTopicFor(type)).toBe(topic);
    for (const [topic, type] of Object.entries(HISTORY_TOPIC_CONVERSATION_TYPE)) expect(historyTopicFor(type)).toBe(topic);
  });

  it('name the clear topic of a conversation type, the group one for an ultra group (the engine\'s Cp table)', () => {
    expect([1, 3, 5, 6, 7, 8, 10].map(cleanTopicFor)).toEqual(['cleanPMsg', 'cleanGMsg', 'cleanCMsg', 'cleanSMsg', 'cleanMCMsg', 'cleanMPMsg', 'cleanGMsg']);
    expect(cleanTopicFor(4)).toBeUndefined();
    for (const [topic, type] of Object.entries(CLEAN_TOPIC_CONVERSATION_TYPE)) expect(cleanTopicFor(type)).toBe(topic);
  });

  it('map only to payloads the codec knows', () => {
    for (const { request, response } of Object.values(TOPIC_PAYLOADS)) {
      expect(PAYLOAD_NAMES).toContain(request);
      if (response) expect(PAYLOAD_NAMES).toContain(response);
    }
  });
});
