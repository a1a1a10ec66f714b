import { describe, expect, it } from 'vitest';
import { decodePayload } from '../proto/payload.js';
import { FrameDecodeError, FrameEncodeError, type FrameDecodeErrorReason } from '../rmtp/errors.js';
import type { FrameHeader } from '../rmtp/frames.js';
import type { NativeConnectFrame } from './connect-frame.js';
import { fromNativeWire } from './framing.js';
import {
  decodeNativeClientFrame,
  decodeNativeServerFrame,
  encodeNativeClientFrame,
  encodeNativeServerFrame,
  type NativeClientFrame,
  type NativeServerFrame,
} from './native-codec.js';

const hex = (text: string): Uint8Array => Uint8Array.from(text.trim().split(/\s+/), (byte) => parseInt(byte, 16));
const ascii = (text: string): number[] => [...text].map((char) => char.charCodeAt(0));
const str = (text: string): number[] => [0, text.length, ...ascii(text)];
const bytes = (...parts: (number | number[])[]): Uint8Array => new Uint8Array(parts.flat());
const header = (qos: 0 | 1 | 2 = 0): FrameHeader => ({ dup: false, qos, retain: false });

function reasonOf(call: () => unknown): FrameDecodeErrorReason | 'no error' {
  try {
    call();
    return 'no error';
  } catch (error) {
    expect(error).toBeInstanceOf(FrameDecodeError);
    return (error as FrameDecodeError).reason;
  }
}

// Frames captured between @rongcloud/electron 5.46.1 and a fake server on loopback, byte for byte.
const dumps = {
  connect: hex(`
    14 59 4d 6c 4b 47 62 7c 48 63 13 6f 89 1f 21 10
    2e 44 18 02 2a 56 4d 7f 52 72 77 62 1f 7a 4f 77
    6e 5b 27 2f 0e 79 48 75 49 62 77 66 1d 56 0c 3d
    12 38 43 5a 63 24 21 1c 57 77 05 00 28 6c 40 60
    57 7d 12 15 4d 1f 55 7f 4c 3b 16 00 24 76 44 50`),
  connAckAccepted: hex('20 39 19 6c 4d 15 24 71 4b 7f 14 09 4d 13 52 75 54 65 5a 5d 4d 15 20 b2 10 a4 72 4a'),
  connAckRefused: hex('20 22 02 6c 49'),
  serverDisconnect: hex('e0 e2 02 6c 4c'),
  clientDisconnect: hex('e0 e2 02 6c 49'),
  pingReq: hex('c0 c0 00'),
  pingResp: hex('d0 d0 00'),
  pubAck: hex('40 52 12 6c 4b 7e 31 5e 7f 16 77 6e ca 15 27 5d 72 5f 33 41 7b'),
  notify: hex(`
    30 15 25 50 ab a8 ad 46 e0 37 13 07 5d 5b bf 10 22 65 28 02 39 73 21 15 46 7a 1e 0f 28 15 21 18
    26 06 a7 d9 81 a8 82 24`),
  publishStart: hex('32 65 57 04 e8 db bf f5 d2 21 83 6c 4b 65 51 5d'),
};

// Captured from the same binding while verifying this codec: a whole PUBLISH and a pullMsg QUERY.
const captured = {
  publish: hex(`
    32 61 53 03 18 37 d5 0d 8c 94 df 6c 4b 65 51 5d 54 71 27 6c 4e 77 4e 72 27 1e 65 65 1f 56 1b 44
    5f 62 3a 1f 2a 1d 22 0a 38 6d 55 0f 22 7b 55 75 49 62 55 56 6f 7d 44 7c 4b 79 57 0a 3f 7a 4c 30
    49 77 03 05 3b 70 03 6d 77 ef af c3 ef a3 94 91 d4 03 15 6e 47 15`),
  publishPayload: bytes(
    [0x12, 0x09],
    ascii('RC:TxtMsg'),
    [0x08, 0x03, 0x1a, 0x1f],
    ascii('{"content":"hello from native"}'),
    [0x50, 0xf9, 0xd8, 0xaf, 0xa2, 0xb6, 0xb5, 0x81, 0xf3, 0x15, 0x62, 0x02, 0x0a, 0x00],
  ),
  pullMsg: hex('52 4d 1f 50 95 c1 45 a9 07 52 83 6c 4a 65 54 7c 4b 5b 04 0b 4d 15 21 15 2f 16 67 6c 6d 14 19 11 6f 17'),
};

const electronConnect: NativeConnectFrame = {
  type: 'CONNECT',
  header: header(2),
  keepAliveSeconds: 10,
  clientId: 'RongCloud',
  appKey: 'parleyappkey',
  token: 'tok-alice@',
  platform: 'desktop',
  isReconnect: false,
  refuseIfTaken: false,
  willTopic: 'RongIMPCClient',
  willMessage: 'PC--5.46.1',
  sdkVersion: '5.46.1',
};

describe('the captured dumps, both ways', () => {
  const clientCases: [string, Uint8Array, NativeClientFrame][] = [
    ['CONNECT', dumps.connect, electronConnect],
    ['DISCONNECT 4', dumps.clientDisconnect, { type: 'DISCONNECT', header: header(), status: 4 }],
    ['PINGREQ', dumps.pingReq, { type: 'PINGREQ', header: header() }],
    [
      'PUBLISH ppMsgP (captured)',
      captured.publish,
      { type: 'PUBLISH', header: header(1), topic: 'ppMsgP', targetId: 'bob', messageId: 8, payload: captured.publishPayload },
    ],
    [
      'QUERY pullMsg (captured)',
      captured.pullMsg,
      { type: 'QUERY', header: header(1), topic: 'pullMsg', targetId: '', messageId: 5, payload: hex('08 00 10 00 20 01 38 01 48 01') },
    ],
  ];
  const serverCases: [string, Uint8Array, NativeServerFrame][] = [
    [
      'CONNACK accepted',
      dumps.connAckAccepted,
      { type: 'CONNACK', header: header(), status: 0, session: { userId: 'alice', sessionId: 'sess-1', timestamp: 1_796_230_743_334 } },
    ],
    ['CONNACK refused, status 4', dumps.connAckRefused, { type: 'CONNACK', header: header(), status: 4 }],
    ['DISCONNECT 1', dumps.serverDisconnect, { type: 'DISCONNECT', header: header(), status: 1 }],
    ['PINGRESP', dumps.pingResp, { type: 'PINGRESP', header: header() }],
    [
      'PUBACK',
      dumps.pubAck,
      { type: 'PUBACK', header: header(), messageId: 6, date: 1_796_230_744, status: 0, millis: 647, messageUId: 'MUID-6' },
    ],
    [
      's_ntf PUBLISH',
      dumps.notify,
      {
        type: 'PUBLISH',
        header: header(),
        date: 1_796_230_814,
        topic: 's_ntf',
        targetId: 'alice',
        messageId: 0,
        payload: hex('08 01 10 d0 b5 cc bd a3 34'),
      },
    ],
  ];

  it.each(clientCases)('client %s', (_name, wire, frame) => {
    expect(decodeNativeClientFrame(wire)).toEqual(frame);
    expect(encodeNativeClientFrame(frame)).toEqual(wire);
  });

  it.each(serverCases)('server %s', (_name, wire, frame) => {
    expect(decodeNativeServerFrame(wire)).toEqual(frame);
    expect(encodeNativeServerFrame(frame)).toEqual(wire);
  });

  it('reads the s_ntf payload as the NotifyMsg the stack acted on', () => {
    const frame = decodeNativeServerFrame(dumps.notify);
    expect(frame.type === 'PUBLISH' && decodePayload('NotifyMsg', frame.payload)).toMatchObject({ type: 1 });
  });

  it('signs a QUERY as the stack signed its qAppBot query', () => {
    const wire = encodeNativeClientFrame({
      type: 'QUERY',
      header: { qos: 1 },
      topic: 'qAppBot',
      targetId: '',
      messageId: 1,
      payload: new Uint8Array(),
    });
    expect(wire.subarray(0, 3)).toEqual(hex('52 47 15'));
    const withSignature = fromNativeWire(wire, () => false);
    expect(withSignature).toEqual(bytes(0x52, [0xcf, 0xce, 0x49, 0x4e, 0xc5, 0x73, 0x0b, 0x55], str('qAppBot'), [0, 0], [0, 1]));
    expect(decodeNativeClientFrame(wire)).toEqual({
      type: 'QUERY',
      header: header(1),
      topic: 'qAppBot',
      targetId: '',
      messageId: 1,
      payload: new Uint8Array(),
    });
  });

  it('starts a ppMsgP PUBLISH with its signature, topic and target as the stack did', () => {
    const wire = encodeNativeClientFrame({
      type: 'PUBLISH',
      header: { qos: 1 },
      topic: 'ppMsgP',
      targetId: 'bob',
      messageId: 6,
      payload: new Uint8Array(0x57 - 8 - 8 - 5 - 2),
    });
    // The signature differs (the payload is not the captured one); everything after it is the same.
    expect(wire.subarray(0, 3)).toEqual(dumps.publishStart.subarray(0, 3));
    expect(wire.subarray(11, 16)).toEqual(dumps.publishStart.subarray(11, 16));
  });

  it('writes the long CONNECT and the two-byte QUERYACK heads that were seen', () => {
    const longConnect = encodeNativeClientFrame({ ...electronConnect, token: 't'.repeat(10 + 195) });
    expect(longConnect.length).toBe(276);
    expect(longConnect.subarray(0, 4)).toEqual(hex('14 86 90 02'));
    const queryAck = encodeNativeServerFrame({ type: 'QUERYACK', messageId: 2, date: 0, status: 0, payload: new Uint8Array(143) });
    expect(queryAck.subarray(0, 4)).toEqual(hex('60 f6 97 01'));
  });
});

describe('round trips', () => {
  const payload = new Uint8Array(2000).map((_, index) => (index * 7) % 256);
  const clientFrames: NativeClientFrame[] = [
    { ...electronConnect, isReconnect: true, refuseIfTaken: true, baggage: 'baggage:cid=abc', profileDigest: '@AAAA' },
    { type: 'PUBLISH', header: header(1), topic: 'ppMsgP', targetId: '用户', messageId: 65535, payload },
    { type: 'PUBACK', header: header(), messageId: 3 },
    { type: 'QUERY', header: header(1), topic: 'pullMsg', targetId: 'alice', messageId: 2, payload: hex('08 00') },
    { type: 'QUERYCON', header: header(), messageId: 2 },
  ];
  const serverFrames: NativeServerFrame[] = [
    { type: 'PUBLISH', header: { dup: true, qos: 1, retain: false }, date: 1, topic: 'pgMsgP', targetId: 'g', messageId: 9, payload },
    { type: 'QUERYACK', header: header(1), messageId: 2, date: 1_700_000_000, status: 0, payload },
    { type: 'QUERYACK', header: header(), messageId: 3, date: 1_700_000_000, status: 20606, payload: new Uint8Array() },
  ];

  it.each(clientFrames.map((frame) => [frame.type, frame] as const))('client %s', (_type, frame) => {
    expect(decodeNativeClientFrame(encodeNativeClientFrame(frame))).toEqual(frame);
  });

  it.each(serverFrames.map((frame) => [frame.type, frame] as const))('server %s', (_type, frame) => {
    expect(decodeNativeServerFrame(encodeNativeServerFrame(frame))).toEqual(frame);
  });

  it('signs exactly the client PUBLISH and QUERY and the server PUBLISH', () => {
    const bodyLength = (wire: Uint8Array) => fromNativeWire(wire, () => false).length - 1;
    expect(bodyLength(encodeNativeClientFrame({ type: 'PUBACK', messageId: 1 }))).toBe(2);
    expect(bodyLength(encodeNativeClientFrame({ type: 'QUERYCON', messageId: 1 }))).toBe(2);
    expect(bodyLength(encodeNativeClientFrame({ type: 'QUERY', topic: 't', targetId: '', messageId: 1, payload: new Uint8Array() }))).toBe(
      8 + 3 + 2 + 2,
    );
    expect(bodyLength(encodeNativeServerFrame({ type: 'PUBLISH', date: 0, topic: 't', targetId: '', messageId: 1, payload: new Uint8Array() }))).toBe(
      8 + 4 + 3 + 2 + 2,
    );
    expect(bodyLength(encodeNativeServerFrame({ type: 'PUBACK', messageId: 1, date: 0, status: 0, millis: 0, messageUId: '' }))).toBe(12);
  });
});

describe('the native CONNECT', () => {
  /** A CONNECT body after the fixed header, with the stack's field order. */
  const connect = (flags: number, ...trailing: string[]) =>
    encodeRaw(
      bytes(0x14, str('RCloud'), 3, flags, [10, 0], str('dev'), str('RongIMPCClient'), str('PC--5.46.1'), str('k'), str('t@'), ...trailing.map(str)),
    );
  // Wraps a hand-made plain frame in the TCP layout, to reach what the encoder refuses to write.
  const encodeRaw = (plain: Uint8Array): Uint8Array => {
    const length = plain.length - 1;
    const lengthBytes = length < 128 ? [length] : [(length & 0x7f) | 0x80, length >> 7];
    const wire = bytes(plain[0] as number, lengthBytes.reduce((check, byte) => check ^ byte, plain[0] as number), lengthBytes);
    const body = plain.subarray(1).map((byte, index) => byte ^ ([0x6c, 0x4d, 0x15, 0x21, 0x10, 0x27, 0x16, 0x77][index % 8] as number));
    return bytes([...wire], [...body]);
  };

  it('reads flag 0x02 as a reconnect that asks to be refused rather than kick', () => {
    expect(decodeNativeClientFrame(connect(0xc4))).toMatchObject({ isReconnect: false, refuseIfTaken: false });
    expect(decodeNativeClientFrame(connect(0xc6))).toMatchObject({ isReconnect: true, refuseIfTaken: true });
  });

  it('reads the keepalive little-endian, as the stack writes it', () => {
    const frame = bytes(0x10, str('RCloud'), 3, 0xc4, [0x2c, 0x01], str(''), str(''), str(''), str('k'), str('t'));
    expect(decodeNativeClientFrame(encodeRaw(frame))).toMatchObject({ keepAliveSeconds: 300, clientId: '' });
  });

  it('reads the baggage (flag 0x01) and the profile digest (flag 0x20) after the token, in that order', () => {
    expect(decodeNativeClientFrame(connect(0xc5, 'baggage:cid=abc'))).toMatchObject({ baggage: 'baggage:cid=abc' });
    expect(decodeNativeClientFrame(connect(0xe4, '@digest'))).toMatchObject({ profileDigest: '@digest' });
    const both = decodeNativeClientFrame(connect(0xe7, 'baggage:cid=abc', '@digest'));
    expect(both).toMatchObject({ baggage: 'baggage:cid=abc', profileDigest: '@digest', isReconnect: true });
    expect(decodeNativeClientFrame(connect(0xc4))).not.toHaveProperty('baggage');
  });

  it('takes the device class and SDK version from the will message', () => {
    const withWill = (willMessage: string) =>
      decodeNativeClientFrame(
        encodeRaw(bytes(0x14, str('RCloud'), 3, 0xc4, [10, 0], str('d'), str('w'), str(willMessage), str('k'), str('t'))),
      );
    expect(withWill('PC--5.46.1')).toMatchObject({ platform: 'desktop', sdkVersion: '5.46.1' });
    expect(withWill('PC-|quic-5.46.1')).toMatchObject({ platform: 'desktop', sdkVersion: '5.46.1' });
    expect(withWill('Android-Pixel-7-5.10.0')).toMatchObject({ platform: 'mobile', sdkVersion: '5.10.0' });
    expect(withWill('iOS--5.8.2')).toMatchObject({ platform: 'mobile', sdkVersion: '5.8.2' });
    expect(withWill('PC')).toMatchObject({ platform: 'desktop', sdkVersion: '' });
    expect(withWill('')).toMatchObject({ platform: 'mobile', sdkVersion: '' });
  });

  it('rejects another protocol, flags it cannot read, and missing or extra bytes', () => {
    expect(reasonOf(() => decodeNativeClientFrame(connect(0xc4)))).toBe('no error');
    const otherVersion = encodeRaw(bytes(0x14, str('RCloud'), 4, 0xc4, [10, 0], str('d'), str('w'), str('m'), str('k'), str('t')));
    expect(reasonOf(() => decodeNativeClientFrame(otherVersion))).toBe('unsupported-protocol');
    const mqtt = encodeRaw(bytes(0x10, str('MQTT'), 3, 0xc4, [10, 0], str('d'), str('w'), str('m'), str('k'), str('t')));
    expect(reasonOf(() => decodeNativeClientFrame(mqtt))).toBe('unsupported-protocol');
    for (const flags of [0x84, 0x44, 0xc0, 0xc2, 0xcc, 0xd4]) {
      expect(reasonOf(() => decodeNativeClientFrame(connect(flags)))).toBe('invalid-connect-flags');
    }
    expect(reasonOf(() => decodeNativeClientFrame(connect(0xc5)))).toBe('truncated');
    expect(reasonOf(() => decodeNativeClientFrame(connect(0xc4, 'extra')))).toBe('trailing-bytes');
  });

  it('refuses to encode what the frame cannot say', () => {
    expect(() => encodeNativeClientFrame({ ...electronConnect, platform: 'mobile' })).toThrow(FrameEncodeError);
    expect(() => encodeNativeClientFrame({ ...electronConnect, sdkVersion: '5.0.0' })).toThrow(/sdkVersion/);
    expect(() => encodeNativeClientFrame({ ...electronConnect, isReconnect: true })).toThrow(/refuseIfTaken/);
    expect(() => encodeNativeClientFrame({ ...electronConnect, keepAliveSeconds: 65_536 })).toThrow(/keepAliveSeconds/);
    expect(() => encodeNativeClientFrame({ ...electronConnect, willMessage: undefined as unknown as string })).toThrow(FrameEncodeError);
    expect(() => encodeNativeClientFrame({ ...electronConnect, token: 7 as unknown as string })).toThrow(/token/);
  });
});

describe('malformed frames', () => {
  it('rejects a client frame type a server sends, and the reverse', () => {
    expect(reasonOf(() => decodeNativeClientFrame(dumps.connAckRefused))).toBe('unknown-type');
    expect(reasonOf(() => decodeNativeServerFrame(dumps.pingReq))).toBe('unknown-type');
    expect(reasonOf(() => decodeNativeServerFrame(dumps.connect))).toBe('unknown-type');
  });

  it('rejects a PUBLISH whose signature does not match, in either direction', () => {
    const tampered = new Uint8Array(dumps.notify);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 0x40;
    expect(reasonOf(() => decodeNativeServerFrame(tampered))).toBe('bad-signature');
    const query = encodeNativeClientFrame({ type: 'QUERY', topic: 'pullMsg', targetId: 'a', messageId: 1, payload: hex('08 00') });
    query[5] = (query[5] as number) ^ 0x01;
    expect(reasonOf(() => decodeNativeClientFrame(query))).toBe('bad-signature');
  });

  it('rejects every truncation and any extra byte', () => {
    for (const wire of Object.values(dumps).filter((dump) => dump !== dumps.publishStart)) {
      for (let length = 0; length < wire.length; length += 1) {
        expect(reasonOf(() => decodeNativeClientFrame(wire.subarray(0, length)))).toMatch(/^(empty|truncated)$/);
        expect(reasonOf(() => decodeNativeServerFrame(wire.subarray(0, length)))).toMatch(/^(empty|truncated)$/);
      }
      expect(reasonOf(() => decodeNativeServerFrame(bytes([...wire], 0)))).toBe('trailing-bytes');
    }
  });
});
