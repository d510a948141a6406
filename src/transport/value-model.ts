/**
 * The value model: what crosses the boundary between a caller and a plugin, the same in
 * every isolation mode (docs/value-model.md has the table). Every codec of the data plane
 * (the stream codec of thread isolation, the pool codec, the inline copy) takes its
 * msgpackr options from here, so a value comes out the same whichever path it took.
 *
 * In short: msgpackr's `moreTypes`, so every typed array, DataView, ArrayBuffer, Set,
 * RegExp, Error and BigInt round-trips as itself (without it a Float64Array went out as
 * one truncated byte per element, padded with whatever memory followed); Maps stay Maps;
 * functions, symbols and objects that cannot be copied are refused with
 * BERTH_ERR_UNENCODABLE naming their path; every byte array (Buffer or Uint8Array) comes
 * out as a plain Uint8Array, as with structured clone.
 */
import type { Options } from 'msgpackr';
import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import { findUnencodable, refusedInstance } from './find-unencodable.js';

/** Thrown from msgpackr's hooks; the slow walk then names the path. */
class Refused extends Error {}

/**
 * msgpackr's options for every codec of the data plane; add `sequential`, `bundleStrings`
 * as a codec needs. A fresh object each time: msgpackr keeps its structures in it.
 */
export function valueOptions(): Options {
  return {
    moreTypes: true,
    // Maps are written as msgpack maps and plain objects as records, so a map read back
    // is always a Map (never an object with its keys turned into strings).
    mapsAsObjects: false,
    // msgpackr writes a function as undefined unless told otherwise.
    writeFunction: () => {
      throw new Refused('a function');
    },
    // Called for every object written field by field: a plain object costs one comparison
    // (measured within the noise on 1,000 records: scripts/codec-micro-bench.mjs).
    useRecords: (object: object) => {
      const refused = refusedInstance(object);
      if (refused !== undefined) throw new Refused(refused);
      return true;
    },
  };
}

/**
 * BERTH_ERR_UNENCODABLE for a value msgpackr refused (`cause`), naming what and where:
 * `cannot encode args[0].handler: a function`. `data.path` holds the path alone.
 */
export function unencodableError(value: unknown, root: string, cause: unknown): BerthError {
  const found = findUnencodable(value, root);
  if (found === undefined) {
    return new BerthError(codes.UNENCODABLE, `cannot encode ${root}: ${describeThrown(cause)}`, {
      cause,
    });
  }
  return new BerthError(codes.UNENCODABLE, `cannot encode ${found.path}: ${found.what}`, {
    cause,
    data: { path: found.path },
  });
}

/**
 * How msgpackr writes a typed array of a class it has no code for (a subclass, say
 * `class Vector extends Float64Array`): extension 't' with type 0xff, which no decoder
 * reads back. A receiver that fails to decode a frame loses the stream, so such a value
 * must be refused by its sender.
 */
const UNKNOWN_TYPED_ARRAY = Buffer.from([0x74, 0xff]);

/**
 * Whether `bytes` may hold a typed array msgpackr cannot read back. A scan for 0xff first:
 * text never holds that byte, so most encodings cost one memchr (measured: 35 ns on a tiny
 * call frame, 2.3 µs on 1,000 records, about 45 µs per MiB of binary data inside an
 * object). True only for the two bytes in a row, which other data may hold too: then
 * {@link refuseUnknownTypedArray} walks the value to be sure.
 */
export function mayHoldUnknownTypedArray(bytes: Buffer): boolean {
  return bytes.indexOf(0xff) !== -1 && bytes.indexOf(UNKNOWN_TYPED_ARRAY) !== -1;
}

/** Throws BERTH_ERR_UNENCODABLE naming the path of a typed array subclass in `value`, if any. */
export function refuseUnknownTypedArray(value: unknown, root: string): void {
  const found = findUnencodable(value, root);
  if (found === undefined) return;
  throw new BerthError(codes.UNENCODABLE, `cannot encode ${found.path}: ${found.what}`, {
    data: { path: found.path },
  });
}

/**
 * `bytes` as a plain Uint8Array over the same memory (no copy). msgpackr reads a byte
 * array as a view or a slice of the bytes it decodes, of their class: decoding from a
 * Buffer would give Buffers, from a Uint8Array plain Uint8Arrays, which is the model.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
