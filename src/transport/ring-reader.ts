/**
 * The reading end of a record ring (record-ring.ts): takes records in order, checks each
 * header against the ring's bounds (a violation, never a crash), and hands the space back.
 */
import {
  ALIGN,
  CONTROL_BYTES,
  HEAD_INDEX,
  Placement,
  RANG_AT_F64_INDEX,
  READER_WAITING_INDEX,
  RECORD_HEADER_BYTES,
  RecordKind,
  TAIL_INDEX,
  WRITER_BUSY_INDEX,
  WRITER_CONTENDED_INDEX,
  WRITER_WAITING_INDEX,
} from './shared-layout.js';
import { wireViolation } from './wire-violation.js';

const KINDS = new Set<number>([
  RecordKind.FRAME,
  RecordKind.BYTES,
  RecordKind.RESET,
  RecordKind.FRAMES,
]);
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

/** The reading end of a ring. */
export class RingReader {
  readonly #words: Int32Array;
  readonly #rangAt: Float64Array;
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
    this.#rangAt = new Float64Array(buffer, 0, CONTROL_BYTES / 8);
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
   * claims to be, a kind or placement this side does not know (or a reset or a batch of
   * frames not inline) throws BERTH_ERR_PROTOCOL (wire-violation.ts), and nothing is
   * consumed. Each header word is read once, so a writer that changes a header while it
   * is read gets a consistent copy.
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
      if (
        (kind === RecordKind.RESET || kind === RecordKind.FRAMES) &&
        placement !== Placement.INLINE
      ) {
        // A reset carries nothing: one "on the port" would wait for, and then leave
        // behind, a port message meant for the next record. Frames are batched only
        // when they are small.
        const what = kind === RecordKind.RESET ? 'reset' : 'batch of frames';
        throw wireViolation(`a ${what} record of placement ${placement}`);
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

  /** True while the writer says the machine is busy: looking for its records wastes a core. */
  get writerContended(): boolean {
    return Atomics.load(this.#words, WRITER_CONTENDED_INDEX) !== 0;
  }

  /**
   * When the writer last rang the doorbell (monotonic-clock.ts), as it says: the writer
   * is not trusted, so this is only ever a hint (NaN or anything else it wrote).
   */
  get rangAt(): number {
    return this.#rangAt[RANG_AT_F64_INDEX] as number;
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
