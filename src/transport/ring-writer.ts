/**
 * The writing end of a record ring (record-ring.ts): appends records, publishes them in
 * batches, rings the doorbell only for a sleeping reader, and says when it is out of space.
 */
import {
  CONTROL_BYTES,
  HEAD_INDEX,
  RANG_AT_F64_INDEX,
  READER_WAITING_INDEX,
  RECORD_HEADER_BYTES,
  RecordKind,
  TAIL_INDEX,
  WRITER_BUSY_INDEX,
  WRITER_CONTENDED_INDEX,
  WRITER_WAITING_INDEX,
  alignUp,
} from './shared-layout.js';
import { monotonicMs } from './monotonic-clock.js';
import { wireViolation } from './wire-violation.js';

/** The writing end of a ring. */
export class RingWriter {
  readonly #words: Int32Array;
  readonly #rangAt: Float64Array;
  readonly #header: Uint32Array;
  readonly bytes: Uint8Array;
  readonly #mask: number;
  readonly capacity: number;
  #tail: number;
  #closed = false;

  constructor(buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.#rangAt = new Float64Array(buffer, 0, CONTROL_BYTES / 8);
    this.bytes = new Uint8Array(buffer, CONTROL_BYTES);
    this.#header = new Uint32Array(buffer, CONTROL_BYTES);
    this.capacity = this.bytes.byteLength;
    this.#mask = this.capacity - 1;
    this.#tail = Atomics.load(this.#words, TAIL_INDEX) >>> 0;
  }

  /** The largest payload one record can carry in this ring. */
  get maxPayload(): number {
    return this.capacity / 2 - RECORD_HEADER_BYTES;
  }

  /**
   * Appends a record whose payload (`payload`, or none) is copied in. Returns false,
   * changing nothing, when the ring has no room for it now. Not visible to the reader
   * until {@link publish}. Throws BERTH_ERR_PROTOCOL when the reader's HEAD is impossible.
   */
  write(
    kind: number,
    placement: number,
    id: number,
    a: number,
    b: number,
    payload?: Uint8Array,
  ): boolean {
    const size = alignUp(RECORD_HEADER_BYTES + (payload?.byteLength ?? 0));
    const head = Atomics.load(this.#words, HEAD_INDEX) >>> 0;
    const used = (this.#tail - head) >>> 0;
    if (used > this.capacity) {
      // The reader's HEAD is shared memory too: one it could not have written is refused.
      throw wireViolation(
        `the reader's head is ${used} bytes behind the writer, in a ring of ${this.capacity}`,
      );
    }
    let offset = this.#tail & this.#mask;
    const toEnd = this.capacity - offset;
    const skip = toEnd < size ? toEnd : 0;
    if (this.capacity - used < skip + size) return false;
    if (skip > 0) {
      // A record never wraps: fill the rest of the ring and start again at 0. A stub too
      // short for a header is skipped by both sides without one.
      if (skip >= RECORD_HEADER_BYTES) this.#writeHeader(offset, skip, RecordKind.PAD, 0, 0, 0, 0);
      this.#tail = (this.#tail + skip) >>> 0;
      offset = 0;
    }
    this.#writeHeader(offset, size, kind, placement, id, a, b);
    if (payload !== undefined) this.bytes.set(payload, offset + RECORD_HEADER_BYTES);
    this.#tail = (this.#tail + size) >>> 0;
    return true;
  }

  #writeHeader(
    offset: number,
    size: number,
    kind: number,
    placement: number,
    id: number,
    a: number,
    b: number,
  ): void {
    const at = offset >>> 2;
    const header = this.#header;
    header[at] = size;
    header[at + 1] = (kind << 8) | placement;
    header[at + 2] = id;
    header[at + 3] = a;
    header[at + 4] = b;
  }

  /**
   * Makes every record written so far visible, and rings the reader if it sleeps, saying
   * when (RANG_AT_F64_INDEX). Does nothing once closed (a sender's queue may still be
   * winding down by then).
   */
  publish(): void {
    const words = this.#words;
    if (this.#closed || Atomics.load(words, TAIL_INDEX) >>> 0 === this.#tail) return;
    Atomics.store(words, TAIL_INDEX, this.#tail | 0);
    if (Atomics.load(words, READER_WAITING_INDEX) !== 0) {
      this.#rangAt[RANG_AT_F64_INDEX] = monotonicMs();
      Atomics.notify(words, TAIL_INDEX);
    }
  }

  /** Says whether this side's watch finds the machine busy (WRITER_CONTENDED_INDEX). */
  set contended(contended: boolean) {
    Atomics.store(this.#words, WRITER_CONTENDED_INDEX, contended ? 1 : 0);
  }

  /**
   * Tells the reader whether this side is running work whose records are still to come
   * (see {@link RingReader.writerBusy}).
   */
  set busy(busy: boolean) {
    Atomics.store(this.#words, WRITER_BUSY_INDEX, busy ? 1 : 0);
  }

  /**
   * Resolves once a record with a payload of `payloadBytes` fits (at once if it fits
   * now), or once this writer is closed. Never blocks the thread.
   */
  async whenSpace(payloadBytes: number): Promise<void> {
    const words = this.#words;
    const size = alignUp(RECORD_HEADER_BYTES + payloadBytes);
    while (!this.#closed) {
      const head = Atomics.load(words, HEAD_INDEX);
      // Exactly what write() needs, the skip to the start included: resolving on less
      // had a writer with a queue spin through microtasks (write refused, space "free")
      // and freeze its thread until the reader moved, forever if the reader was hung.
      const toEnd = this.capacity - (this.#tail & this.#mask);
      const needed = size + (toEnd < size ? toEnd : 0);
      if (this.capacity - ((this.#tail - head) >>> 0) >= needed) return;
      Atomics.store(words, WRITER_WAITING_INDEX, 1);
      const waited = Atomics.waitAsync(words, HEAD_INDEX, head);
      if (waited.async) await waited.value;
      // Once closed, the buffer may already serve a new writer: its flag is not ours.
      if (!this.#closed) Atomics.store(words, WRITER_WAITING_INDEX, 0);
    }
  }

  /**
   * Ends a pending {@link whenSpace} and lets go of the ring: this writer touches its
   * control words no more, so the buffer can be handed to another.
   */
  close(): void {
    this.#closed = true;
    Atomics.notify(this.#words, HEAD_INDEX);
  }
}
