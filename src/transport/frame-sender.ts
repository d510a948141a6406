/**
 * The sending end of one direction of the data plane (shared-channel.ts has the picture):
 * frames encoded into ring records, large ones into the arena or onto the port, published
 * in batches, queued in order while the ring is full.
 */
import type { MessagePort } from 'node:worker_threads';
import { codes, isBerthError, type BerthError } from '../errors.js';
import { createStreamEncoder, worthBundling } from './codec.js';
import { BATCH_MAX_BYTES, FrameBatch } from './frame-batch.js';
import type { ArenaWriter } from './result-arena.js';
import type { RingWriter } from './record-ring.js';
import { INLINE_MAX_BYTES, Placement, RecordKind } from './shared-layout.js';
import { Frame, type AnyFrame } from './wire.js';

/**
 * Records written in one go are published every this many, not only at the end of the
 * tick: the receiver starts on the first results while the rest are being made. Measured
 * with 64 tiny calls in flight: publishing only at the end, 48,000 calls/s; every 8,
 * 80,000 (1 and 16 came out about the same as 8). A full batch of small frames
 * (frame-batch.ts) is published as it is written.
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
  /** Small frames encoded this tick after its first, not yet written (frame-batch.ts). */
  readonly #batch = new FrameBatch();
  #queue: QueuedRecord[] = [];
  #publishScheduled = false;
  #unpublished = 0;
  #closed = false;
  readonly #onViolation: ((error: BerthError) => void) | undefined;

  /**
   * `onViolation` is told when the receiver's side of the ring is impossible (its HEAD,
   * which it writes, is out of bounds); the sender then closes. The send that met it
   * throws the violation as well (its caller has nothing else to settle its call with);
   * later sends send nothing. Without `onViolation`, the violation is only thrown.
   */
  constructor(
    writer: RingWriter,
    port: MessagePort,
    arena?: ArenaWriter,
    onViolation?: (error: BerthError) => void,
  ) {
    this.#writer = writer;
    this.#port = port;
    this.#arena = arena;
    this.#onViolation = onViolation;
  }

  /** RingWriter.write, closing the sender and reporting a violation. */
  #write(
    kind: number,
    placement: number,
    id: number,
    a: number,
    b: number,
    payload: Uint8Array | undefined,
  ): boolean {
    try {
      return this.#writer.write(kind, placement, id, a, b, payload);
    } catch (error) {
      this.close();
      if (this.#onViolation === undefined || !isBerthError(error, codes.PROTOCOL)) throw error;
      this.#onViolation(error);
      throw error;
    }
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
    // The first frame since the last publish goes at once, as it would alone: one call
    // at a time pays nothing for the batching of the frames that follow it in the tick.
    if (
      bytes.byteLength > BATCH_MAX_BYTES ||
      (this.#unpublished === 0 && this.#batch.count === 0)
    ) {
      this.#place(RecordKind.FRAME, id, bytes);
      return;
    }
    if (this.#batch.add(bytes, id)) this.flush();
    else this.#publishLater();
  }

  /** Writes the frames waiting in the batch as one record (a frame alone as itself). */
  #writeBatch(): void {
    const batch = this.#batch;
    const count = batch.count;
    if (count === 0) return;
    const id = count === 1 ? batch.firstId : count;
    const payload = batch.take();
    const kind = count === 1 ? RecordKind.FRAME : RecordKind.FRAMES;
    this.#record(kind, Placement.INLINE, id, payload.byteLength, 0, payload);
  }

  /** Sends `bytes` as the result of call `id`, without encoding them. */
  sendBytes(id: number, bytes: Uint8Array, lent?: Uint8Array): void {
    if (this.#closed) return;
    if (lent !== undefined && this.#arena !== undefined) {
      const position = this.#arena.commit(bytes, lent);
      if (position >= 0) {
        // Written in place by the plugin (reserveBytes): already where it goes.
        this.#record(RecordKind.BYTES, Placement.ARENA, id, position, bytes.byteLength, undefined);
        return;
      }
      // Not the lent view's first bytes: give the slot back, so these can take one.
      this.#arena.release(lent);
    }
    this.#place(RecordKind.BYTES, id, bytes);
  }

  /**
   * A byte array of `length` to be written in place and sent with {@link sendBytes}: a
   * view on the arena when one is free (ArenaWriter.reserve), else undefined.
   */
  reserveBytes(length: number): Uint8Array | undefined {
    return this.#closed ? undefined : this.#arena?.reserve(length);
  }

  /** Takes back `view`, lent by {@link reserveBytes}, if it was not sent: its call has ended. */
  releaseBytes(view: Uint8Array): void {
    this.#arena?.release(view);
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

  /**
   * Writes a record, after the frames batched before it: the receiver takes records in
   * the order they were sent. (The batch's own record finds the batch already emptied.)
   */
  #record(
    kind: number,
    placement: number,
    id: number,
    a: number,
    b: number,
    payload: Uint8Array | undefined,
  ): void {
    this.#writeBatch();
    if (this.#queue.length === 0 && this.#write(kind, placement, id, a, b, payload)) {
      if (++this.#unpublished >= PUBLISH_EVERY) {
        this.#unpublished = 0;
        this.#writer.publish();
      } else {
        this.#publishLater();
      }
      return;
    }
    // The encoder's and the batch's buffers are reused: a queued payload needs its own copy.
    this.#queue.push({ kind, placement, id, a, b, payload: payload?.slice() });
    if (this.#queue.length === 1) void this.#drainQueue();
  }

  #publishLater(): void {
    if (this.#publishScheduled) return;
    this.#publishScheduled = true;
    queueMicrotask(this.#publish);
  }

  readonly #publish = (): void => {
    try {
      // Still marked scheduled while the batch is written, which would schedule it again.
      this.flush();
    } catch (error) {
      // An impossible HEAD, reported by #write: nobody is up the stack of a microtask.
      if (this.#onViolation === undefined || !isBerthError(error, codes.PROTOCOL)) throw error;
    } finally {
      this.#publishScheduled = false;
    }
  };

  async #drainQueue(): Promise<void> {
    const queue = this.#queue;
    try {
      while (queue.length > 0 && !this.#closed) {
        const next = queue[0] as QueuedRecord;
        if (this.#write(next.kind, next.placement, next.id, next.a, next.b, next.payload)) {
          queue.shift();
          continue;
        }
        this.#writer.publish();
        await this.#writer.whenSpace(next.payload?.byteLength ?? 0);
      }
      this.#writer.publish();
    } catch (error) {
      // Reported by #write; nobody awaits this loop, so it must not reject.
      if (this.#onViolation === undefined) throw error;
    }
  }

  /** Publishes what is written now, not at the end of the tick (a publish already due then finds nothing). */
  flush(): void {
    if (this.#closed) return;
    this.#writeBatch();
    this.#unpublished = 0;
    this.#writer.publish();
  }

  /** Records waiting for ring space. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Stops sending; queued records are dropped, and the ring's control words are left
   * alone from now on. Safe to call more than once.
   */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#writer.close();
  }
}

/** Whether the strings of a frame are worth bundling: see {@link worthBundling}. */
export function frameWorthBundling(frame: AnyFrame): boolean {
  if (frame[0] === Frame.RESULT) return worthBundling(frame[2]);
  if (frame[0] !== Frame.CALL) return false;
  for (const arg of frame[4]) if (worthBundling(arg)) return true;
  return false;
}
