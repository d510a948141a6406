/**
 * The shared-memory layout of the data plane: one module both sides import, so the host
 * and the worker can never disagree on where a word lives.
 *
 * Each plugin worker gets three SharedArrayBuffers, made by the host at spawn:
 *
 *   requests  (host writes, worker reads)      results (worker writes, host reads)
 *   ┌─────────────────────────────┐            ┌─────────────────────────────┐
 *   │ control words (Int32)       │            │ control words (Int32)       │
 *   │  TAIL   bytes published     │            │  TAIL / HEAD / flags / BUSY │
 *   │  (RANG_AT: a Float64)       │            │  (RANG_AT: a Float64)       │
 *   │  HEAD   bytes consumed      │            ├─────────────────────────────┤
 *   │  READER_WAITING  doorbell   │            │ record ring                 │
 *   │  WRITER_WAITING  space bell │            │  [rec][rec][rec]······      │
 *   ├─────────────────────────────┤            └─────────────────────────────┘
 *   │ record ring                 │
 *   │  [rec][rec][pad→wrap]······ │            arena (worker allocates, host frees)
 *   └─────────────────────────────┘            ┌─────────────────────────────┐
 *                                              │ ARENA_TAIL / ARENA_HEAD     │
 *   record (8-byte aligned, never wraps)       ├─────────────────────────────┤
 *   ┌──────┬──────┬──────┬──────┬──────┬──┐    │ [value bytes][view held by a│
 *   │ size │ meta │  id  │  a   │  b   │..│    │  lease]······[value bytes]  │
 *   └──────┴──────┴──────┴──────┴──────┴──┘    └─────────────────────────────┘
 *    size: record bytes, header included; meta: KIND | PLACEMENT; id: the call (FRAMES:
 *    how many frames);
 *    INLINE: a = payload length, payload follows the header;
 *    ARENA:  a = arena position (a free-running counter), b = length;
 *    PORT:   a = payload length, the payload is the next message on the port.
 *
 * Positions are free-running 32-bit counters (`>>> 0` arithmetic); a ring's capacity is a
 * power of two, so `position & (capacity - 1)` is the offset. Words are written with
 * Atomics (sequentially consistent): the bytes of a record are written before the TAIL
 * that publishes them, and a reader that sees the TAIL sees the bytes.
 */

/** Int32 index of the bytes published by the writer. */
export const TAIL_INDEX = 0;
/** Int32 index of the bytes the reader has consumed (and the writer may reuse). */
export const HEAD_INDEX = 1;
/** Int32 index of the reader's "asleep, notify me on TAIL" flag. */
export const READER_WAITING_INDEX = 2;
/** Int32 index of the writer's "out of space, notify me on HEAD" flag. */
export const WRITER_WAITING_INDEX = 3;
/** Int32 index of the arena's allocation counter (worker-owned). */
export const ARENA_TAIL_INDEX = 4;
/** Int32 index of the arena's release counter (host-owned). */
export const ARENA_HEAD_INDEX = 5;
/**
 * Int32 index of the writer's "running calls whose results are not written yet" flag
 * (results ring): a reader may keep looking for them rather than go to sleep.
 */
export const WRITER_BUSY_INDEX = 6;
/**
 * Int32 index of the writer's "my watch lost its core: the machine is busy" flag
 * (results ring, spin-policy.ts): a reader does not spend turns looking while it is up.
 */
export const WRITER_CONTENDED_INDEX = 7;
/**
 * Float64 index (bytes 32-39) of when the writer last rang the doorbell, in ms on the
 * system's monotonic clock (spin-policy.ts `monotonicMs`): a reader woken by it can tell
 * how long the other side took to answer, its own wake-up left out.
 */
export const RANG_AT_F64_INDEX = 4;
/** Bytes of control words before a ring's records (a cache line, so rings start aligned). */
export const CONTROL_BYTES = 64;

/** Bytes of a record header: size, meta, id, a, b, and padding to 8. */
export const RECORD_HEADER_BYTES = 24;
/** Records and arena slots start on multiples of this. */
export const ALIGN = 8;

/** What a record carries (the high byte of `meta`). */
export const RecordKind = {
  /** An encoded frame (wire.ts). */
  FRAME: 1,
  /** A call's result that is one byte array, not encoded: the bytes are the value. */
  BYTES: 2,
  /** Filler up to the end of the ring; the next record starts at offset 0. */
  PAD: 3,
  /** The sender replaced its encoder (after a failed encode): replace the decoder. */
  RESET: 4,
  /**
   * Several encoded frames, each after its length (uint32, little-endian), always inline
   * (`id` says how many): the small frames of one tick (frame-sender.ts).
   */
  FRAMES: 5,
} as const;

/** Where a record's payload is (the low byte of `meta`). */
export const Placement = {
  INLINE: 1,
  ARENA: 2,
  PORT: 3,
} as const;

/** Default sizes; the arena is configurable per plugin (manifest or host options). */
export const DEFAULT_RING_BYTES = 1 << 20;
export const DEFAULT_ARENA_BYTES = 16 << 20;
/** Payloads up to this size travel inside their record; larger ones in the arena or on the port. */
export const INLINE_MAX_BYTES = 32 << 10;

/** The shared buffers of one worker's data plane. */
export interface SharedBuffers {
  requests: SharedArrayBuffer;
  results: SharedArrayBuffer;
  arena: SharedArrayBuffer;
}

/** Rounds `n` up to a multiple of {@link ALIGN}. */
export function alignUp(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

/** The smallest power of two at least `n` (and at least 64 KiB). */
export function ringCapacity(n: number): number {
  let capacity = 1 << 16;
  while (capacity < n) capacity *= 2;
  return capacity;
}

/** Allocates the buffers of one worker: rings of `ringBytes`, an arena of `arenaBytes`. */
export function createSharedBuffers(
  ringBytes = DEFAULT_RING_BYTES,
  arenaBytes = DEFAULT_ARENA_BYTES,
): SharedBuffers {
  const ring = ringCapacity(ringBytes);
  return {
    requests: new SharedArrayBuffer(CONTROL_BYTES + ring),
    results: new SharedArrayBuffer(CONTROL_BYTES + ring),
    // The arena's counters live in the results buffer's control words.
    arena: new SharedArrayBuffer(ringCapacity(arenaBytes)),
  };
}
