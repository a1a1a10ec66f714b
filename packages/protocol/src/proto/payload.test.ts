import { describe, expect, it } from 'vitest';
import type {
  DownStreamMessage,
  DownStreamMessages,
  HistoryMsgOuput,
  PayloadInput,
  PayloadName,
  PayloadTypes,
  RelationsOutput,
  UpStreamMessage,
} from './messages.js';
import { PAYLOAD_NAMES, PayloadDecodeError, PayloadEncodeError, decodePayload, encodeDownStreamPage, encodePayload, isPayloadName } from './payload.js';

const SENT = 1_712_345_678_901;

const fullDownStream: DownStreamMessage = {
  fromUserId: 'alice',
  type: 3,
  groupId: 'g1',
  classname: 'RC:TxtMsg',
  content: '{"content":"héllo 😀"}',
  dataTime: SENT,
  status: 16 | 32 | 64,
  extra: 0,
  msgId: 'C3L9-8H2K-0QJA-1234',
  direction: 2,
  plantform: 1,
  isRemoved: 0,
  source: 'web',
  clientUniqueId: String(SENT - 5),
  extraContent: '{"k":"v"}',
  pushContent: 'push',
  configFlag: 2,
  pushExt: { title: 't', templateIdNoUse: 0, pushId: 'p', pushConfigs: '{}', templateId: 'tpl' },
  busChannel: '',
  extStatus: 64,
  toUserIds: ['bob', 'carol'],
  groupUnpush: 0,
  optionBits: 2,
  convertExt: '',
  extMsgData: { seqId: 9, sendTime: SENT },
  metadata: 'm',
  refData: { msgId: 'x', fromUserId: 'bob', classname: 'RC:TxtMsg' },
};

const minimalDownStream: DownStreamMessage = {
  fromUserId: 'bob',
  type: 1,
  classname: 'RC:TxtMsg',
  content: '{}',
  dataTime: SENT,
  status: 0,
  toUserIds: [],
};

function roundTrip<N extends PayloadName>(name: N, value: PayloadTypes[N]): PayloadTypes[N] {
  return decodePayload(name, encodePayload(name, value as PayloadInput<PayloadTypes[N]>));
}

function decodeError(decode: () => unknown): PayloadDecodeError {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(PayloadDecodeError);
    return error as PayloadDecodeError;
  }
  throw new Error('expected a PayloadDecodeError');
}

describe('round trips', () => {
  it('UpStreamMessage with every field', () => {
    const message: UpStreamMessage = {
      sessionId: 3,
      classname: 'RC:TxtMsg',
      content: '{"content":"hi"}',
      pushText: 'hi',
      appData: 'a',
      toUserIds: ['bob'],
      delMsgTime: 0,
      delMsgId: '',
      configFlag: 2,
      clientUniqueId: String(SENT),
      extraContent: 'e',
      pushExt: { title: 'x' },
      busChannel: 'ch',
      systemId: 's',
      senderPortrait: 'https://example.com/a.png',
      optionBits: 1,
      extMsgData: { seqId: 1 },
      metadata: '{}',
      refData: { msgId: 'r' },
    };
    expect(roundTrip('UpStreamMessage', message)).toEqual(message);
  });

  it('DownStreamMessages with full and minimal messages', () => {
    const page: DownStreamMessages = {
      list: [fullDownStream, minimalDownStream],
      syncTime: SENT,
      finished: true,
      broadcastSyncTime: 0,
      systemTime: SENT + 1,
      credibleStartTime: 1,
      credibleEndTime: 2,
      compressioEnabled: false,
      compressedData: new Uint8Array([1, 2, 3]),
    };
    expect(roundTrip('DownStreamMessages', page)).toEqual(page);
  });

  it('HistoryMsgOuput and RelationsOutput', () => {
    const history: HistoryMsgOuput = { list: [minimalDownStream], syncTime: SENT, hasMsg: 1 };
    expect(roundTrip('HistoryMsgOuput', history)).toEqual(history);
    const relations: RelationsOutput = {
      info: [
        {
          type: 3,
          userId: 'g1',
          msg: fullDownStream,
          readMsgTime: SENT,
          unreadCount: 2,
          busChannel: '',
          versionTime: SENT,
          remindCount: 0,
          busChannelType: 0,
          msgInfo: { msgId: 'u', msgTime: SENT, remindType: 0, className: 'RC:TxtMsg' },
          remindMeCount: 0,
          isBot: false,
        },
      ],
      isFinished: true,
      pullTime: SENT,
      pageToken: 'next',
    };
    expect(roundTrip('RelationsOutput', relations)).toEqual(relations);
  });

  it('the requests the SDK sends', () => {
    const requests: { [N in PayloadName]?: PayloadTypes[N] } = {
      SyncRequestMsg: { syncTime: SENT, ispolling: false, isPullSend: true, sendBoxSyncTime: 0, broadcastSyncTime: 0, compressioEnabled: true },
      HistoryMsgInput: { targetId: 'alice', time: SENT + 60_000, count: 20, order: 0, busChannel: '', compressioEnabled: true, ignoreCmd: true },
      RelationQryInput: { startTime: 0, order: 0, count: 300, compressioEnabled: true, channelType: [1, 3, 6], botType: 0 },
      RelationDelBatchReq: { relation: [{ conversationId: 'bob', conversationType: 1, busChannel: '' }], cleanMsg: true },
      SessionQryInput: { version: 0, compress: true, pageToken: '' },
      BotInput: { ids: [] },
      QueryMsgChange: { syncTime: 0 },
      PullUserSettingInput: { version: 0, ipType: 0 },
      SessionReq: { time: 0 },
      PullModifyMsgReq: { pullVersion: 0, modifyType: [1], compress: true },
      ReportSDKInput: { sdkInfo: '{"web-imkit":"5.38.0"}' },
      DeleteMsgInput: { type: 1, conversationId: 'bob', busChannel: '', msgs: [{ msgId: 'u', msgDataTime: SENT, direct: 1 }] },
      CleanHisMsgInput: { targetId: 'bob', dataTime: SENT, conversationType: 1, busChannel: '' },
      NotifyMsg: { type: 1, time: SENT },
    };
    for (const [name, value] of Object.entries(requests)) {
      expect(roundTrip(name as PayloadName, value), name).toEqual(value);
    }
  });

  it('the minimal answers that keep the SDK quiet', () => {
    const answers: { [N in PayloadName]?: PayloadTypes[N] } = {
      BotOutput: { bots: [] },
      EventChangeList: { list: [], syncTime: 5, hasNext: false },
      PullUserSettingOutput: { items: [], version: 5 },
      SessionStates: { version: 5, state: [] },
      PullModifyMsgResp: { msg: [], nextVersion: 5, finished: true },
      SessionsOutput: { session: [{ targetId: 'alice', type: 1, unread: { cnt: 23, cutOffTime: SENT } }] },
    };
    for (const [name, value] of Object.entries(answers)) {
      expect(roundTrip(name as PayloadName, value), name).toEqual(value);
    }
  });

  it('leaves out repeated fields on input and returns them as empty arrays', () => {
    const bytes = encodePayload('UpStreamMessage', { sessionId: 0, classname: 'RC:TypSts', content: '{}' });
    expect(decodePayload('UpStreamMessage', bytes)).toEqual({
      sessionId: 0,
      classname: 'RC:TypSts',
      content: '{}',
      toUserIds: [],
    });
  });

  it('keeps millisecond timestamps and other int64s as exact numbers', () => {
    const decoded = roundTrip('SyncRequestMsg', { syncTime: Number.MAX_SAFE_INTEGER, ispolling: true, endTime: -1 });
    expect(decoded.syncTime).toBe(Number.MAX_SAFE_INTEGER);
    expect(decoded.endTime).toBe(-1);
  });

  it('keeps client send ids past 2^53 exact and apart, in every message that carries them', () => {
    const ids = ['1577954953120181369', '1577954953120181370'];
    for (const id of ids) {
      const up = decodePayload('UpStreamMessage', encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: '{}', clientUniqueId: id }));
      expect(up.clientUniqueId).toBe(id);
    }
    const down = { fromUserId: 'a', type: 1, classname: 'RC:TxtMsg', content: '{}', dataTime: 1, status: 0, toUserIds: [] };
    const page = decodePayload('DownStreamMessages', encodePayload('DownStreamMessages', { list: ids.map((id) => ({ ...down, clientUniqueId: id })), syncTime: 1 }));
    expect(page.list.map((m) => m.clientUniqueId)).toEqual(ids);
    // Past int64 an encoder would wrap silently: refused instead.
    for (const bad of ['9223372036854775808', '12345678901234567890', '1e5', '']) {
      expect(() => encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: '{}', clientUniqueId: bad })).toThrow(PayloadEncodeError);
    }
    expect(decodePayload('UpStreamMessage', encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: '{}', clientUniqueId: '9223372036854775807' })).clientUniqueId).toBe('9223372036854775807');
  });

  it('hands back bytes as plain Uint8Array that do not alias the input, even from a Node Buffer', () => {
    const encoded = encodePayload('SessionsOutput', { session: [], compressedData: new Uint8Array([7, 8]) });
    expect(encoded.constructor).toBe(Uint8Array);
    const input = Buffer.from(encoded);
    const decoded = decodePayload('SessionsOutput', input);
    input.fill(0);
    expect(decoded.compressedData?.constructor).toBe(Uint8Array);
    expect(decoded.compressedData).toEqual(new Uint8Array([7, 8]));
  });

  it('decodes enum values the schema does not name, such as conversation type 12 (RTC room)', () => {
    const bytes = new Uint8Array([
      [0x0a, 1, 0x62], // fromUserId "b"
      [0x10, 12], // type 12
      [0x22, 1, 0x63], // classname "c"
      [0x2a, 2, 0x7b, 0x7d], // content "{}"
      [0x30, 1], // dataTime 1
      [0x38, 0], // status 0
    ].flat());
    expect(decodePayload('DownStreamMessage', bytes)).toEqual({
      fromUserId: 'b',
      type: 12,
      classname: 'c',
      content: '{}',
      dataTime: 1,
      status: 0,
      toUserIds: [],
    });
  });
});

describe('a page of messages encoded beforehand', () => {
  const messages = [
    { fromUserId: 'alice', type: 1, classname: 'RC:TxtMsg', content: '{"content":"hi"}', dataTime: 1_700_000_000_001, status: 48, msgId: 'M1', direction: 2, toUserIds: [] },
    { fromUserId: 'bob', type: 3, groupId: 'g1', classname: 'RC:ImgMsg', content: '{"content":"…"}', dataTime: 1_700_000_000_002, status: 16, msgId: 'M2', toUserIds: ['carol'] },
  ];

  it('gives the bytes encodePayload gives for the same page', () => {
    for (const finished of [true, false]) {
      for (const list of [[], messages]) {
        const page = encodeDownStreamPage(list.map((m) => encodePayload('DownStreamMessage', m)), 1_700_000_000_123, finished);
        expect(Buffer.from(page).equals(Buffer.from(encodePayload('DownStreamMessages', { list, syncTime: 1_700_000_000_123, finished })))).toBe(true);
      }
    }
  });

  it('decodes to the messages it was made of', () => {
    const page = decodePayload('DownStreamMessages', encodeDownStreamPage(messages.map((m) => encodePayload('DownStreamMessage', m)), 42, false));
    expect(page.list.map((m) => m.msgId)).toEqual(['M1', 'M2']);
    expect(page).toMatchObject({ syncTime: 42, finished: false });
  });
});

describe('required fields', () => {
  it('refuses to encode a message without one', () => {
    const encodeWithout = (name: PayloadName, value: object) => () =>
      encodePayload(name, value as PayloadInput<PayloadTypes[typeof name]>);
    expect(encodeWithout('DownStreamMessages', { list: [] })).toThrow(PayloadEncodeError);
    expect(encodeWithout('DownStreamMessages', { list: [] })).toThrow(/missing required field syncTime/);
    expect(encodeWithout('HistoryMsgOuput', { list: [], syncTime: 1 })).toThrow(/missing required field hasMsg/);
    expect(encodeWithout('EventChangeList', { list: [] })).toThrow(/syncTime/);
    expect(encodeWithout('PullUserSettingOutput', { items: [] })).toThrow(/version/);
    expect(encodeWithout('SessionStates', { state: [] })).toThrow(/version/);
  });

  it('names a required field missing deep inside', () => {
    const withoutStatus: Partial<DownStreamMessage> = { ...minimalDownStream };
    delete withoutStatus.status;
    const encode = () =>
      encodePayload('RelationsOutput', {
        info: [{ type: 1, userId: 'bob' }, { type: 1, userId: 'carol', msg: withoutStatus as DownStreamMessage }],
      });
    expect(encode).toThrow(PayloadEncodeError);
    expect(encode).toThrow(/info\[1\]\.msg\.status/);
  });

  it('refuses wrong types and unknown enum values', () => {
    const encode = (value: object) => () => encodePayload('NotifyMsg', value as PayloadTypes['NotifyMsg']);
    expect(encode({ type: '1' })).toThrow(PayloadEncodeError);
    expect(encode({ type: 1, time: 1.5 })).toThrow(PayloadEncodeError);
    expect(() => encodePayload('DownStreamMessage', { ...minimalDownStream, type: 9 })).toThrow(PayloadEncodeError);
    expect(() => encodePayload('NotifyMsg', null as unknown as PayloadTypes['NotifyMsg'])).toThrow(PayloadEncodeError);
  });

  it('refuses to decode bytes without one', () => {
    const syncTimeOnly = new Uint8Array([0x10, 0x05]); // field 2 (syncTime) = 5, no field 3 (hasMsg)
    const error = decodeError(() => decodePayload('HistoryMsgOuput', syncTimeOnly));
    expect(error.payloadName).toBe('HistoryMsgOuput');
    expect(error.message).toMatch(/missing required/);
    expect(() => decodePayload('DownStreamMessages', new Uint8Array())).toThrow(PayloadDecodeError);
  });
});

describe('malformed bytes', () => {
  it('throws PayloadDecodeError for truncated and invalid protobuf', () => {
    const valid = encodePayload('DownStreamMessages', { list: [fullDownStream], syncTime: SENT, finished: true });
    for (let length = 1; length < valid.length; length += 1) {
      try {
        decodePayload('DownStreamMessages', valid.subarray(0, length));
      } catch (error) {
        expect(error).toBeInstanceOf(PayloadDecodeError);
      }
    }
    decodeError(() => decodePayload('NotifyMsg', new Uint8Array([0x0f])));
    decodeError(() => decodePayload('NotifyMsg', new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])));
  });

  it('throws PayloadDecodeError for a name it does not know', () => {
    decodeError(() => decodePayload('PushExtra' as PayloadName, new Uint8Array()));
    expect(() => encodePayload('Nope' as PayloadName, {} as never)).toThrow(PayloadEncodeError);
  });
});

describe('payload names', () => {
  it('lists the top-level messages only', () => {
    expect(PAYLOAD_NAMES).toContain('HistoryMsgOuput');
    expect(PAYLOAD_NAMES).not.toContain('PushExtra');
    expect(isPayloadName('DownStreamMessages')).toBe(true);
    expect(isPayloadName('DownStreamMessage ')).toBe(false);
  });
});
