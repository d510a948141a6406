/**
 * One direction of the data plane: frames encoded into a record ring, large values in the
 * result arena, and a copying path over a MessagePort for whatever does not fit.
 *
 *   sender                                       receiver
 *   encode(frame) ─┬─ ≤ INLINE_MAX ──▶ ring record [INLINE, bytes]
 *                  ├─ arena has room ─▶ arena slot + ring record [ARENA, position, length]
 *                  └─ otherwise ──────▶ port message + ring record [PORT, length]
 *   publish once per tick ──(doorbell only if the receiver sleeps)──▶ drain in order
 *
 * Every frame has a ring record, so the receiver decodes frames in the order they were
 * encoded, whichever path their bytes took: the stream codec (codec.ts) depends on it.
 * When the ring itself is full, records wait in order in the sender's queue until the
 * receiver hands space back; nothing blocks a thread, nothing is dropped.
 */
import type { MessagePort } from 'node:worker_threads';
import { BerthError, codes } from '../errors.js';
import {
  createStreamDecoder,
  createStreamEncoder,
  worthBundling,
  type StreamDecoder,
} from './codec.js';
import type { ArenaReader, ArenaSlot, ArenaWriter } from './result-arena.js';
import type { RingReader, RingWriter } from './record-ring.js';
import { INLINE_MAX_BYTES, Placement, RecordKind } from './shared-layout.js';
import { Frame, type AnyFrame } from './wire.js';

/**
 * Records written in one go are published every this many, not only at the end of the
 * tick: the receiver starts on the first results while the rest are being made. Measured
 * with 64 tiny calls in flight: publishing only at the end, 48,000 calls/s; every 8,
 * 80,000 (1 and 16 came out about the same as 8).
 */
const PUBLISH_EVERY = 8;

interface QueuedRecord {
  kind: number;
  placement: number;
  id: number;
  a: number;
  b: number;
  payload: Uint8Array | undefined;
}

/** The sending end of one direction. */
export class FrameSender {
  readonly #writer: RingWriter;
  readonly #port: MessagePort;
  readonly #arena: ArenaWriter | undefined;
  #encoder = createStreamEncoder();
  #queue: QueuedRecord[] = [];
  #publishScheduled = false;
  #unpublished = 0;
  #closed = false;

  constructor(writer: RingWriter, port: MessagePort, arena?: ArenaWriter) {
    this.#writer = writer;
    this.#port = port;
    this.#arena = arena;
  }

  /**
   * Sends one frame; `id` names its call for the receiver. Throws BERTH_ERR_UNENCODABLE,
   * sending nothing, when the frame cannot be encoded.
   */
  send(frame: AnyFrame, id: number): void {
    if (this.#closed) return;
    let bytes: Uint8Array;
    try {
      bytes = this.#encoder.encode(frame, frameWorthBundling(frame));
    } catch (error) {
      this.#encoder = createStreamEncoder();
      this.#record(RecordKind.RESET, Placement.INLINE, 0, 0, 0, undefined);
      throw error;
    }
    this.#place(RecordKind.FRAME, id, bytes);
  }

  /** Sends `bytes` as the result of call `id`, without encoding them. */
  sendBytes(id: number, bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#place(RecordKind.BYTES, id, bytes);
  }

  #place(kind: number, id: number, bytes: Uint8Array): void {
    const length = bytes.byteLength;
    if (length <= INLINE_MAX_BYTES) {
      this.#record(kind, Placement.INLINE, id, length, 0, bytes);
      return;
    }
    const position = this.#arena?.put(bytes) ?? -1;
    if (position >= 0) {
      this.#record(kind, Placement.ARENA, id, position, length, undefined);
      return;
    }
    // The copying path: a private copy is moved, not copied again, to the other side.
    const copy = bytes.slice();
    this.#port.postMessage(copy, [copy.buffer]);
    this.#record(kind, Placement.PORT, id, length, 0, undefined);
  }

  #record(
    kind: number,
    placement: number,
    id: number,
    a: number,
    b: number,
    payload: Uint8Array | undefined,
  ): void {
    if (this.#queue.length === 0 && this.#writer.write(kind, placement, id, a, b, payload)) {
      if (++this.#unpublished >= PUBLISH_EVERY) {
        this.#unpublished = 0;
        this.#writer.publish();
      } else if (!this.#publishScheduled) {
        this.#publishScheduled = true;
        queueMicrotask(this.#publish);
      }
      return;
    }
    // The encoder's buffer is reused at the next encode: a queued payload needs its own copy.
    this.#queue.push({ kind, placement, id, a, b, payload: payload?.slice() });
    if (this.#queue.length === 1) void this.#drainQueue();
  }

  readonly #publish = (): void => {
    this.#publishScheduled = false;
    this.#unpublished = 0;
    if (!this.#closed) this.#writer.publish();
  };

  async #drainQueue(): Promise<void> {
    const queue = this.#queue;
    while (queue.length > 0 && !this.#closed) {
      const next = queue[0] as QueuedRecord;
      if (this.#writer.write(next.kind, next.placement, next.id, next.a, next.b, next.payload)) {
        queue.shift();
        continue;
      }
      this.#writer.publish();
      await this.#writer.whenSpace(next.payload?.byteLength ?? 0);
    }
    this.#writer.publish();
  }

  /** Records waiting for ring space. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Stops sending; queued records are dropped. Safe to call more than once. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
  }
}

/** What a receiver hands over: a frame, and the arena slot its byte views live in, if any. */
export type FrameHandler = (frame: AnyFrame, slot: ArenaSlot | undefined) => void;

/** Options of a {@link FrameReceiver}. */
export interface ReceiverOptions {
  reader: RingReader;
  port: MessagePort;
  /** The arena the sender puts large values in (results only). */
  arena?: ArenaReader | undefined;
  /**
   * Whether call `id` takes a byte-array result as a view on the arena (a zero-copy
   * call). When it does, the handler gets the slot and must free it; otherwise the
   * result is copied and the slot freed at once.
   */
  keepsViews?: (id: number) => boolean;
  onFrame: FrameHandler;
}

/** The receiving end of one direction. Call {@link drain} when the doorbell rings. */
export class FrameReceiver {
  readonly #options: ReceiverOptions;
  #decoder: StreamDecoder = createStreamDecoder();
  readonly #scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  readonly #ported: Uint8Array[] = [];
  #portWaiter: (() => void) | undefined;

  constructor(options: ReceiverOptions) {
    this.#options = options;
    options.port.on('message', (bytes: Uint8Array) => {
      this.#ported.push(bytes);
      this.drain();
      const wake = this.#portWaiter;
      this.#portWaiter = undefined;
      wake?.();
    });
  }

  /**
   * Handles every published record, in order, and hands their ring space back. Stops
   * early at a record whose port message has not arrived yet (its arrival resumes).
   */
  /**
   * Resolves once the record at the head of the ring can be handled: at once, unless
   * drain stopped at a record whose port message has not arrived (then at its arrival).
   * The receive loop awaits this so that it never spins on records it cannot take yet.
   */
  whenReady(): Promise<void> | undefined {
    const record = this.#options.reader.peek();
    if (record?.placement !== Placement.PORT || this.#ported.length > 0) return undefined;
    return new Promise((resolve) => (this.#portWaiter = resolve));
  }

  drain(): void {
    const { reader } = this.#options;
    let record = reader.peek();
    while (record !== undefined) {
      if (record.placement === Placement.PORT && this.#ported.length === 0) break;
      this.#handle(
        record.kind,
        record.placement,
        record.id,
        record.a,
        record.b,
        record.payloadOffset,
      );
      reader.consume();
      record = reader.peek();
    }
    reader.release();
  }

  #decode(own: Uint8Array): AnyFrame {
    return this.#decoder.decode(own, own.byteLength, false) as AnyFrame;
  }

  /**
   * Decodes a frame that sits in shared memory from a private copy: into the reused
   * scratch buffer when it fits (byte arrays in it are then copied out), else into a copy
   * of its own that its byte arrays may view.
   */
  #decodeShared(shared: Uint8Array): AnyFrame {
    const length = shared.byteLength;
    if (length > SCRATCH_BYTES) return this.#decode(shared.slice());
    this.#scratch.set(shared);
    return this.#decoder.decode(this.#scratch, length, true) as AnyFrame;
  }

  #handle(kind: number, placement: number, id: number, a: number, b: number, at: number): void {
    const { reader, arena, keepsViews, onFrame } = this.#options;
    if (kind === RecordKind.RESET) {
      this.#decoder = createStreamDecoder();
      return;
    }
    let shared: Uint8Array;
    let slot: ArenaSlot | undefined;
    if (placement === Placement.PORT) {
      // The message is this side's own memory: decode it in place.
      const own = this.#ported.shift() as Uint8Array;
      onFrame(
        kind === RecordKind.BYTES ? [Frame.RESULT, id, asBuffer(own)] : this.#decode(own),
        undefined,
      );
      return;
    }
    if (placement === Placement.INLINE) {
      shared = reader.bytes.subarray(at, at + a);
    } else {
      if (arena === undefined) throw brokenStream('an arena record on a channel without an arena');
      slot = arena.receive(a, b);
      shared = arena.view(slot, b);
    }
    if (kind === RecordKind.BYTES && slot !== undefined && keepsViews?.(id) === true) {
      // Zero-copy: the caller gets a view on the arena; the slot is theirs to free.
      onFrame([Frame.RESULT, id, asBuffer(shared)], slot);
      return;
    }
    // Everything else is decoded from a private copy, and its shared memory handed back
    // at once. msgpackr's native string extraction crashed the process (SIGSEGV) when fed
    // views on a SharedArrayBuffer under cross-thread traffic, so encoded frames are never
    // decoded in shared memory.
    const frame =
      kind === RecordKind.BYTES
        ? [Frame.RESULT, id, asBuffer(shared.slice())]
        : this.#decodeShared(shared);
    if (slot !== undefined) arena?.free(slot);
    onFrame(frame as AnyFrame, undefined);
  }
}

/**
 * The reused buffer small frames are decoded from: a frame of the inline size or less
 * costs a copy into it rather than an allocation.
 */
const SCRATCH_BYTES = INLINE_MAX_BYTES;

/** Whether the strings of a frame are worth bundling: see {@link worthBundling}. */
function frameWorthBundling(frame: AnyFrame): boolean {
  if (frame[0] === Frame.RESULT) return worthBundling(frame[2]);
  if (frame[0] !== Frame.CALL) return false;
  for (const arg of frame[4]) if (worthBundling(arg)) return true;
  return false;
}

function asBuffer(bytes: Uint8Array): Uint8Array {
  // A plain Uint8Array over the same memory, as every byte array arrives (value-model.ts).
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function brokenStream(detail: string): BerthError {
  return new BerthError(codes.PROTOCOL_MISMATCH, `data plane out of step: ${detail}`);
}
