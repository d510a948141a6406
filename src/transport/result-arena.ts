/**
 * The result arena: a SharedArrayBuffer where a worker puts results too large to travel
 * inside a ring record, and where the host reads them in place.
 *
 * The worker allocates from a free-running tail, in the order its ring records are
 * published; the host frees slots in any order (a zero-copy result holds its slot until
 * its lease is released) and moves the head over the freed prefix. So a slot is reused
 * only after everything allocated before it has been freed too: a forgotten lease costs
 * arena space until it is reclaimed, never a wrong byte. When the arena has no room, the
 * worker takes the copying path instead (shared-channel.ts); it never waits for space.
 */
import { ARENA_HEAD_INDEX, ARENA_TAIL_INDEX, CONTROL_BYTES, alignUp } from './shared-layout.js';
import { wireViolation } from './wire-violation.js';

/** Worker side: allocates slots and copies bytes into them, or lends one to be written in place. */
export class ArenaWriter {
  readonly bytes: Uint8Array;
  readonly #words: Int32Array;
  readonly #mask: number;
  #tail: number;
  /** The slot lent by {@link reserve}: nothing else is allocated until it is committed or released. */
  #reserved: { position: number; view: Uint8Array } | undefined;

  /** `results` holds the arena's counters (shared-layout.ts). */
  constructor(arena: SharedArrayBuffer, results: SharedArrayBuffer) {
    this.bytes = new Uint8Array(arena);
    this.#words = new Int32Array(results, 0, CONTROL_BYTES / 4);
    this.#mask = this.bytes.byteLength - 1;
    this.#tail = Atomics.load(this.#words, ARENA_TAIL_INDEX) >>> 0;
  }

  /**
   * Copies `source` into a fresh slot and returns the slot's position (a free-running
   * counter), or -1 when the arena has no room for it now (or ever: a value larger
   * than half the arena always takes the copying path), or a slot is lent out.
   */
  put(source: Uint8Array): number {
    if (this.#reserved !== undefined) return -1;
    const position = this.#fit(source.byteLength);
    if (position < 0) return -1;
    this.bytes.set(source, position & this.#mask);
    this.#advance(position, source.byteLength);
    return position;
  }

  /**
   * Lends a slot of `length` bytes to be written in place: a view on the arena, or
   * undefined when there is no room or a slot is lent already (one at a time). Until it
   * is committed or released, {@link put} takes no other value, so the slot cannot be
   * handed to anything else; nothing is allocated, so releasing it costs nothing.
   */
  reserve(length: number): Uint8Array | undefined {
    if (this.#reserved !== undefined) return undefined;
    const position = this.#fit(length);
    if (position < 0) return undefined;
    const view = new Uint8Array(this.bytes.buffer, position & this.#mask, length);
    this.#reserved = { position, view };
    return view;
  }

  /**
   * Allocates the slot lent as `lent` for `value` and returns its position, when `lent`
   * is still lent and `value` is it or a view on its first bytes (the slot shrinks to
   * fit); otherwise -1, and nothing changes. Either way the bytes stay where they are.
   */
  commit(value: Uint8Array, lent: Uint8Array): number {
    const reserved = this.#reserved;
    if (
      reserved?.view !== lent ||
      value.buffer !== reserved.view.buffer ||
      value.byteOffset !== reserved.view.byteOffset ||
      value.byteLength > reserved.view.byteLength ||
      value.byteLength === 0
    ) {
      return -1;
    }
    this.#reserved = undefined;
    this.#advance(reserved.position, value.byteLength);
    return reserved.position;
  }

  /** Takes the lent slot back, if `view` is still lent: its call ended without returning it. */
  release(view: Uint8Array): void {
    if (this.#reserved?.view === view) this.#reserved = undefined;
  }

  /** Where a slot of `length` bytes goes now, or -1 (see put). */
  #fit(length: number): number {
    const capacity = this.bytes.byteLength;
    const size = alignUp(length);
    if (length === 0 || size > capacity / 2) return -1;
    const head = Atomics.load(this.#words, ARENA_HEAD_INDEX) >>> 0;
    const offset = this.#tail & this.#mask;
    const used = (this.#tail - head) >>> 0;
    const toEnd = capacity - offset;
    // Start again at 0 when the slot would cross the end, and also whenever the start of
    // the arena is free and the skip still leaves room for one more slot this size. The
    // start is the part most likely still in the CPU's cache: walking all of a 16 MiB
    // arena made a 1 MiB copy 1.8x slower. The room kept spare lets one more lease be held
    // across the skip (what was skipped counts as in use until the slots before it are
    // freed) before a result has to take the copying path.
    const skip =
      toEnd < size || (offset !== 0 && capacity - used - toEnd - size >= size) ? toEnd : 0;
    if (capacity - used < skip + size) return -1;
    return (this.#tail + skip) >>> 0;
  }

  #advance(position: number, length: number): void {
    this.#tail = (position + alignUp(length)) >>> 0;
    Atomics.store(this.#words, ARENA_TAIL_INDEX, this.#tail | 0);
  }
}

/** One slot the host has received; free it exactly once. */
export interface ArenaSlot {
  readonly start: number;
  readonly end: number;
  freed: boolean;
}

/** Host side: views on slots, and their release in any order. */
export class ArenaReader {
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #mask: number;
  /** Slots received and not yet passed by the head, in allocation order. */
  #slots: ArenaSlot[] = [];
  #first = 0;
  #head: number;
  #received: number;

  constructor(arena: SharedArrayBuffer, results: SharedArrayBuffer) {
    this.buffer = arena;
    this.#words = new Int32Array(results, 0, CONTROL_BYTES / 4);
    this.#mask = arena.byteLength - 1;
    this.#head = Atomics.load(this.#words, ARENA_HEAD_INDEX) >>> 0;
    this.#received = this.#head;
  }

  /**
   * Registers the slot a record names; slots must be received in allocation order. The
   * worker is not trusted: a slot that is not where the next one can be (right after the
   * last, or at the start of the arena after a skip), that crosses the end of the arena,
   * that is larger than half of it, or that would reach into space still held, throws
   * BERTH_ERR_PROTOCOL and registers nothing.
   */
  receive(position: number, length: number): ArenaSlot {
    const capacity = this.buffer.byteLength;
    const size = length > capacity / 2 ? capacity : alignUp(length);
    const offset = position & this.#mask;
    const end = (position + size) >>> 0;
    if (
      length === 0 ||
      length > capacity / 2 ||
      offset + size > capacity ||
      (position !== this.#received &&
        (offset !== 0 || (position - this.#received) >>> 0 >= capacity)) ||
      (end - this.#head) >>> 0 > capacity
    ) {
      throw wireViolation(
        `an arena slot of ${length} bytes at position ${position} (next expected at ${this.#received}, ${(this.#received - this.#head) >>> 0} of ${capacity} bytes held)`,
      );
    }
    const slot = { start: position, end, freed: false };
    if (this.#first === this.#slots.length && position !== this.#head) {
      // Nothing is held: the writer skipped to the start of the arena, and what it
      // skipped is free now, not when this slot is.
      this.#head = position;
      Atomics.store(this.#words, ARENA_HEAD_INDEX, position | 0);
    }
    this.#slots.push(slot);
    this.#received = slot.end;
    return slot;
  }

  /** A view of `length` bytes of `slot`: valid until the slot is freed. */
  view(slot: ArenaSlot, length: number): Uint8Array {
    return new Uint8Array(this.buffer, slot.start & this.#mask, length);
  }

  /** Frees `slot` (a second free is ignored) and hands every freed prefix back to the worker. */
  free(slot: ArenaSlot): void {
    if (slot.freed) return;
    slot.freed = true;
    const slots = this.#slots;
    let first = this.#first;
    while (first < slots.length && (slots[first] as ArenaSlot).freed) {
      this.#head = (slots[first] as ArenaSlot).end;
      first += 1;
    }
    // Everything before the oldest slot still held is free, the end of the arena the
    // writer skipped to start again at 0 included.
    if (first < slots.length) this.#head = (slots[first] as ArenaSlot).start;
    if (first === slots.length) {
      this.#slots = [];
      first = 0;
    } else if (first > 1024 && first * 2 > slots.length) {
      this.#slots = slots.slice(first);
      first = 0;
    }
    this.#first = first;
    Atomics.store(this.#words, ARENA_HEAD_INDEX, this.#head | 0);
  }

  /** Bytes received and not yet handed back (slots held by leases, and what they hold up). */
  get bytesInUse(): number {
    return (this.#received - this.#head) >>> 0;
  }

  /** The arena's size in bytes. */
  get capacity(): number {
    return this.buffer.byteLength;
  }
}
