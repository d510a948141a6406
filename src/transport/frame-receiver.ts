/**
 * The receiving end of one direction of the data plane (shared-channel.ts has the
 * picture): drains ring records in order, takes each frame's bytes from the record, the
 * arena or the port, decodes it, and treats whatever is out of bounds or malformed as a
 * protocol violation.
 */
import type { MessagePort } from 'node:worker_threads';
import { codes, isBerthError, type BerthError } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import { createStreamDecoder, type StreamDecoder } from './codec.js';
import { readBatch } from './frame-batch.js';
import type { ArenaReader, ArenaSlot } from './result-arena.js';
import type { RingReader } from './record-ring.js';
import { INLINE_MAX_BYTES, Placement, RecordKind } from './shared-layout.js';
import { Frame, type AnyFrame } from './wire.js';
import { wireViolation } from './wire-violation.js';

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
  /** The frame kinds this direction carries (wire.ts `Frame`); any other is a violation. */
  accepts: readonly number[];
  onFrame: FrameHandler;
  /**
   * Told once when the sender breaks the protocol (BERTH_ERR_PROTOCOL: a record out of
   * bounds, bytes that do not decode, a frame of the wrong shape, junk on the port); the
   * receiver then takes nothing more. Without it, the violation is thrown from drain.
   */
  onViolation?: ((error: BerthError) => void) | undefined;
}

/**
 * Port messages this side holds while their ring records have not come: a sender keeps
 * no more than a few in flight, so more than this is junk on the port, not results.
 */
const MAX_PORTED = 1024;

/** The receiving end of one direction. Call {@link drain} when the doorbell rings. */
export class FrameReceiver {
  readonly #options: ReceiverOptions;
  #decoder: StreamDecoder = createStreamDecoder();
  readonly #scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  readonly #ported: Uint8Array[] = [];
  readonly #accepts: ReadonlySet<number>;
  #portWaiter: (() => void) | undefined;
  #broken = false;

  constructor(options: ReceiverOptions) {
    this.#options = options;
    this.#accepts = new Set(options.accepts);
    options.port.on('message', (bytes: unknown) => {
      if (this.#broken) return;
      if (!(bytes instanceof Uint8Array)) {
        this.#violated(wireViolation(`a port message that is not bytes (${describeKind(bytes)})`));
      } else if (bytes.buffer instanceof SharedArrayBuffer) {
        // Still the sender's memory: it could change the bytes while they are decoded
        // (see #handle) or after they are handed over. An honest sender moves its own copy.
        this.#violated(wireViolation('a port message that is a view on shared memory'));
      } else if (this.#ported.length >= MAX_PORTED) {
        this.#violated(wireViolation(`over ${MAX_PORTED} port messages without their records`));
      } else {
        this.#ported.push(bytes);
        this.drain();
      }
      const wake = this.#portWaiter;
      this.#portWaiter = undefined;
      wake?.();
    });
  }

  /** True once the sender broke the protocol: nothing more is taken. */
  get broken(): boolean {
    return this.#broken;
  }

  #violated(error: BerthError): void {
    if (this.#broken) return;
    this.#broken = true;
    this.#ported.length = 0;
    const { onViolation } = this.#options;
    if (onViolation === undefined) throw error;
    onViolation(error);
  }

  /**
   * Resolves once the record at the head of the ring can be handled: at once, unless
   * drain stopped at a record whose port message has not arrived (then at its arrival).
   * The receive loop awaits this so that it never spins on records it cannot take yet.
   */
  whenReady(): Promise<void> | undefined {
    if (this.#broken) return undefined;
    let record;
    try {
      record = this.#options.reader.peek();
    } catch (error) {
      this.#violated(error as BerthError);
      return undefined;
    }
    if (record?.placement !== Placement.PORT || this.#ported.length > 0) return undefined;
    return new Promise((resolve) => (this.#portWaiter = resolve));
  }

  /**
   * Handles every published record, in order, and hands their ring space back. Stops
   * early at a record whose port message has not arrived yet (its arrival resumes). A
   * protocol violation stops it for good (see {@link ReceiverOptions.onViolation}); what
   * `onFrame` throws is not caught.
   */
  drain(): void {
    if (this.#broken) return;
    const { reader } = this.#options;
    let record;
    try {
      record = reader.peek();
      while (record !== undefined) {
        if (record.placement === Placement.PORT && this.#ported.length === 0) break;
        const { kind, placement, id, a, b, payloadOffset } = record;
        reader.consume();
        if (kind === RecordKind.FRAMES) {
          this.#handOver(this.#batch(id, a, payloadOffset));
        } else {
          const handled = this.#handle(kind, placement, id, a, b, payloadOffset);
          if (handled !== undefined) this.#options.onFrame(handled.frame, handled.slot);
        }
        record = reader.peek();
      }
    } catch (error) {
      if (!isBerthError(error, codes.PROTOCOL)) throw error;
      this.#violated(error);
      return;
    } finally {
      if (!this.#broken) reader.release();
    }
  }

  /**
   * Takes one record: its frame (decoded from a private copy, or a byte array) and the
   * arena slot its views live in, if the caller keeps them. Throws BERTH_ERR_PROTOCOL for
   * anything the sender could not have sent; undefined for a RESET.
   */
  #handle(
    kind: number,
    placement: number,
    id: number,
    a: number,
    b: number,
    at: number,
  ): { frame: AnyFrame; slot: ArenaSlot | undefined } | undefined {
    const { reader, arena, keepsViews } = this.#options;
    if (kind === RecordKind.RESET) {
      this.#decoder = createStreamDecoder();
      return undefined;
    }
    if (placement === Placement.PORT) {
      // The message is this side's own memory: decode it in place.
      const own = this.#ported.shift() as Uint8Array;
      if (own.byteLength !== a) {
        throw wireViolation(`a port message of ${own.byteLength} bytes for a record of ${a}`);
      }
      if (kind === RecordKind.BYTES)
        return { frame: [Frame.RESULT, id, asBytes(own)], slot: undefined };
      return { frame: this.#checked(this.#decode(own), id), slot: undefined };
    }
    let shared: Uint8Array;
    let slot: ArenaSlot | undefined;
    if (placement === Placement.INLINE) {
      shared = reader.bytes.subarray(at, at + a);
    } else {
      if (arena === undefined) throw wireViolation('an arena record on a channel without an arena');
      slot = arena.receive(a, b);
      shared = arena.view(slot, b);
    }
    if (kind === RecordKind.BYTES && slot !== undefined && keepsViews?.(id) === true) {
      // Zero-copy: the caller gets a view on the arena; the slot is theirs to free.
      return { frame: [Frame.RESULT, id, asBytes(shared)], slot };
    }
    // Everything else is decoded from a private copy, and its shared memory handed back
    // at once. msgpackr's native string extraction crashes the process (SIGSEGV) when fed
    // a view on a SharedArrayBuffer (at once, one thread is enough), so encoded frames are
    // never decoded in shared memory; port messages on shared memory are refused.
    try {
      const frame =
        kind === RecordKind.BYTES
          ? ([Frame.RESULT, id, asBytes(shared.slice())] as AnyFrame)
          : this.#checked(this.#decodeShared(shared), id);
      return { frame, slot: undefined };
    } finally {
      if (slot !== undefined) arena?.free(slot);
    }
  }

  /**
   * The frames of a FRAMES record (always inline: reader.peek checked), from a private
   * copy. Each must decode to exactly its length, be a frame of this direction and name
   * a call (a 32-bit id); anything else is a violation, and none of them is handed over.
   */
  #batch(count: number, length: number, at: number): AnyFrame[] {
    if (length > SCRATCH_BYTES) throw wireViolation(`a batch of frames of ${length} bytes`);
    const scratch = this.#scratch;
    scratch.set(this.#options.reader.bytes.subarray(at, at + length));
    const decode = (start: number, end: number): unknown => {
      try {
        return this.#decoder.decodeRange(scratch, start, end, true);
      } catch (error) {
        throw wireViolation(
          `a batched frame that does not decode (${describeThrown(error)})`,
          error,
        );
      }
    };
    return readBatch(scratch, length, count, decode, (value) => {
      const id = (value as unknown[] | undefined)?.[1];
      if (typeof id !== 'number' || id >>> 0 !== id) {
        throw wireViolation('a frame in a batch without the id of a call');
      }
      return this.#checked(value, id);
    });
  }

  /**
   * Hands over the frames of a batch. What `onFrame` throws is let through as for any
   * record, but only once every frame is handed over: they left the ring together.
   */
  #handOver(frames: AnyFrame[]): void {
    let failed = false;
    let failure: unknown;
    for (const frame of frames) {
      try {
        this.#options.onFrame(frame, undefined);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
    if (failed) throw failure;
  }

  #decode(own: Uint8Array): unknown {
    try {
      return this.#decoder.decode(own, own.byteLength, false);
    } catch (error) {
      throw wireViolation(`a frame that does not decode (${describeThrown(error)})`, error);
    }
  }

  /**
   * Decodes a frame that sits in shared memory from a private copy: into the reused
   * scratch buffer when it fits (byte arrays in it are then copied out), else into a copy
   * of its own that its byte arrays may view.
   */
  #decodeShared(shared: Uint8Array): unknown {
    const length = shared.byteLength;
    if (length > SCRATCH_BYTES) return this.#decode(shared.slice());
    this.#scratch.set(shared);
    try {
      return this.#decoder.decode(this.#scratch, length, true);
    } catch (error) {
      throw wireViolation(`a frame that does not decode (${describeThrown(error)})`, error);
    }
  }

  /** `value` as a frame of call `id` of a kind this direction carries, or a violation. */
  #checked(value: unknown, id: number): AnyFrame {
    if (!Array.isArray(value) || !this.#accepts.has(value[0] as number) || value[1] !== id) {
      throw wireViolation(`a frame that is not one of this direction's for call ${id}`);
    }
    return value as AnyFrame;
  }
}

/**
 * The reused buffer small frames are decoded from: a frame of the inline size or less
 * costs a copy into it rather than an allocation.
 */
const SCRATCH_BYTES = INLINE_MAX_BYTES;

function asBytes(bytes: Uint8Array): Uint8Array {
  // A plain Uint8Array over the same memory, as every byte array arrives (value-model.ts).
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What a port message was, for a violation's message (never its contents). */
function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return Array.isArray(value) ? 'an array' : 'an object';
}
