import { describe, expect, it } from 'vitest';
import { FrameDecodeError, type FrameDecodeErrorReason } from '../rmtp/errors.js';
import { DEFAULT_MAX_NATIVE_FRAME_BYTES, NativeDeframer, fromNativeWire, toNativeWire } from './framing.js';

const hex = (text: string): Uint8Array => Uint8Array.from(text.trim().split(/\s+/), (byte) => parseInt(byte, 16));
const unsigned = (): boolean => false;
const signedTypeThree = (type: number): boolean => type === 3;

function reasonOf(call: () => unknown): FrameDecodeErrorReason | 'no error' {
  try {
    call();
    return 'no error';
  } catch (error) {
    expect(error).toBeInstanceOf(FrameDecodeError);
    return (error as FrameDecodeError).reason;
  }
}

/** Everything the deframer yields for the stream cut into `pieces`, reading after each push. */
function deframe(pieces: Uint8Array[], deframer = new NativeDeframer()): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (const piece of pieces) {
    deframer.push(piece);
    for (let frame = deframer.read(); frame; frame = deframer.read()) frames.push(frame);
  }
  return frames;
}

// toEqual walks megabyte arrays element by element; this does not.
const sameBytes = (left: Uint8Array, right: Uint8Array): boolean => Buffer.compare(left, right) === 0;

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const whole = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
};

describe('the TCP frame layout', () => {
  it('writes header, check byte, MQTT remaining length and the XORed body', () => {
    expect(toNativeWire(hex('20 00 04'), false)).toEqual(hex('20 22 02 6c 49'));
    expect(toNativeWire(hex('c0'), false)).toEqual(hex('c0 c0 00'));
    expect(toNativeWire(hex('d0'), false)).toEqual(hex('d0 d0 00'));
  });

  it('encodes the length in as few 7-bit groups as it needs, and the check byte covers all of them', () => {
    const cases: [number, string][] = [
      [0, '00'],
      [127, '7f'],
      [128, '80 01'],
      [151, '97 01'],
      [272, '90 02'],
      [16_383, 'ff 7f'],
      [16_384, '80 80 01'],
      [2_097_151, 'ff ff 7f'],
      [2_097_152, '80 80 80 01'],
    ];
    for (const [length, lengthBytes] of cases) {
      const frame = new Uint8Array(1 + length);
      frame[0] = 0x60;
      const wire = toNativeWire(frame, false);
      const expectedLength = hex(lengthBytes);
      expect(wire.subarray(2, 2 + expectedLength.length)).toEqual(expectedLength);
      expect(wire[1]).toBe(expectedLength.reduce((check, byte) => check ^ byte, 0x60));
      expect(wire.length).toBe(2 + expectedLength.length + length);
      expect(sameBytes(fromNativeWire(wire, unsigned), frame)).toBe(true);
    }
  });

  it('restarts the key at every body and hides the signature with it', () => {
    const body = hex('01 02 03 04 05 06 07 08 09 0a');
    const wire = toNativeWire(concat(hex('30'), body), true);
    expect(wire.subarray(0, 3)).toEqual(hex('30 22 12'));
    expect(fromNativeWire(wire, signedTypeThree)).toEqual(concat(hex('30'), body));
    expect(fromNativeWire(wire, unsigned).length).toBe(1 + 8 + body.length);
  });

  it('rejects anything but exactly one intact frame', () => {
    const good = toNativeWire(hex('30 00 01 61'), true);
    expect(reasonOf(() => fromNativeWire(new Uint8Array(), unsigned))).toBe('empty');
    expect(reasonOf(() => fromNativeWire(hex('20'), unsigned))).toBe('truncated');
    expect(reasonOf(() => fromNativeWire(hex('20 22'), unsigned))).toBe('truncated');
    expect(reasonOf(() => fromNativeWire(hex('20 a2 82'), unsigned))).toBe('truncated');
    expect(reasonOf(() => fromNativeWire(hex('20 22 02 6c'), unsigned))).toBe('truncated');
    expect(reasonOf(() => fromNativeWire(hex('20 22 02 6c 49 00'), unsigned))).toBe('trailing-bytes');
    expect(reasonOf(() => fromNativeWire(hex('20 23 02 6c 49'), unsigned))).toBe('bad-check-byte');
    expect(reasonOf(() => fromNativeWire(hex('20 a0 80 00'), unsigned))).toBe('invalid-length');
    expect(reasonOf(() => fromNativeWire(hex('20 5f ff ff ff ff 01'), unsigned))).toBe('invalid-length');
    expect(reasonOf(() => fromNativeWire(good, signedTypeThree))).toBe('no error');
    for (const index of [3, 10, good.length - 1]) {
      const tampered = new Uint8Array(good);
      tampered[index] = (tampered[index] as number) ^ 0x01;
      expect(reasonOf(() => fromNativeWire(tampered, signedTypeThree))).toBe('bad-signature');
    }
    expect(reasonOf(() => fromNativeWire(toNativeWire(hex('30 00 01'), false), signedTypeThree))).toBe('truncated');
  });
});

describe('NativeDeframer', () => {
  const frames = [
    hex('20 22 02 6c 49'),
    hex('c0 c0 00'),
    toNativeWire(concat(hex('32'), new Uint8Array(300).map((_, index) => index)), true),
    hex('e0 e2 02 6c 4c'),
    toNativeWire(hex('60 00 01'), false),
  ];
  const stream = concat(...frames);

  it('yields each whole frame, whatever the chunking', () => {
    expect(deframe([stream])).toEqual(frames);
    expect(deframe(Array.from(stream, (byte) => Uint8Array.of(byte)))).toEqual(frames);
    for (let cut = 0; cut <= stream.length; cut += 1) {
      expect(deframe([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(frames);
    }
  });

  it('yields nothing until a frame is whole, then the frame once', () => {
    const deframer = new NativeDeframer();
    deframer.push(hex('20 22 02'));
    expect(deframer.read()).toBeUndefined();
    deframer.push(new Uint8Array());
    deframer.push(hex('6c'));
    expect(deframer.read()).toBeUndefined();
    deframer.push(hex('49 c0'));
    expect(deframer.read()).toEqual(hex('20 22 02 6c 49'));
    expect(deframer.read()).toBeUndefined();
  });

  it('returns frames that do not share memory with the pushed chunks', () => {
    const chunk = hex('20 22 02 6c 49');
    const deframer = new NativeDeframer();
    deframer.push(chunk);
    const frame = deframer.read();
    chunk.fill(0);
    expect(frame).toEqual(hex('20 22 02 6c 49'));
  });

  it('refuses a frame over the limit from its head, before its body arrives', () => {
    const limit = 64;
    const atLimit = toNativeWire(new Uint8Array(limit - 2).fill(0x60), false);
    expect(atLimit.length).toBe(limit);
    expect(deframe([atLimit], new NativeDeframer({ maxFrameBytes: limit }))).toEqual([atLimit]);

    const overLimit = toNativeWire(new Uint8Array(limit - 1).fill(0x60), false);
    const deframer = new NativeDeframer({ maxFrameBytes: limit });
    deframer.push(overLimit.subarray(0, 3));
    expect(reasonOf(() => deframer.read())).toBe('frame-too-large');

    const huge = new NativeDeframer();
    huge.push(hex('60 e0 ff ff ff 7f'));
    expect(reasonOf(() => huge.read())).toBe('frame-too-large');
    expect(DEFAULT_MAX_NATIVE_FRAME_BYTES).toBe(256 * 1024);
  });

  it('takes a new limit from the next frame on', () => {
    const frame = toNativeWire(new Uint8Array(100).fill(0x60), false);
    const deframer = new NativeDeframer({ maxFrameBytes: 64 });
    deframer.setMaxFrameBytes(128);
    expect(deframe([frame], deframer)).toHaveLength(1);
    deframer.setMaxFrameBytes(64);
    deframer.push(frame);
    expect(reasonOf(() => deframer.read())).toBe('frame-too-large');
  });

  it('makes a frame only once all of it has arrived, however much its head announced', () => {
    const frame = toNativeWire(new Uint8Array(200_000).fill(0x60), false);
    const deframer = new NativeDeframer();
    const made: number[] = [];
    const real = globalThis.Uint8Array;
    // Counts the large buffers the deframer makes while only the head and a little body are in.
    globalThis.Uint8Array = new Proxy(real, {
      construct(target, args: [number]) {
        if (typeof args[0] === 'number' && args[0] > 1000) made.push(args[0]);
        return Reflect.construct(target, args);
      },
    });
    try {
      deframer.push(frame.subarray(0, 1000));
      expect(deframer.read()).toBeUndefined();
      expect(made).toEqual([]);
    } finally {
      globalThis.Uint8Array = real;
    }
    deframer.push(frame.subarray(1000));
    expect(sameBytes(deframer.read()!, frame)).toBe(true);
  });

  it('fails on a bad check byte or a malformed length, and stays failed', () => {
    const checked = new NativeDeframer();
    checked.push(concat(hex('c0 c0 00'), hex('20 23 02 6c 49'), hex('c0 c0 00')));
    expect(checked.read()).toEqual(hex('c0 c0 00'));
    expect(reasonOf(() => checked.read())).toBe('bad-check-byte');
    expect(reasonOf(() => checked.read())).toBe('bad-check-byte');
    expect(reasonOf(() => checked.push(hex('c0 c0 00')))).toBe('bad-check-byte');

    const overlong = new NativeDeframer();
    overlong.push(hex('20 5f ff ff ff ff'));
    expect(reasonOf(() => overlong.read())).toBe('invalid-length');

    const padded = new NativeDeframer();
    padded.push(hex('20 a0 80 00'));
    expect(reasonOf(() => padded.read())).toBe('invalid-length');
  });

  it('stays linear when fed a large frame one byte at a time', () => {
    const large = toNativeWire(new Uint8Array(DEFAULT_MAX_NATIVE_FRAME_BYTES - 8).fill(0x60), false);
    const deframer = new NativeDeframer();
    const started = performance.now();
    let frame: Uint8Array | undefined;
    for (let index = 0; index < large.length; index += 1) {
      deframer.push(large.subarray(index, index + 1));
      frame = deframer.read();
    }
    expect(frame && sameBytes(frame, large)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
