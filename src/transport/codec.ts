/**
 * The msgpackr codec of the data plane. One instance per channel direction, because a
 * Packr reuses its output buffer: bytes it returns are valid only until its next pack.
 */
import { Packr } from 'msgpackr';
import { BerthError, codes, describeThrown } from '../errors.js';

/** Encodes frames to bytes and back. */
export interface Codec {
  /** Encodes one value. The bytes are only valid until the next `encode`; copy them to keep them. */
  encode(value: unknown): Uint8Array;
  /** Decodes every value in `bytes` (a concatenation of encodings). */
  decodeAll(bytes: Uint8Array): unknown[];
}

/** Makes a codec. Throws BERTH_ERR_UNENCODABLE, naming `what`, for values msgpack cannot hold. */
export function createCodec(): Codec {
  // Records (shared structures) pay off only once both ends share their table; the
  // shared-memory data plane tunes this by measurement. Plain maps keep v1 stateless.
  const packr = new Packr({ useRecords: false, moreTypes: false });
  return {
    encode(value) {
      try {
        return packr.pack(value);
      } catch (error) {
        throw new BerthError(codes.UNENCODABLE, `cannot encode value: ${describeThrown(error)}`, {
          cause: error,
        });
      }
    },
    decodeAll(bytes) {
      return packr.unpackMultiple(bytes) ?? [];
    },
  };
}
