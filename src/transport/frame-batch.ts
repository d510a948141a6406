/**
 * The FRAMES record (shared-layout.ts): the small frames one tick sends after its first,
 * sharing one ring record. Each frame is stored after its length (uint32, little-endian);
 * the record's id says how many there are. The sender fills a {@link FrameBatch}; the
 * receiver takes one apart with {@link readBatch}, trusting nothing in it.
 *
 * Measured with 64 tiny calls in flight: docs/data-plane.md ("Shared memory, per worker").
 */
import { wireViolation } from './wire-violation.js';

/** Most frames in one batch; a full batch is written and published at once. */
export const BATCH_MAX_FRAMES = 8;

/**
 * Frames up to this size may wait in a batch. Each is encoded as it is sent (the value
 * as it is then, as a structured clone would take it); only its record is put off.
 */
export const BATCH_MAX_BYTES = 1024;

/** The frames a sender holds back for one record. */
export class FrameBatch {
  readonly #bytes = new Uint8Array(BATCH_MAX_FRAMES * (4 + BATCH_MAX_BYTES));
  readonly #view = new DataView(this.#bytes.buffer);
  #length = 0;
  /** Frames held. */
  count = 0;
  /** The call of the first frame held: the record's id when it is alone. */
  firstId = 0;

  /** Holds a copy of `frame` (at most BATCH_MAX_BYTES); true once the batch is full. */
  add(frame: Uint8Array, id: number): boolean {
    if (this.count === 0) this.firstId = id;
    const at = this.#length;
    this.#view.setUint32(at, frame.byteLength, true);
    this.#bytes.set(frame, at + 4);
    this.#length = at + 4 + frame.byteLength;
    return ++this.count === BATCH_MAX_FRAMES;
  }

  /**
   * Empties the batch; returns what the record carries: the bytes of a FRAMES record, or
   * the frame alone when it is the only one. Valid until the next {@link add}.
   */
  take(): Uint8Array {
    const length = this.#length;
    const alone = this.count === 1;
    this.#length = 0;
    this.count = 0;
    return this.#bytes.subarray(alone ? 4 : 0, length);
  }
}

/**
 * The `count` frames of a FRAMES record's `length` bytes, in `bytes` (a private copy),
 * each decoded by `decode(start, end)`, which must consume exactly that range, and
 * checked by `check`. Throws BERTH_ERR_PROTOCOL for a batch no sender makes: the wrong
 * number of frames, a length past the end, bytes left over. The work is bounded by the
 * bytes, whatever `count` claims: a frame takes at least five.
 */
export function readBatch<T>(
  bytes: Buffer,
  length: number,
  count: number,
  decode: (start: number, end: number) => unknown,
  check: (value: unknown) => T,
): T[] {
  const frames: T[] = [];
  let offset = 0;
  while (offset < length && frames.length < count && length - offset >= 4) {
    const size = bytes.readUInt32LE(offset);
    offset += 4;
    if (size === 0 || size > length - offset) break;
    frames.push(check(decode(offset, offset + size)));
    offset += size;
  }
  if (offset !== length || frames.length !== count || count < 2) {
    throw wireViolation(`a batch that says it holds ${count} frames in ${length} bytes`);
  }
  return frames;
}
