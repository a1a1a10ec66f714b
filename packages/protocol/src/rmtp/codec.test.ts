import { describe, expect, it } from 'vitest';
import { decodeClientFrame, decodeServerFrame, encodeClientFrame, encodeServerFrame } from './codec.js';
import { FrameDecodeError, FrameEncodeError, type FrameDecodeErrorReason } from './errors.js';
import type { ClientFrame, FrameHeader, QueryAckFrame, ServerFrame } from './frames.js';
import { MessageIdSequence, nextMessageId } from './message-id.js';
import { splitTimestamp } from './time.js';

const plain: FrameHeader = { dup: false, qos: 0, retain: false };
const qos1: FrameHeader = { dup: false, qos: 1, retain: false };

const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));
const str = (text: string): number[] => [0, text.length, ...ascii(text)];
const bytes = (...parts: (number | number[])[]): Uint8Array => new Uint8Array(parts.flat());

function decodeErrorReason(decode: () => unknown): FrameDecodeErrorReason | 'no error' {
  try {
    decode();
    return 'no error';
  } catch (error) {
    expect(error).toBeInstanceOf(FrameDecodeError);
    return (error as FrameDecodeError).reason;
  }
}

const sampleClientFrames: ClientFrame[] = [
  {
    type: 'CONNECT',
    header: plain,
    keepAliveSeconds: 15,
    clientId: 'device-0123456789abcdef',
    appKey: 'appone00000001',
    token: 'opaque.token.mac@',
    platform: 'desktop',
    isReconnect: false,
    refuseIfTaken: false,
  },
  {
    type: 'CONNECT',
    header: plain,
    keepAliveSeconds: 0,
    clientId: '',
    appKey: 'k',
    token: 't',
    platform: 'server',
    isReconnect: true,
    refuseIfTaken: true,
  },
  {
    type: 'PUBLISH',
    header: qos1,
    topic: 'ppMsgP',
    targetId: 'bob',
    messageId: 1,
    payload: new Uint8Array([8, 3, 18, 9]),
  },
  { type: 'PUBLISH', header: plain, topic: 'ppMsgS', targetId: '用户', messageId: 65535, payload: new Uint8Array() },
  { type: 'PUBACK', header: plain, messageId: 40001 },
  { type: 'QUERY', header: plain, topic: 'pullMsg', targetId: 'alice', messageId: 2, payload: new Uint8Array([8, 0]) },
  { type: 'QUERYCON', header: plain, messageId: 7 },
  { type: 'PINGREQ', header: plain },
  { type: 'DISCONNECT', header: plain, status: 4 },
];

const sampleServerFrames: ServerFrame[] = [
  {
    type: 'CONNACK',
    header: plain,
    status: 0,
    session: { userId: 'alice', sessionId: 'b5c6e0f2', timestamp: 1_700_000_000_123 },
  },
  { type: 'CONNACK', header: plain, status: 13 },
  {
    type: 'PUBLISH',
    header: { dup: true, qos: 0, retain: false },
    date: 1_700_000_000,
    topic: 'pgMsgP',
    targetId: 'g1',
    messageId: 40000,
    payload: new Uint8Array([1, 2, 3]),
  },
  { type: 'PUBLISH', header: qos1, date: 0, topic: 's_ntf', targetId: '', messageId: 3, payload: new Uint8Array() },
  {
    type: 'PUBACK',
    header: plain,
    messageId: 1,
    date: 1_700_000_000,
    status: 0,
    millis: 999,
    messageUId: 'C3L9-8H2K-0QJA-1234',
  },
  { type: 'PUBACK', header: plain, messageId: 2, date: 1_700_000_000, status: 22406, millis: 0, messageUId: '' },
  { type: 'QUERYACK', header: qos1, messageId: 2, date: 1_700_000_000, status: 0, payload: new Uint8Array([16, 1]) },
  { type: 'QUERYACK', header: plain, messageId: 9, date: 1_700_000_000, status: 20606, payload: new Uint8Array() },
  { type: 'PINGRESP', header: plain },
  { type: 'DISCONNECT', header: plain, status: 1 },
];

describe('round trips', () => {
  it.each(sampleClientFrames.map((frame) => [frame.type, frame] as const))('client %s', (_type, frame) => {
    expect(decodeClientFrame(encodeClientFrame(frame))).toEqual(frame);
  });

  it.each(sampleServerFrames.map((frame) => [frame.type, frame] as const))('server %s', (_type, frame) => {
    expect(decodeServerFrame(encodeServerFrame(frame))).toEqual(frame);
  });

  it('keeps every combination of header flags', () => {
    for (const dup of [false, true]) {
      for (const qos of [0, 1, 2] as const) {
        for (const retain of [false, true]) {
          const header = { dup, qos, retain };
          expect(decodeClientFrame(encodeClientFrame({ type: 'PINGREQ', header })).header).toEqual(header);
          expect(decodeServerFrame(encodeServerFrame({ type: 'PINGRESP', header })).header).toEqual(header);
        }
      }
    }
  });

  it('carries non-ASCII strings as UTF-8', () => {
    const frame = encodeClientFrame({ type: 'QUERY', topic: 'qryPMsg', targetId: 'é😀', messageId: 1, payload: new Uint8Array() });
    expect([...frame.subarray(10, 18)]).toEqual([0, 6, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]);
    expect(decodeClientFrame(frame)).toMatchObject({ targetId: 'é😀' });
  });
});

describe('layouts, byte for byte', () => {
  it('CONNACK accepted: 0x00, status, userId, sessionId, u64 ms timestamp', () => {
    const frame = encodeServerFrame({
      type: 'CONNACK',
      status: 0,
      session: { userId: 'alice', sessionId: 's1', timestamp: 1_700_000_000_123 },
    });
    expect(frame).toEqual(
      bytes(0x20, 0x00, 0x00, str('alice'), str('s1'), [0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b]),
    );
  });

  it('CONNACK refused: 0x00, status and nothing else', () => {
    expect(encodeServerFrame({ type: 'CONNACK', status: 4 })).toEqual(bytes(0x20, 0x00, 0x04));
  });

  it('S→C PUBACK: msgId u16, date u32 s, status u16, millis u16, messageUId', () => {
    const frame = encodeServerFrame({
      type: 'PUBACK',
      messageId: 0x0102,
      date: 1_700_000_000,
      status: 0,
      millis: 123,
      messageUId: 'AB',
    });
    expect(frame).toEqual(bytes(0x40, [0x01, 0x02], [0x65, 0x53, 0xf1, 0x00], [0x00, 0x00], [0x00, 0x7b], str('AB')));
  });

  it('QUERYACK: msgId u16, date u32 s, status u16, then the protobuf to the end', () => {
    const frame = encodeServerFrame({
      type: 'QUERYACK',
      header: { qos: 1 },
      messageId: 7,
      date: 1_700_000_000,
      status: 20606,
      payload: new Uint8Array([0x08, 0x01]),
    });
    expect(frame).toEqual(bytes(0x62, [0x00, 0x07], [0x65, 0x53, 0xf1, 0x00], [0x50, 0x7e], [0x08, 0x01]));
  });

  it('S→C PUBLISH: date u32 s first, then topic, targetId, msgId, protobuf', () => {
    const frame = encodeServerFrame({
      type: 'PUBLISH',
      header: { dup: true },
      date: 1,
      topic: 's_ntf',
      targetId: 'u',
      messageId: 2,
      payload: new Uint8Array([0x08, 0x01]),
    });
    expect(frame).toEqual(bytes(0x38, [0, 0, 0, 1], str('s_ntf'), str('u'), [0, 2], [0x08, 0x01]));
  });

  it('C→S PUBLISH and QUERY: topic, targetId, msgId, protobuf', () => {
    const publish = { topic: 'ppMsgP', targetId: 'bob', messageId: 5, payload: new Uint8Array([9]) };
    expect(encodeClientFrame({ type: 'PUBLISH', header: { qos: 1 }, ...publish })).toEqual(
      bytes(0x32, str('ppMsgP'), str('bob'), [0, 5], [9]),
    );
    expect(encodeClientFrame({ type: 'QUERY', ...publish })).toEqual(bytes(0x50, str('ppMsgP'), str('bob'), [0, 5], [9]));
  });

  it('C→S PUBACK and QUERYCON: msgId only', () => {
    expect(encodeClientFrame({ type: 'PUBACK', messageId: 258 })).toEqual(bytes(0x40, 0x01, 0x02));
    expect(encodeClientFrame({ type: 'QUERYCON', messageId: 258 })).toEqual(bytes(0x70, 0x01, 0x02));
  });

  it('PINGREQ, PINGRESP and DISCONNECT', () => {
    expect(encodeClientFrame({ type: 'PINGREQ' })).toEqual(bytes(0xc0));
    expect(encodeServerFrame({ type: 'PINGRESP' })).toEqual(bytes(0xd0));
    expect(encodeServerFrame({ type: 'DISCONNECT', status: 1 })).toEqual(bytes(0xe0, 0x00, 0x01));
    expect(encodeClientFrame({ type: 'DISCONNECT', status: 4 })).toEqual(bytes(0xe0, 0x00, 0x04));
  });

  it('CONNECT: "RCloud", version 3, flags, keepalive, clientId, appKey, token, platform', () => {
    const connect = { type: 'CONNECT', keepAliveSeconds: 15, clientId: 'd', appKey: 'k', token: 't', platform: 'web' } as const;
    expect(encodeClientFrame({ ...connect, isReconnect: false, refuseIfTaken: false })).toEqual(
      bytes(0x10, str('RCloud'), 3, 0xc2, [0, 15], str('d'), str('k'), str('t'), str('web')),
    );
    expect(encodeClientFrame({ ...connect, isReconnect: true, refuseIfTaken: false })).toEqual(
      bytes(0x10, str('RCloud'), 3, 0xc0, [0, 15], str('d'), str('k'), str('t'), str('web')),
    );
    expect(encodeClientFrame({ ...connect, isReconnect: true, refuseIfTaken: true })).toEqual(
      bytes(0x10, str('RCloud'), 3, 0xc4, [0, 15], str('d'), str('k'), str('t'), str('web')),
    );
  });

  it('decodes frames the way the Web SDK writes them', () => {
    // The SDK's QUERY for pullMsg at connect: qos 0, msgId from 1, targetId = the user.
    expect(decodeClientFrame(bytes(0x50, str('pullMsg'), str('alice'), [0, 1], [8, 0, 16, 0]))).toEqual({
      type: 'QUERY',
      header: plain,
      topic: 'pullMsg',
      targetId: 'alice',
      messageId: 1,
      payload: new Uint8Array([8, 0, 16, 0]),
    });
  });
});

describe('decoding input', () => {
  it('accepts an ArrayBuffer', () => {
    const frame = encodeServerFrame({ type: 'DISCONNECT', status: 6 });
    const { buffer } = new Uint8Array(frame);
    expect(decodeServerFrame(buffer)).toEqual({ type: 'DISCONNECT', header: plain, status: 6 });
  });

  it('reads a frame that sits in the middle of a larger buffer', () => {
    const frame = encodeClientFrame({ type: 'PUBACK', messageId: 9 });
    const larger = new Uint8Array(frame.length + 8);
    larger.set(frame, 4);
    expect(decodeClientFrame(larger.subarray(4, 4 + frame.length))).toEqual({
      type: 'PUBACK',
      header: plain,
      messageId: 9,
    });
  });

  it('returns payloads as plain Uint8Array copies', () => {
    const frame = encodeClientFrame({ type: 'PUBLISH', topic: 't', targetId: 'u', messageId: 1, payload: bytes(1, 2) });
    const decoded = decodeClientFrame(frame);
    frame[frame.length - 1] = 0xff;
    expect(decoded).toMatchObject({ payload: bytes(1, 2) });
    expect((decoded as { payload: Uint8Array }).payload.constructor).toBe(Uint8Array);
  });
});

describe('malformed frames', () => {
  it('rejects an empty message', () => {
    expect(decodeErrorReason(() => decodeClientFrame(new Uint8Array()))).toBe('empty');
    expect(decodeErrorReason(() => decodeServerFrame(new Uint8Array()))).toBe('empty');
  });

  it('rejects frame types the direction does not send', () => {
    for (const type of [0, 2, 6, 8, 9, 10, 11, 13, 15]) {
      expect(decodeErrorReason(() => decodeClientFrame(bytes(type << 4)))).toBe('unknown-type');
    }
    for (const type of [0, 1, 5, 7, 8, 9, 10, 11, 12, 15]) {
      expect(decodeErrorReason(() => decodeServerFrame(bytes(type << 4)))).toBe('unknown-type');
    }
  });

  it('rejects qos 3', () => {
    expect(decodeErrorReason(() => decodeClientFrame(bytes(0xc6)))).toBe('invalid-qos');
  });

  it('rejects every truncation of a valid frame', () => {
    for (const frame of sampleServerFrames) {
      const encoded = encodeServerFrame(frame);
      const minimum = frame.type === 'PUBLISH' || frame.type === 'QUERYACK' ? encoded.length - frame.payload.length : encoded.length;
      for (let length = 0; length < minimum; length += 1) {
        expect(decodeErrorReason(() => decodeServerFrame(encoded.subarray(0, length)))).toMatch(/^(empty|truncated)$/);
      }
    }
  });

  it('rejects a string whose length runs past the end', () => {
    expect(decodeErrorReason(() => decodeClientFrame(bytes(0x30, [0xff, 0xff], ascii('ppMsgP'))))).toBe('truncated');
  });

  it('rejects bytes after frames with a definite end', () => {
    const withExtra = (frame: Uint8Array) => bytes([...frame], 0);
    expect(decodeErrorReason(() => decodeClientFrame(withExtra(encodeClientFrame({ type: 'PINGREQ' }))))).toBe(
      'trailing-bytes',
    );
    expect(
      decodeErrorReason(() => decodeClientFrame(withExtra(encodeClientFrame({ type: 'PUBACK', messageId: 1 })))),
    ).toBe('trailing-bytes');
    expect(
      decodeErrorReason(() => decodeServerFrame(withExtra(encodeServerFrame({ type: 'CONNACK', status: 4 })))),
    ).toBe('trailing-bytes');
    for (const frame of sampleServerFrames.filter((sample) => sample.type === 'PUBACK' || sample.type === 'CONNACK')) {
      expect(decodeErrorReason(() => decodeServerFrame(withExtra(encodeServerFrame(frame))))).toBe('trailing-bytes');
    }
    const connect = sampleClientFrames[0];
    expect(decodeErrorReason(() => decodeClientFrame(withExtra(encodeClientFrame(connect!))))).toBe('trailing-bytes');
  });

  it('rejects a CONNECT for another protocol, with other flags, or for an unknown platform', () => {
    const connect = (name: string, version: number, flags: number, platform: string) =>
      bytes(0x10, str(name), version, flags, [0, 15], str('d'), str('k'), str('t'), str(platform));
    expect(decodeErrorReason(() => decodeClientFrame(connect('RCloud', 3, 0xc2, 'mobile')))).toBe('no error');
    expect(decodeErrorReason(() => decodeClientFrame(connect('RCloud', 3, 0xc4, 'mobile')))).toBe('no error');
    expect(decodeErrorReason(() => decodeClientFrame(connect('MQIsdp', 3, 0xc2, 'web')))).toBe('unsupported-protocol');
    expect(decodeErrorReason(() => decodeClientFrame(connect('RCloud', 4, 0xc2, 'web')))).toBe('unsupported-protocol');
    for (const flags of [0x82, 0x42, 0xd2, 0xc3, 0xe2, 0xca, 0x02]) {
      expect(decodeErrorReason(() => decodeClientFrame(connect('RCloud', 3, flags, 'web')))).toBe('invalid-connect-flags');
    }
    expect(decodeErrorReason(() => decodeClientFrame(connect('RCloud', 3, 0xc2, 'Web')))).toBe('invalid-platform');
  });

  it('rejects a CONNACK timestamp beyond 2^53', () => {
    const frame = bytes(0x20, 0, 0, str('a'), str('s'), [0x00, 0x20, 0, 0, 0, 0, 0, 0]);
    expect(decodeErrorReason(() => decodeServerFrame(frame))).toBe('value-out-of-range');
  });

  it('accepts malformed UTF-8 in strings without failing the frame', () => {
    const frame = bytes(0x50, str('pullMsg'), [0, 2, 0xc3, 0x28], [0, 1]);
    expect(decodeClientFrame(frame)).toMatchObject({ type: 'QUERY', targetId: '\ufffd(' });
  });
});

describe('encoding checks', () => {
  const expectEncodeError = (encode: () => unknown, message: RegExp) => {
    expect(encode).toThrow(FrameEncodeError);
    expect(encode).toThrow(message);
  };

  it('rejects numbers outside their field', () => {
    expectEncodeError(() => encodeClientFrame({ type: 'PUBACK', messageId: 65536 }), /messageId/);
    expectEncodeError(() => encodeClientFrame({ type: 'QUERYCON', messageId: -1 }), /messageId/);
    expectEncodeError(() => encodeClientFrame({ type: 'DISCONNECT', status: 256 }), /status/);
    expectEncodeError(
      () => encodeServerFrame({ type: 'PUBACK', messageId: 1, date: 2 ** 32, status: 0, millis: 0, messageUId: 'u' }),
      /date/,
    );
    expectEncodeError(
      () => encodeServerFrame({ type: 'QUERYACK', messageId: 1, date: 1.5, status: 0, payload: new Uint8Array() }),
      /date/,
    );
    expectEncodeError(
      () => encodeServerFrame({ type: 'CONNACK', status: 0, session: { userId: 'a', sessionId: 's', timestamp: 2 ** 53 } }),
      /timestamp/,
    );
  });

  it('rejects strings longer than 65535 bytes of UTF-8', () => {
    const long = 'é'.repeat(40000);
    expectEncodeError(
      () => encodeClientFrame({ type: 'QUERY', topic: 'pullMsg', targetId: long, messageId: 1, payload: new Uint8Array() }),
      /targetId/,
    );
    const longest = 'a'.repeat(65535);
    const frame = encodeClientFrame({ type: 'QUERY', topic: 't', targetId: longest, messageId: 1, payload: new Uint8Array() });
    expect(decodeClientFrame(frame)).toMatchObject({ targetId: longest });
  });

  it('rejects qos 3 and an unknown frame type', () => {
    expectEncodeError(() => encodeClientFrame({ type: 'PINGREQ', header: { qos: 3 as 0 } }), /qos/);
    expectEncodeError(() => encodeServerFrame({ type: 'CONNECT' } as never), /not a server frame/);
    expectEncodeError(() => encodeClientFrame({ type: 'QUERYACK' } as never), /not a client frame/);
  });

  it('insists that a CONNACK carries a session exactly when it accepts', () => {
    expectEncodeError(() => encodeServerFrame({ type: 'CONNACK', status: 0 }), /session/);
    expectEncodeError(
      () => encodeServerFrame({ type: 'CONNACK', status: 4, session: { userId: 'a', sessionId: 's', timestamp: 1 } }),
      /session/,
    );
  });

  it('rejects an unknown platform and values of the wrong type', () => {
    const connect = { type: 'CONNECT', keepAliveSeconds: 15, clientId: 'd', appKey: 'k', token: 't', isReconnect: false, refuseIfTaken: false } as const;
    expectEncodeError(() => encodeClientFrame({ ...connect, platform: 'ios' as 'web' }), /platform/);
    expectEncodeError(() => encodeClientFrame({ ...connect, platform: 'web', token: undefined as unknown as string }), /token/);
    expectEncodeError(
      () => encodeClientFrame({ type: 'PUBLISH', topic: 't', targetId: 'u', messageId: 1, payload: [1] as unknown as Uint8Array }),
      /payload/,
    );
  });

  it('grows its buffer for large payloads', () => {
    const payload = new Uint8Array(200_000).map((_, index) => index % 251);
    const frame = encodeServerFrame({ type: 'QUERYACK', messageId: 1, date: 0, status: 0, payload });
    const decoded = decodeServerFrame(frame) as QueryAckFrame;
    expect(Buffer.compare(decoded.payload, payload)).toBe(0);
  });
});

describe('message ids', () => {
  it('counts 1..65535 and wraps to 1, never 0', () => {
    expect(nextMessageId(0)).toBe(1);
    expect(nextMessageId(1)).toBe(2);
    expect(nextMessageId(65534)).toBe(65535);
    expect(nextMessageId(65535)).toBe(1);
    expect(nextMessageId(-3)).toBe(1);
    expect(nextMessageId(70000)).toBe(1);
    expect(nextMessageId(2.5)).toBe(1);
  });

  it('keeps a sequence per connection', () => {
    const ids = new MessageIdSequence(65534);
    expect([ids.next(), ids.next(), ids.next()]).toEqual([65535, 1, 2]);
    expect(new MessageIdSequence().next()).toBe(1);
  });
});

describe('splitTimestamp', () => {
  it('gives the date and millis a PUBACK carries', () => {
    expect(splitTimestamp(1_700_000_000_123)).toEqual({ date: 1_700_000_000, millis: 123 });
    expect(splitTimestamp(1_700_000_000_000)).toEqual({ date: 1_700_000_000, millis: 0 });
    const { date, millis } = splitTimestamp(1_712_345_678_999);
    expect(date * 1000 + millis).toBe(1_712_345_678_999);
  });
});
