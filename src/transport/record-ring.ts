/**
 * A single-producer, single-consumer ring of records in a SharedArrayBuffer (layout in
 * shared-layout.ts). The writer appends records and publishes them in batches; the
 * reader takes them in order and hands the space back. Neither side ever blocks: a
 * writer out of space is told so (and may wait for space asynchronously); a reader with
 * nothing to read may wait asynchronously for the doorbell.
 */
import {
  ALIGN,
  CONTROL_BYTES,
  HEAD_INDEX,
  Placement,
  READER_WAITING_INDEX,
  RECORD_HEADER_BYTES,
  RecordKind,
  TAIL_INDEX,
  WRITER_BUSY_INDEX,
  WRITER_WAITING_INDEX,
  alignUp,
} from './shared-layout.js';
import { wireViolation } from './wire-violation.js';

const KINDS = new Set<number>([RecordKind.FRAME, RecordKind.BYTES, RecordKind.RESET]);
const PLACEMENTS = new Set<number>(Object.values(Placement));

/** The header fields of the record a reader is looking at (one object, reused). */
export interface RecordView {
  kind: number;
  placement: number;
  id: number;
  a: number;
  b: number;
  /** Byte offset of the payload in the ring's bytes (INLINE records). */
  payloadOffset: number;
}

/** The writing end of a ring. */
export class RingWriter {
  readonly #words: Int32Array;
  readonly #header: Uint32Array;
  readonly bytes: Uint8Array;
  readonly #mask: number;
  readonly capacity: number;
  #tail: number;
  #closed = false;

  constructor(buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
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
   * Makes every record written so far visible, and rings the reader if it sleeps. Does
   * nothing once closed (a sender's queue may still be winding down by then).
   */
  publish(): void {
    const words = this.#words;
    if (this.#closed || Atomics.load(words, TAIL_INDEX) >>> 0 === this.#tail) return;
    Atomics.store(words, TAIL_INDEX, this.#tail | 0);
    if (Atomics.load(words, READER_WAITING_INDEX) !== 0) Atomics.notify(words, TAIL_INDEX);
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

/** The reading end of a ring. */
export class RingReader {
  readonly #words: Int32Array;
  readonly #header: Uint32Array;
  readonly bytes: Uint8Array;
  readonly #mask: number;
  readonly capacity: number;
  #head: number;
  #closed = false;
  readonly #view: RecordView = { kind: 0, placement: 0, id: 0, a: 0, b: 0, payloadOffset: 0 };
  #size = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#words = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.bytes = new Uint8Array(buffer, CONTROL_BYTES);
    this.#header = new Uint32Array(buffer, CONTROL_BYTES);
    this.capacity = this.bytes.byteLength;
    this.#mask = this.capacity - 1;
    this.#head = Atomics.load(this.#words, HEAD_INDEX) >>> 0;
  }

  /**
   * The next published record, or undefined when there is none. The returned object is
   * reused: read what you need before the next call. {@link consume} moves past it.
   *
   * The writer is not trusted: a TAIL past the ring, a record that does not fit where it
   * claims to be, a kind or placement this side does not know (or a reset not inline) throws
   * BERTH_ERR_PROTOCOL (wire-violation.ts), and nothing is consumed. Each header word is
   * read once, so a writer that changes a header while it is read gets a consistent copy.
   */
  peek(): RecordView | undefined {
    const tail = Atomics.load(this.#words, TAIL_INDEX) >>> 0;
    const capacity = this.capacity;
    if ((tail - this.#head) >>> 0 > capacity) {
      throw wireViolation(
        `the ring's tail is ${(tail - this.#head) >>> 0} bytes ahead of its reader, in a ring of ${capacity}`,
      );
    }
    for (;;) {
      if (this.#head === tail) return undefined;
      const published = (tail - this.#head) >>> 0;
      const offset = this.#head & this.#mask;
      const toEnd = capacity - offset;
      if (toEnd < RECORD_HEADER_BYTES) {
        if (published < toEnd) throw wireViolation('a record stops short of the end of the ring');
        this.#head = (this.#head + toEnd) >>> 0;
        continue;
      }
      const at = offset >>> 2;
      const header = this.#header;
      const size = header[at] as number;
      const meta = header[at + 1] as number;
      if (size < RECORD_HEADER_BYTES || size % ALIGN !== 0 || size > toEnd || size > published) {
        throw wireViolation(
          `a record of ${size} bytes at offset ${offset} (${toEnd} to the end of the ring, ${published} published)`,
        );
      }
      const kind = meta >>> 8;
      if (kind === RecordKind.PAD) {
        if (size !== toEnd)
          throw wireViolation('a pad record that does not reach the end of the ring');
        this.#head = (this.#head + size) >>> 0;
        continue;
      }
      const placement = meta & 0xff;
      if (!KINDS.has(kind) || !PLACEMENTS.has(placement)) {
        throw wireViolation(`a record of unknown kind ${kind} or placement ${placement}`);
      }
      if (kind === RecordKind.RESET && placement !== Placement.INLINE) {
        // A reset carries nothing: one "on the port" would wait for, and then leave
        // behind, a port message meant for the next record.
        throw wireViolation(`a reset record of placement ${placement}`);
      }
      const a = header[at + 3] as number;
      if (placement === Placement.INLINE && a > size - RECORD_HEADER_BYTES) {
        throw wireViolation(`an inline payload of ${a} bytes in a record of ${size}`);
      }
      const view = this.#view;
      view.kind = kind;
      view.placement = placement;
      view.id = header[at + 2] as number;
      view.a = a;
      view.b = header[at + 4] as number;
      view.payloadOffset = offset + RECORD_HEADER_BYTES;
      this.#size = size;
      return view;
    }
  }

  /** Moves past the record {@link peek} returned. Its space is handed back at {@link release}. */
  consume(): void {
    this.#head = (this.#head + this.#size) >>> 0;
    this.#size = 0;
  }

  /** Hands consumed space back to the writer, waking it if it waits for space. Not once closed. */
  release(): void {
    if (this.#closed) return;
    const words = this.#words;
    Atomics.store(words, HEAD_INDEX, this.#head | 0);
    if (Atomics.load(words, WRITER_WAITING_INDEX) !== 0) Atomics.notify(words, HEAD_INDEX);
  }

  /** True when a record is published and not yet consumed. */
  get hasRecords(): boolean {
    return Atomics.load(this.#words, TAIL_INDEX) >>> 0 !== this.#head;
  }

  /** True while the writer says more records are on their way (it is running calls). */
  get writerBusy(): boolean {
    return Atomics.load(this.#words, WRITER_BUSY_INDEX) !== 0;
  }

  /**
   * Resolves when the writer publishes more records (at once if there are some), or
   * when {@link wake} is called: check {@link hasRecords} after. While it waits, the
   * writer rings the doorbell; the event loop stays free. A pending wait does not keep
   * the process alive.
   */
  async whenRecords(): Promise<void> {
    if (this.hasRecords) return;
    const words = this.#words;
    Atomics.store(words, READER_WAITING_INDEX, 1);
    // waitAsync compares TAIL with what was consumed atomically, after the flag is up:
    // a writer that published before seeing the flag did not ring, and is seen here.
    const waited = Atomics.waitAsync(words, TAIL_INDEX, this.#head | 0);
    if (waited.async) await waited.value;
    // Once closed, the buffer may already serve a new reader (a restarted plugin's
    // worker reuses it): clearing the flag then would leave that reader unrung.
    if (!this.#closed) Atomics.store(words, READER_WAITING_INDEX, 0);
  }

  /**
   * Ends a pending {@link whenRecords} and lets go of the ring: this reader touches its
   * control words no more, so the buffer can be handed to another.
   */
  close(): void {
    this.#closed = true;
    Atomics.notify(this.#words, TAIL_INDEX);
  }
}
