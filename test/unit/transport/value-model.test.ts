import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import {
  createStreamDecoder,
  createStreamEncoder,
  worthBundling,
} from '../../../src/transport/codec.js';
import { createValueCopier } from '../../../src/transport/copy-value.js';
import { findUnencodable } from '../../../src/transport/find-unencodable.js';
import { createPoolCodec } from '../../../src/transport/pool-wire.js';
import { Frame } from '../../../src/transport/wire.js';
import { CROSSINGS, describeValue, REFUSALS } from '../../fixtures/plugins/value-model/values.js';

/** Each codec as a round trip of one value, and how it names the value's root. */
function roundTrips(): Record<string, { trip(value: unknown): unknown; root: string }> {
  const encoder = createStreamEncoder();
  const decoder = createStreamDecoder();
  // Small frames are decoded from one reused Buffer (shared-channel.ts), large ones from
  // a private copy: both are exercised by the table.
  const scratch = Buffer.allocUnsafeSlow(64 * 1024);
  const pool = createPoolCodec();
  const copy = createValueCopier();
  return {
    stream: {
      root: 'result',
      trip(value) {
        const bytes = encoder.encode([Frame.RESULT, 1, value], worthBundling(value));
        if (bytes.byteLength > scratch.byteLength) {
          const own = bytes.slice();
          return (decoder.decode(own, own.byteLength, false) as unknown[])[2];
        }
        scratch.set(bytes);
        return (decoder.decode(scratch, bytes.byteLength, true) as unknown[])[2];
      },
    },
    pool: {
      root: 'result',
      // What piscina does to a carried array between the threads.
      trip: (value) => pool.uncarry(structuredClone(pool.carry([true, value], 'outcome')))[1],
    },
    copy: { root: 'result', trip: (value) => copy(value, 'result') },
  };
}

describe.each(Object.keys(roundTrips()))('the %s codec', (name) => {
  const codec = roundTrips()[name] as ReturnType<typeof roundTrips>[string];

  it('gives back every value of the table as the table says', () => {
    const wrong = CROSSINGS.flatMap((entry) => {
      const got = describeValue(codec.trip(entry.make()));
      const want = describeValue((entry.arrives ?? entry.make)());
      return got === want ? [] : [{ name: entry.name, got, want }];
    });
    expect(wrong).toEqual([]);
  });

  it('refuses what the model refuses with BERTH_ERR_UNENCODABLE naming the path, and keeps working', () => {
    for (const entry of REFUSALS) {
      const path = `${codec.root}${entry.path}`;
      let thrown: unknown;
      try {
        codec.trip(entry.make());
      } catch (error) {
        thrown = error;
      }
      expect(thrown, entry.name).toMatchObject({ code: codes.UNENCODABLE, data: { path } });
      expect((thrown as Error).message, entry.name).toBe(
        `cannot encode ${path}: ${findUnencodable(entry.make(), codec.root)?.what}`,
      );
      expect(codec.trip({ after: entry.name })).toEqual({ after: entry.name });
    }
  });

  it('gives byte arrays of their own, not views on memory it reuses', () => {
    const first = codec.trip({ bytes: Buffer.from([1, 2, 3]) }) as { bytes: Uint8Array };
    codec.trip({ bytes: Buffer.from([9, 9, 9]) });
    expect(first.bytes.constructor).toBe(Uint8Array);
    expect([...first.bytes]).toEqual([1, 2, 3]);
  });
});

describe('the stream codec', () => {
  it('names the root of a refusal after the frame: args, result or error', () => {
    const refusal = (frame: unknown): unknown => {
      try {
        createStreamEncoder().encode(frame, false);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const fn = (): void => {};
    expect(refusal([Frame.CALL, 1, 's', 'm', [1, { fn }]])).toMatchObject({
      code: codes.UNENCODABLE,
      message: 'cannot encode args[1].fn: a function',
    });
    expect(refusal([Frame.RESULT, 1, [fn]])).toMatchObject({ data: { path: 'result[0]' } });
    expect(refusal([Frame.FAILURE, 1, { data: { fn } }])).toMatchObject({
      data: { path: 'error.data.fn' },
    });
  });

  it('does not look inside typed arrays to decide on bundling strings', () => {
    expect(worthBundling(new Float64Array(10))).toBe(false);
    expect(worthBundling({ rows: [1, 2, 3, 4] })).toBe(true);
  });
});

describe('a typed array of a class msgpackr has no code for', () => {
  class Vector extends Float64Array {}

  it('is refused with its class and path, since no decoder could read it back', () => {
    const error = (() => {
      try {
        createStreamEncoder().encode([Frame.RESULT, 1, { v: new Vector(2) }], false);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toMatchObject({
      code: codes.UNENCODABLE,
      message:
        'cannot encode result.v: an instance of Vector, a subclass of Float64Array (pass a Float64Array)',
      data: { path: 'result.v' },
    });
  });

  it('is told from data that happens to hold the same bytes, which is sent', () => {
    const encoder = createStreamEncoder();
    const decoder = createStreamDecoder();
    const bytes = new Uint8Array([0x74, 0xff, 0x74, 0xff]);
    const frame = encoder.encode([Frame.RESULT, 1, { bytes, n: 0x74ff }], false);
    const own = frame.slice();
    expect(decoder.decode(own, own.byteLength, false)).toEqual([
      Frame.RESULT,
      1,
      { bytes, n: 0x74ff },
    ]);
    const pool = createPoolCodec();
    const large = { bytes: new Uint8Array(4096).fill(0xff).fill(0x74, 0, 2048) };
    expect(pool.uncarry(pool.carry([true, large], 'outcome'))).toEqual([true, large]);
  });
});

describe('findUnencodable', () => {
  it('spells the path of keys that are not identifiers, Map keys and Set items', () => {
    const fn = (): void => {};
    expect(findUnencodable({ 'a b': [{ fn }] }, 'args')?.path).toBe('args["a b"][0].fn');
    expect(findUnencodable(new Map([[{ fn }, 1]]), 'result')?.path).toBe('result.keys()[0].fn');
    expect(findUnencodable(new Map([[7, fn]]), 'result')?.path).toBe('result.get(7)');
    expect(findUnencodable({ s: new Set([1, fn]) }, 'result')?.path).toBe('result.s.values()[1]');
  });

  it('follows toJSON as msgpackr does, and finds nothing in a value it accepts', () => {
    const fn = (): void => {};
    // A plain object's toJSON is a field like any other (msgpackr calls it on instances).
    expect(findUnencodable({ at: { toJSON: () => 1 } }, 'x')?.path).toBe('x.at.toJSON');
    expect(
      findUnencodable(
        new (class {
          toJSON() {
            return { fn };
          }
        })(),
        'x',
      ),
    ).toEqual({ path: 'x.fn', what: 'a function' });
    expect(findUnencodable({ list: [1, 'a', new Date(), new Uint8Array(2)] }, 'x')).toBeUndefined();
  });

  it('tells a shared object, which is fine, from a cycle', () => {
    const shared = { n: 1 };
    expect(findUnencodable({ a: shared, b: shared }, 'x')).toBeUndefined();
    const loop: unknown[] = [];
    loop.push([loop]);
    expect(findUnencodable(loop, 'x')).toEqual({
      path: 'x[0][0]',
      what: 'a reference back to x (a cycle)',
    });
  });
});
