/**
 * The msgpackr codec of the data plane: one stream codec per direction of a channel.
 *
 * Frames are encoded in `sequential` mode: the first frame that uses an object shape
 * carries its structure, later frames refer to it by a one-byte id, and the decoder,
 * which sees every frame in the order it was encoded, learns the shapes as they come.
 * With `bundleStrings` the strings of a frame are decoded in one native call.
 * Measured on 1,000 Kubernetes-like resources (node, 2 cores): decode 3.5 ms as maps,
 * 1.7 ms as sequential records, 0.6 ms with bundled strings; encode 1.0-1.3 ms for all.
 * Bundling costs a small frame more than it saves (one resource: 8.1 µs to encode and
 * decode bundled, 6.4 µs not; a tiny call frame 3.5 µs against 2.0 µs), and pays from
 * about four resources up, so the sender asks for it per frame ({@link worthBundling}).
 *
 * A failed encode may leave the encoder believing in a shape the decoder never saw, so
 * the sender replaces its encoder and tells the receiver to do the same, in order
 * (RecordKind.RESET in shared-layout.ts).
 *
 * What a value comes out as is the value model's (value-model.ts, docs/value-model.md).
 */
import { Packr, Unpackr, type Options } from 'msgpackr';
import {
  plainBytes,
  mayHoldUnknownTypedArray,
  refuseUnknownTypedArray,
  unencodableError,
  valueOptions,
} from './value-model.js';
import { Frame } from './wire.js';

// A fresh options object each time: msgpackr keeps its structures in it. Without
// `sequential`, each value carries the structures it uses and decodes on its own (the
// pipe of process isolation, where a frame is never read out of order but a failed
// encode should cost no reset).
const streamOptions = (sequential: boolean): Options => ({
  ...valueOptions(),
  sequential,
  bundleStrings: true,
});

/** The encoding half of a stream. */
export interface StreamEncoder {
  /**
   * Encodes one value, its strings bundled when `bundle` is true (the decoder needs no
   * telling). The bytes are valid only until the next call (copy them to keep them).
   * Throws BERTH_ERR_UNENCODABLE naming the path of what was refused (`args[0].handler`,
   * `result.items[3]`); after a throw the encoder must be replaced.
   */
  encode(value: unknown, bundle: boolean): Uint8Array;
}

/** The decoding half of a stream. */
export interface StreamDecoder {
  /**
   * Decodes one value from the first `length` bytes of `bytes`, which must be the
   * caller's own memory (never a SharedArrayBuffer: see shared-channel.ts). Byte arrays
   * in the value are plain Uint8Arrays (whatever class `bytes` is), views on `bytes`, or
   * their own copies when `copyBytes` is true (so that `bytes` can be reused).
   */
  decode(bytes: Uint8Array, length: number, copyBytes: boolean): unknown;
  /** Decodes one value from `bytes` from `start` to exactly `end`, as {@link decode}. */
  decodeRange(bytes: Uint8Array, start: number, end: number, copyBytes: boolean): unknown;
}

/**
 * Whether the strings of a value to be sent are worth bundling: true when it is, or
 * directly holds, an array of four or more elements (a list of resources, say).
 */
export function worthBundling(value: unknown): boolean {
  if (Array.isArray(value)) return value.length >= BUNDLE_FROM;
  // A typed array is never bundled, and `for in` would visit each of its elements.
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    if (Array.isArray(field) && field.length >= BUNDLE_FROM) return true;
  }
  return false;
}

const BUNDLE_FROM = 4;

/**
 * Makes a stream encoder. `sequential: false` makes every value decodable on its own,
 * and an encoder that needs no replacing after a throw.
 */
export function createStreamEncoder(sequential = true): StreamEncoder {
  const packr = new Packr(streamOptions(sequential));
  // Read by msgpackr at the start of every pack, so it can change between frames.
  const options = packr as { bundleStrings?: boolean };
  return {
    encode(value, bundle) {
      options.bundleStrings = bundle;
      let bytes: Buffer;
      try {
        bytes = packr.pack(value);
      } catch (error) {
        const [part, root] = framePart(value);
        throw unencodableError(part, root, error);
      }
      if (mayHoldUnknownTypedArray(bytes)) refuseUnknownTypedArray(...framePart(value));
      return bytes;
    },
  };
}

/** The part of a frame that holds values, and the root a refusal's path names it by. */
function framePart(frame: unknown): [unknown, string] {
  if (!Array.isArray(frame)) return [frame, 'value'];
  switch (frame[0]) {
    case Frame.CALL:
      return [frame[4], 'args'];
    case Frame.RESULT:
      return [frame[2], 'result'];
    case Frame.FAILURE:
      return [frame[2], 'error'];
    default:
      return [frame, 'frame'];
  }
}

/** Makes a stream decoder, to be fed every frame its encoder made, in order. */
export function createStreamDecoder(sequential = true): StreamDecoder {
  const unpackr = new Unpackr(streamOptions(sequential));
  // Read by msgpackr as it meets each byte array, so it can change between frames.
  const options = unpackr as { copyBuffers?: boolean };
  // The receiver decodes small frames from one reused Buffer: its plain view is kept.
  let lastBytes: Uint8Array | undefined;
  let lastPlain: Uint8Array | undefined;
  const plain = (bytes: Uint8Array): Uint8Array => {
    if (bytes !== lastBytes) {
      lastBytes = bytes;
      lastPlain = plainBytes(bytes);
    }
    return lastPlain as Uint8Array;
  };
  return {
    decode(bytes, length, copyBytes) {
      options.copyBuffers = copyBytes;
      return unpackr.unpack(plain(bytes), length);
    },
    decodeRange(bytes, start, end, copyBytes) {
      options.copyBuffers = copyBytes;
      // One value per call, never unpackMultiple: it trusts a bundle's length (a negative
      // one sends it back over the same bytes forever), and it misread the values after a
      // bundle (msgpackr 2.1). A single unpack throws unless the value ends at `end`.
      return unpackr.unpack(plain(bytes), { start, end });
    },
  };
}
