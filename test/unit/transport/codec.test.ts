/**
 * The stream codec on its own (the value model's full table, through every codec, is in
 * value-model.test.ts): values as a stream of frames whose shapes the decoder learns in
 * order, bundled strings or not, the `length` bound of decode, what decode does with
 * bytes that are not a frame, and refusals.
 */
import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import {
  createStreamDecoder,
  createStreamEncoder,
  worthBundling,
  type StreamDecoder,
  type StreamEncoder,
} from '../../../src/transport/codec.js';
import { Frame } from '../../../src/transport/wire.js';
import { seededRandom } from '../../support/seeded-random.js';

/**
 * A private copy of encoded bytes. (Not `Buffer#slice`: that is a view, on memory the
 * encoder reuses.)
 */
const own = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes);

/** Encodes then decodes each value in turn through one stream, from a private copy. */
function stream(): { trip(value: unknown, bundle?: boolean): unknown; encoder: StreamEncoder } {
  const encoder = createStreamEncoder();
  const decoder = createStreamDecoder();
  return {
    encoder,
    trip(value, bundle = worthBundling(value)) {
      const bytes = own(encoder.encode(value, bundle));
      return decoder.decode(bytes, bytes.byteLength, false);
    },
  };
}

/** The kinds of value docs/value-model.md lists as crossing unchanged. */
const KINDS: [string, () => unknown][] = [
  ['a string', () => 'héllo ✓'],
  ['booleans and null', () => [true, false, null]],
  ['numbers', () => [0, 1, -1, 2 ** 31, 2 ** 53 - 1, 0.5, -1e300]],
  ['NaN and the infinities', () => [NaN, Infinity, -Infinity]],
  ['undefined as a value, an item and a field', () => [undefined, { a: undefined }]],
  ['BigInts of any size', () => [0n, -1n, 2n ** 64n, -(3n ** 200n)]],
  ['a plain object and an array', () => ({ name: 'x', items: [1, 'two', { three: 3 }] })],
  ['a Date', () => new Date(1_700_000_000_123)],
  [
    'a Map with keys of any type',
    () =>
      new Map<unknown, unknown>([
        [1, 'a'],
        ['b', { c: 2 }],
      ]),
  ],
  ['a Set', () => new Set([1, 'two', 3n])],
  ['a RegExp', () => /a+b/giu],
  ['an Error with a cause', () => new RangeError('out', { cause: 'why' })],
  ['a Uint8Array', () => new Uint8Array([0, 255, 7])],
  ['a Float64Array with -0', () => new Float64Array([1.5, -0, NaN])],
  ['a BigInt64Array', () => new BigInt64Array([-1n, 2n ** 62n])],
  ['an Int16Array', () => new Int16Array([-32768, 32767])],
  ['an ArrayBuffer', () => new Uint8Array([1, 2, 3]).buffer],
  ['a DataView', () => new DataView(new Uint8Array([4, 5, 6]).buffer)],
  ['a list of four records (bundled strings)', () => [1, 2, 3, 4].map((n) => ({ n, s: `s${n}` }))],
];

describe('the stream codec', () => {
  it.each(KINDS)(
    'carries %s unchanged, in the first frame of a shape and in later ones',
    (_, make) => {
      const { trip } = stream();
      for (let round = 0; round < 3; round += 1) {
        expect(trip(make())).toEqual(make());
        expect(trip([Frame.RESULT, round, make()])).toEqual([Frame.RESULT, round, make()]);
      }
    },
  );

  it('gives an Error back with its class, message and cause', () => {
    const { trip } = stream();
    const error = trip(new RangeError('out', { cause: 'why' })) as Error;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe('out');
    expect(error.cause).toBe('why');
  });

  it('gives -0 back as 0, except inside a float array', () => {
    const { trip } = stream();
    expect(Object.is(trip(-0), 0)).toBe(true);
    expect(Object.is((trip(new Float64Array([-0])) as Float64Array)[0], -0)).toBe(true);
  });

  it('gives a Buffer back as a plain Uint8Array', () => {
    const { trip } = stream();
    const bytes = trip(Buffer.from([1, 2])) as Uint8Array;
    expect(bytes.constructor).toBe(Uint8Array);
    expect([...bytes]).toEqual([1, 2]);
  });

  it('decodes the same whether the strings were bundled or not, frame by frame', () => {
    const { trip } = stream();
    const value = { rows: [1, 2, 3, 4, 5].map((n) => ({ id: n, name: `row ${n}`, tags: ['a'] })) };
    for (const bundle of [true, false, false, true]) expect(trip(value, bundle)).toEqual(value);
  });

  it('sends a shape once: later frames of the same shape are smaller, for a decoder that saw the first', () => {
    const encoder = createStreamEncoder();
    const decoder = createStreamDecoder();
    const value = { alpha: 1, bravo: 2, charlie: 3, delta: 4 };
    const first = own(encoder.encode(value, false));
    const second = own(encoder.encode(value, false));
    expect(second.byteLength).toBeLessThan(first.byteLength);
    expect(decoder.decode(first, first.byteLength, false)).toEqual(value);
    expect(decoder.decode(second, second.byteLength, false)).toEqual(value);
  });

  it('reads only the first `length` bytes: what follows a frame changes nothing', () => {
    const encoder = createStreamEncoder();
    const decoder = createStreamDecoder();
    const value = [Frame.RESULT, 9, { list: [1, 2, 3], text: 'abc' }];
    const bytes = encoder.encode(value, false);
    const padded = new Uint8Array(bytes.byteLength + 64).fill(0xc1);
    padded.set(bytes);
    expect(decoder.decode(padded, bytes.byteLength, false)).toEqual(value);
  });

  it('refuses a frame cut short rather than read past `length`', () => {
    const encoder = createStreamEncoder();
    const value = [Frame.RESULT, 9, { text: 'a string long enough to be cut', n: 2 ** 40 }];
    const bytes = own(encoder.encode(value, false));
    for (let length = 1; length < bytes.byteLength; length += 1) {
      // A fresh decoder each time: one that failed mid-frame is replaced, never reused.
      const decoder = createStreamDecoder();
      expect(() => decoder.decode(bytes, length, false), `length ${length}`).toThrow(Error);
    }
  });

  it('gives byte arrays sent as Buffers as views on its input when asked not to copy, and copies when asked to', () => {
    // (A Uint8Array travels as a typed array and always arrives as a copy of its own.)
    const encoder = createStreamEncoder();
    const decoder = createStreamDecoder();
    const bytes = Buffer.from(encoder.encode({ data: Buffer.alloc(100, 1) }, false));
    const viewed = (decoder.decode(bytes, bytes.byteLength, false) as { data: Uint8Array }).data;
    const again = Buffer.from(encoder.encode({ data: Buffer.alloc(100, 1) }, false));
    const copied = (decoder.decode(again, again.byteLength, true) as { data: Uint8Array }).data;
    expect(viewed.constructor).toBe(Uint8Array);
    expect(copied.constructor).toBe(Uint8Array);
    bytes.fill(9);
    again.fill(9);
    expect(viewed[0]).toBe(9);
    expect(copied[0]).toBe(1);
  });

  it('refuses what it cannot carry with BERTH_ERR_UNENCODABLE, and a fresh pair carries on', () => {
    const refusals: unknown[] = [
      () => {},
      Symbol('s'),
      Promise.resolve(),
      new WeakMap(),
      new SharedArrayBuffer(8),
      new (class extends Map {})(),
      new (class extends Float64Array {})(2),
    ];
    for (const refused of refusals) {
      const { encoder } = stream();
      expect(() => encoder.encode([Frame.RESULT, 1, { refused }], false)).toThrow(
        expect.objectContaining({ code: codes.UNENCODABLE }),
      );
      const fresh = stream();
      expect(fresh.trip({ after: 1 })).toEqual({ after: 1 });
    }
  });
});

describe('the stream decoder, fed bytes that are not a frame', () => {
  /** Honest frames to corrupt: a shape, a list of them (bundled), typed arrays, extensions. */
  function honestFrames(encoder: StreamEncoder): Uint8Array[] {
    const rows = [1, 2, 3, 4, 5].map((n) => ({ id: n, name: `row ${n}`, at: new Date(n) }));
    return [
      [Frame.RESULT, 1, { id: 1, name: 'one', tags: ['a', 'b'] }],
      [Frame.RESULT, 2, rows],
      [Frame.RESULT, 3, { f: new Float64Array([1, 2]), m: new Map([[1, 2]]), b: 2n ** 70n }],
      [Frame.FAILURE, 4, { code: 'X', message: 'm', data: { set: new Set([1]) } }],
    ].map((frame) => own(encoder.encode(frame, worthBundling(frame[2]))));
  }

  /** Decodes `bytes[0..length)` from a fresh decoder: the value, or what was thrown. */
  function attempt(
    decoder: StreamDecoder,
    bytes: Uint8Array,
    length: number,
  ): { ok: true; value: unknown } | { ok: false; error: unknown } {
    try {
      return { ok: true, value: decoder.decode(bytes, length, true) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  it('throws nothing but Errors, and the same with or without bytes past `length` (seeded)', () => {
    const random = seededRandom(0xc0dec);
    const int = (n: number): number => Math.floor(random() * n);
    const encoder = createStreamEncoder();
    const honest = honestFrames(encoder);
    let refused = 0;
    for (let round = 0; round < 600; round += 1) {
      // Half the cases are random bytes, half honest frames with bytes flipped or cut.
      let bytes: Uint8Array;
      if (round % 2 === 0) {
        bytes = new Uint8Array(1 + int(64)).map(() => int(256));
      } else {
        bytes = own(honest[int(honest.length)] as Uint8Array);
        for (let flips = 1 + int(3); flips > 0; flips -= 1) bytes[int(bytes.length)] = int(256);
        if (random() < 0.3) bytes = bytes.subarray(0, 1 + int(bytes.length));
      }
      // The decoders learn the shapes of the honest frames first, as a receiver would.
      const [alone, followed] = [createStreamDecoder(), createStreamDecoder()];
      for (const frame of honest) {
        alone.decode(frame, frame.byteLength, true);
        followed.decode(frame, frame.byteLength, true);
      }
      const trailing = new Uint8Array(bytes.length + 32).map(() => int(256));
      trailing.set(bytes);
      const a = attempt(alone, own(bytes), bytes.length);
      const b = attempt(followed, trailing, bytes.length);
      if (!a.ok) {
        refused += 1;
        expect(a.error, `round ${round}`).toBeInstanceOf(Error);
        expect(b.ok, `round ${round}`).toBe(false);
      } else {
        expect(b, `round ${round}`).toEqual(a);
      }
    }
    expect(refused).toBeGreaterThan(0);
  });

  it.each([
    ['an array of 2^32 - 1 items', [0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0]],
    ['a map of 2^32 - 1 entries', [0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0, 0xc0]],
    ['a string of 2^32 - 1 bytes', [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61]],
    ['a byte array of 2^32 - 1 bytes', [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00]],
    ['an extension of 2^32 - 1 bytes', [0xc9, 0xff, 0xff, 0xff, 0xff, 0x74, 0x01]],
    ['arrays of 65,535 items nested', [0xdc, 0xff, 0xff, 0xdc, 0xff, 0xff, 0xdc, 0xff, 0xff]],
  ])('refuses a header claiming %s with an Error, allocating nothing of that size', (_, bytes) => {
    const frame = new Uint8Array(bytes);
    expect(() => createStreamDecoder().decode(frame, frame.byteLength, true)).toThrow(Error);
  });
});
