import { describe, expect, it } from 'vitest';
import { PAYLOAD_NAMES, PayloadDecodeError, decodePayload, encodePayload } from './proto/payload.js';
import type { DownStreamMessage, PayloadName } from './proto/messages.js';
import { decodeClientFrame, decodeServerFrame, encodeClientFrame, encodeServerFrame } from './rmtp/codec.js';
import { FrameDecodeError } from './rmtp/errors.js';
import type { ClientFrame, ServerFrame } from './rmtp/frames.js';
import type { NativeConnectFrame } from './native/connect-frame.js';
import { NativeDeframer, fromNativeWire, toNativeWire } from './native/framing.js';
import {
  decodeNativeClientFrame,
  decodeNativeServerFrame,
  encodeNativeClientFrame,
  encodeNativeServerFrame,
  type NativeClientFrame,
  type NativeServerFrame,
} from './native/native-codec.js';

// A call that takes longer than this on inputs of a few KiB would mean a decoder loops or backtracks.
// Far above any real call: under a loaded test run a GC pause alone can take a few hundred ms.
const SLOW_CALL_MS = 1000;

/** mulberry32: a tiny seeded PRNG, so any failure reproduces exactly. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const random = seededRandom(0x9a41e7);
const randomInt = (below: number): number => Math.floor(random() * below);
const pick = <T>(items: readonly T[]): T => items[randomInt(items.length)] as T;

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index += 1) bytes[index] = randomInt(256);
  return bytes;
}

function flipBits(input: Uint8Array): Uint8Array {
  const output = new Uint8Array(input);
  const flips = 1 + randomInt(4);
  for (let flip = 0; flip < flips && output.length > 0; flip += 1) {
    const index = randomInt(output.length);
    output[index] = (output[index] ?? 0) ^ (1 << randomInt(8));
  }
  return output;
}

function truncations(input: Uint8Array): Uint8Array[] {
  return Array.from({ length: input.length }, (_, length) => input.subarray(0, length));
}

let slowest = 0;

/** Runs `call`; the only acceptable failure is an instance of `allowed`. */
function expectOnly(allowed: new (...args: never[]) => Error, call: () => unknown): unknown {
  const started = performance.now();
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    if (!(error instanceof allowed)) throw error;
  }
  slowest = Math.max(slowest, performance.now() - started);
  return result;
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && left.every((byte, index) => byte === right[index]);
}

// Whatever a decoder accepts must survive a trip through the encoder unchanged.
function fuzzClientDecoder(input: Uint8Array): void {
  const frame = expectOnly(FrameDecodeError, () => decodeClientFrame(input)) as ClientFrame | undefined;
  if (!frame) return;
  const encoded = encodeClientFrame(frame);
  if (!sameBytes(encodeClientFrame(decodeClientFrame(encoded)), encoded)) expect.fail(`unstable: ${String(input)}`);
}

function fuzzServerDecoder(input: Uint8Array): void {
  const frame = expectOnly(FrameDecodeError, () => decodeServerFrame(input)) as ServerFrame | undefined;
  if (!frame) return;
  const encoded = encodeServerFrame(frame);
  if (!sameBytes(encodeServerFrame(decodeServerFrame(encoded)), encoded)) expect.fail(`unstable: ${String(input)}`);
}

function fuzzNativeClientDecoder(input: Uint8Array): void {
  const frame = expectOnly(FrameDecodeError, () => decodeNativeClientFrame(input)) as NativeClientFrame | undefined;
  if (!frame) return;
  const encoded = encodeNativeClientFrame(frame);
  if (!sameBytes(encodeNativeClientFrame(decodeNativeClientFrame(encoded)), encoded)) expect.fail(`unstable: ${String(input)}`);
}

function fuzzNativeServerDecoder(input: Uint8Array): void {
  const frame = expectOnly(FrameDecodeError, () => decodeNativeServerFrame(input)) as NativeServerFrame | undefined;
  if (!frame) return;
  const encoded = encodeNativeServerFrame(frame);
  if (!sameBytes(encodeNativeServerFrame(decodeNativeServerFrame(encoded)), encoded)) expect.fail(`unstable: ${String(input)}`);
}

/**
 * Feeds `stream` to a deframer in random chunks and decodes whatever it yields. Each frame takes at
 * least 3 bytes, so more frames than bytes would mean a loop that does not consume its input.
 */
function fuzzDeframer(stream: Uint8Array, maxFrameBytes: number): void {
  const deframer = new NativeDeframer({ maxFrameBytes });
  let frames = 0;
  try {
    for (let offset = 0; offset < stream.length; ) {
      const size = 1 + randomInt(random() < 0.5 ? 8 : 512);
      deframer.push(stream.subarray(offset, offset + size));
      offset += size;
      for (let frame = deframer.read(); frame; frame = deframer.read()) {
        frames += 1;
        if (frames > stream.length) expect.fail('the deframer yields frames without consuming bytes');
        fuzzNativeClientDecoder(frame);
        fuzzNativeServerDecoder(frame);
      }
    }
  } catch (error) {
    if (!(error instanceof FrameDecodeError)) throw error;
  }
}

function fuzzPayloadDecoder(name: PayloadName, input: Uint8Array): void {
  expectOnly(PayloadDecodeError, () => decodePayload(name, input));
}

const message: DownStreamMessage = {
  fromUserId: 'alice',
  type: 3,
  groupId: 'g1',
  classname: 'RC:TxtMsg',
  content: '{"content":"hello"}',
  dataTime: 1_712_345_678_901,
  status: 48,
  msgId: 'C3L9-8H2K-0QJA-1234',
  direction: 2,
  toUserIds: ['bob'],
  pushExt: { title: 't' },
};

const samplePayloads: [PayloadName, Uint8Array][] = [
  ['DownStreamMessages', encodePayload('DownStreamMessages', { list: [message, message], syncTime: 1, finished: true })],
  ['HistoryMsgOuput', encodePayload('HistoryMsgOuput', { list: [message], syncTime: 1, hasMsg: 1 })],
  ['RelationsOutput', encodePayload('RelationsOutput', { info: [{ type: 3, userId: 'g1', msg: message }] })],
  ['UpStreamMessage', encodePayload('UpStreamMessage', { sessionId: 3, classname: 'RC:TxtMsg', content: '{}', clientUniqueId: '5' })],
  ['SyncRequestMsg', encodePayload('SyncRequestMsg', { syncTime: 1_712_345_678_901, ispolling: false, isPullSend: true })],
  [
    'PullUserSettingOutput',
    encodePayload('PullUserSettingOutput', {
      items: [{ targetId: 't', type: 1, key: 'k', value: new Uint8Array([1, 2]), version: 3, status: 1, tags: [{ tagId: 'x' }] }],
      version: 3,
    }),
  ],
  ['SessionStates', encodePayload('SessionStates', { version: 2, state: [{ type: 1, channelId: 'c', stateItem: [{ sessionStateType: 2, value: '1' }] }] })],
  ['SessionsOutput', encodePayload('SessionsOutput', { session: [{ targetId: 'a', unread: { cnt: 2, firstUnreadMsg: { msgId: 'u', msgTime: 1 } } }] })],
];

const payload = samplePayloads[0]?.[1] ?? new Uint8Array();

const sampleClientFrames = [
  encodeClientFrame({ type: 'CONNECT', keepAliveSeconds: 15, clientId: 'device', appKey: 'appkey', token: 'tok@', platform: 'web', isReconnect: false, refuseIfTaken: false }),
  encodeClientFrame({ type: 'PUBLISH', header: { qos: 1 }, topic: 'ppMsgP', targetId: 'bob', messageId: 1, payload }),
  encodeClientFrame({ type: 'PUBACK', messageId: 3 }),
  encodeClientFrame({ type: 'QUERY', topic: 'pullMsg', targetId: 'alice', messageId: 2, payload }),
  encodeClientFrame({ type: 'QUERYCON', messageId: 2 }),
  encodeClientFrame({ type: 'PINGREQ' }),
  encodeClientFrame({ type: 'DISCONNECT', status: 4 }),
];

const sampleServerFrames = [
  encodeServerFrame({ type: 'CONNACK', status: 0, session: { userId: 'alice', sessionId: 'sess', timestamp: 1_712_345_678_901 } }),
  encodeServerFrame({ type: 'CONNACK', status: 4 }),
  encodeServerFrame({ type: 'PUBLISH', header: { dup: true }, date: 1_712_345_678, topic: 'pgMsgP', targetId: 'g1', messageId: 40000, payload }),
  encodeServerFrame({ type: 'PUBACK', messageId: 1, date: 1_712_345_678, status: 0, millis: 901, messageUId: 'C3L9-8H2K-0QJA-1234' }),
  encodeServerFrame({ type: 'QUERYACK', header: { qos: 1 }, messageId: 2, date: 1_712_345_678, status: 0, payload }),
  encodeServerFrame({ type: 'PINGRESP' }),
  encodeServerFrame({ type: 'DISCONNECT', status: 1 }),
];

const allFrames = [...sampleClientFrames, ...sampleServerFrames];

const nativeConnect: NativeConnectFrame = {
  type: 'CONNECT',
  header: { dup: false, qos: 2, retain: false },
  keepAliveSeconds: 10,
  clientId: 'RongCloud',
  appKey: 'parleyappkey',
  token: 'tok-alice@',
  platform: 'desktop',
  isReconnect: true,
  refuseIfTaken: true,
  willTopic: 'RongIMPCClient',
  willMessage: 'PC--5.46.1',
  sdkVersion: '5.46.1',
  baggage: 'baggage:cid=1',
};

const sampleNativeFrames = [
  encodeNativeClientFrame(nativeConnect),
  encodeNativeClientFrame({ type: 'PUBLISH', header: { qos: 1 }, topic: 'ppMsgP', targetId: 'bob', messageId: 1, payload }),
  encodeNativeClientFrame({ type: 'QUERY', header: { qos: 1 }, topic: 'pullMsg', targetId: 'alice', messageId: 2, payload }),
  encodeNativeClientFrame({ type: 'PUBACK', messageId: 3 }),
  encodeNativeClientFrame({ type: 'PINGREQ' }),
  encodeNativeServerFrame({ type: 'CONNACK', status: 0, session: { userId: 'alice', sessionId: 'sess', timestamp: 1_712_345_678_901 } }),
  encodeNativeServerFrame({ type: 'PUBLISH', date: 1_712_345_678, topic: 's_ntf', targetId: 'alice', messageId: 0, payload }),
  encodeNativeServerFrame({ type: 'PUBACK', messageId: 1, date: 1_712_345_678, status: 0, millis: 901, messageUId: 'C3L9-8H2K-0QJA-1234' }),
  encodeNativeServerFrame({ type: 'QUERYACK', header: { qos: 1 }, messageId: 2, date: 1_712_345_678, status: 0, payload }),
  encodeNativeServerFrame({ type: 'DISCONNECT', status: 1 }),
];
const nativeFirstBytes = sampleNativeFrames.map((frame) => frame[0] ?? 0);
const isSignedType = (type: number): boolean => type === 3 || type === 5;
// The samples in their WebSocket layout, signatures dropped.
const nativePlainFrames = sampleNativeFrames.map((frame) => fromNativeWire(frame, isSignedType));

/**
 * Noise in a valid envelope, mostly under a valid signature, so that the field parsers see it:
 * damaged samples half the time, random bytes otherwise.
 */
function randomNativeFrame(): Uint8Array {
  let plain: Uint8Array;
  if (random() < 0.5) {
    plain = flipBits(pick(nativePlainFrames));
  } else {
    plain = randomBytes(1 + (random() < 0.9 ? randomInt(64) : randomInt(2048)));
    plain[0] = random() < 0.8 ? pick(nativeFirstBytes) : randomInt(256);
  }
  return toNativeWire(plain, random() < 0.9 ? isSignedType((plain[0] ?? 0) >> 4) : random() < 0.5);
}

function concatenate(parts: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((offset, part) => {
    whole.set(part, offset);
    return offset + part.length;
  }, 0);
  return whole;
}
const firstBytes = allFrames.map((frame) => frame[0] ?? 0);

describe('fuzzing the decoders', () => {
  it('warms up the protobuf decoders so code generation is not timed', () => {
    for (const name of PAYLOAD_NAMES) expectOnly(PayloadDecodeError, () => decodePayload(name, new Uint8Array()));
    slowest = 0;
  });

  it('survives random buffers', () => {
    for (let round = 0; round < 10_000; round += 1) {
      const length = random() < 0.95 ? randomInt(64) : randomInt(4096);
      const input = randomBytes(length);
      // Half the time start with a real header byte, so the body parsers see the noise too.
      if (input.length > 0 && random() < 0.5) input[0] = pick(firstBytes);
      fuzzClientDecoder(input);
      fuzzServerDecoder(input);
      fuzzPayloadDecoder(pick(PAYLOAD_NAMES), input);
    }
  });

  it('survives every truncation of valid frames and payloads', () => {
    for (const frame of allFrames) {
      for (const input of truncations(frame)) {
        fuzzClientDecoder(input);
        fuzzServerDecoder(input);
      }
    }
    for (const [name, bytes] of samplePayloads) {
      for (const input of truncations(bytes)) fuzzPayloadDecoder(name, input);
    }
  });

  it('survives bit flips in valid frames and payloads', () => {
    for (const frame of allFrames) {
      for (let round = 0; round < 500; round += 1) {
        const input = flipBits(frame);
        fuzzClientDecoder(input);
        fuzzServerDecoder(input);
      }
    }
    for (const [name, bytes] of samplePayloads) {
      for (let round = 0; round < 500; round += 1) fuzzPayloadDecoder(name, flipBits(bytes));
    }
  });

  it('never took long over a single call', () => {
    expect(slowest).toBeLessThan(SLOW_CALL_MS);
  });
});

describe('fuzzing the native (TCP) codec', () => {
  it('survives random buffers', () => {
    for (let round = 0; round < 5_000; round += 1) {
      const input = randomBytes(random() < 0.95 ? randomInt(64) : randomInt(4096));
      if (input.length > 0 && random() < 0.5) input[0] = pick(nativeFirstBytes);
      fuzzNativeClientDecoder(input);
      fuzzNativeServerDecoder(input);
    }
  });

  it('survives random bodies in valid envelopes', () => {
    for (let round = 0; round < 5_000; round += 1) {
      const input = randomNativeFrame();
      fuzzNativeClientDecoder(input);
      fuzzNativeServerDecoder(input);
    }
  });

  it('survives every truncation and bit flips of valid frames', () => {
    for (const frame of sampleNativeFrames) {
      for (const input of truncations(frame)) {
        fuzzNativeClientDecoder(input);
        fuzzNativeServerDecoder(input);
      }
      for (let round = 0; round < 500; round += 1) {
        const input = flipBits(frame);
        fuzzNativeClientDecoder(input);
        fuzzNativeServerDecoder(input);
      }
    }
  });

  it('deframes random, damaged and oversized streams without a crash or a hang', () => {
    for (let round = 0; round < 300; round += 1) {
      const frames = Array.from({ length: 1 + randomInt(20) }, () => (random() < 0.5 ? pick(sampleNativeFrames) : randomNativeFrame()));
      const stream = concatenate(frames);
      fuzzDeframer(stream, 1 << 20);
      fuzzDeframer(flipBits(stream), 1 << 20);
      // Small limits make some of the valid frames oversized.
      fuzzDeframer(stream, 3 + randomInt(512));
      fuzzDeframer(randomBytes(randomInt(4096)), 1 << 20);
    }
  });

  it('never took long over a single call', () => {
    expect(slowest).toBeLessThan(SLOW_CALL_MS);
  });
});
