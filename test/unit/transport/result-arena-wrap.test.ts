/**
 * The result arena's life cycle, slot by slot: allocation, release, going back to the
 * start, exhaustion and recovery, with the free-running 32-bit counters seeded just
 * before 2^32 (through the layout's control words) as well as at 0. No threads: the
 * writer and the reader share the buffers in this thread.
 */
import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { ArenaReader, ArenaWriter, type ArenaSlot } from '../../../src/transport/result-arena.js';
import {
  ARENA_HEAD_INDEX,
  ARENA_TAIL_INDEX,
  CONTROL_BYTES,
} from '../../../src/transport/shared-layout.js';

const ARENA = 1 << 16;
const WRAP = 2 ** 32;
const QUARTER = ARENA / 4;

interface Arena {
  writer: ArenaWriter;
  reader: ArenaReader;
  words: Int32Array;
}

/** An arena whose counters both start at `position`, as after a long life. */
function arenaAt(position: number): Arena {
  const arena = new SharedArrayBuffer(ARENA);
  const results = new SharedArrayBuffer(CONTROL_BYTES + 1024);
  const words = new Int32Array(results, 0, CONTROL_BYTES / 4);
  Atomics.store(words, ARENA_TAIL_INDEX, position | 0);
  Atomics.store(words, ARENA_HEAD_INDEX, position | 0);
  return {
    writer: new ArenaWriter(arena, results),
    reader: new ArenaReader(arena, results),
    words,
  };
}

/** Puts `length` bytes of `fill` and receives the slot, as the host does from its record. */
function allocate(arena: Arena, length: number, fill: number): ArenaSlot | undefined {
  const position = arena.writer.put(new Uint8Array(length).fill(fill));
  return position === -1 ? undefined : arena.reader.receive(position, length);
}

const holds = (arena: Arena, slot: ArenaSlot, length: number, fill: number): boolean =>
  arena.reader.view(slot, length).every((byte) => byte === fill);

const headOf = (arena: Arena): number => Atomics.load(arena.words, ARENA_HEAD_INDEX) >>> 0;

describe.each([
  ['at 0', 0],
  ['one arena before 2^32', WRAP - ARENA],
])('the result arena, its counters starting %s', (_, start) => {
  it('allocates until full, refuses more, and takes more once the oldest slot is freed', () => {
    const arena = arenaAt(start);
    const slots = [1, 2, 3, 4].map((fill) => allocate(arena, QUARTER, fill) as ArenaSlot);
    expect(slots.every((slot) => slot !== undefined)).toBe(true);
    expect(arena.reader.bytesInUse).toBe(ARENA);
    expect(arena.writer.put(new Uint8Array(8))).toBe(-1);

    // A later slot freed gives nothing back: the oldest still holds the head.
    arena.reader.free(slots[2] as ArenaSlot);
    expect(arena.writer.put(new Uint8Array(8))).toBe(-1);
    arena.reader.free(slots[0] as ArenaSlot);
    expect(arena.reader.bytesInUse).toBe(3 * QUARTER);

    // The freed quarter is the start of the next lap.
    const again = allocate(arena, QUARTER, 5) as ArenaSlot;
    expect(again.start).toBe((start + ARENA) % WRAP);
    expect(holds(arena, again, QUARTER, 5)).toBe(true);
    expect(holds(arena, slots[1] as ArenaSlot, QUARTER, 2)).toBe(true);
    expect(holds(arena, slots[3] as ArenaSlot, QUARTER, 4)).toBe(true);
    expect(arena.writer.put(new Uint8Array(8))).toBe(-1);

    for (const slot of [slots[1], slots[3], again]) arena.reader.free(slot as ArenaSlot);
    expect(arena.reader.bytesInUse).toBe(0);
    expect(headOf(arena)).toBe((start + ARENA + QUARTER) % WRAP);
  });

  it('goes back to the start of the arena once it is free, leaving room for one more slot', () => {
    const arena = arenaAt(start);
    arena.reader.free(allocate(arena, QUARTER, 1) as ArenaSlot);
    // The start is free, and skipping the three quarters left still leaves room for one
    // more slot of an eighth after this one.
    const slot = allocate(arena, QUARTER / 2, 2) as ArenaSlot;
    expect(slot.start).toBe((start + ARENA) % WRAP);
    expect(holds(arena, slot, QUARTER / 2, 2)).toBe(true);
    // What was skipped is handed back at once, since nothing was held.
    expect(arena.reader.bytesInUse).toBe(QUARTER / 2);
    expect(headOf(arena)).toBe(slot.start);
    arena.reader.free(slot);
    expect(arena.reader.bytesInUse).toBe(0);
  });

  it('does not skip to the start when the skip would leave no room for one more slot', () => {
    const arena = arenaAt(start);
    const held = allocate(arena, QUARTER, 1) as ArenaSlot;
    // The start is held: no skip.
    const next = allocate(arena, QUARTER, 2) as ArenaSlot;
    expect(next.start).toBe((start + QUARTER) % WRAP);
    arena.reader.free(held);
    // The start is free now, but skipping the half left would leave room for this slot
    // and no other.
    const third = allocate(arena, QUARTER, 3) as ArenaSlot;
    expect(third.start).toBe((start + 2 * QUARTER) % WRAP);
    for (const slot of [next, third]) arena.reader.free(slot);
    expect(arena.reader.bytesInUse).toBe(0);
  });

  it('never lets a held slot be overwritten, through thousands of allocations', () => {
    const arena = arenaAt(start);
    const held: { slot: ArenaSlot; length: number; fill: number }[] = [];
    let refused = 0;
    for (let i = 0; i < 3_000; i += 1) {
      const length = 8 + (((i * 2_654_435_761) >>> 0) % (QUARTER - 8));
      const fill = i & 0xff;
      const slot = allocate(arena, length, fill);
      if (slot === undefined) refused += 1;
      else held.push({ slot, length, fill });
      // Free in an order other than allocation: every third time the newest first.
      while (held.length > 3) {
        const index = i % 3 === 0 ? held.length - 1 : 0;
        const gone = held.splice(index, 1)[0] as (typeof held)[number];
        expect(holds(arena, gone.slot, gone.length, gone.fill)).toBe(true);
        arena.reader.free(gone.slot);
      }
    }
    expect(refused).toBeGreaterThan(0);
    for (const { slot, length, fill } of held) {
      expect(holds(arena, slot, length, fill)).toBe(true);
      arena.reader.free(slot);
    }
    expect(arena.reader.bytesInUse).toBe(0);
    expect(headOf(arena)).toBe(Atomics.load(arena.words, ARENA_TAIL_INDEX) >>> 0);
  });

  it('keeps its accounting through the compaction of a long list of freed slots', () => {
    const arena = arenaAt(start);
    const slots = Array.from({ length: 1_500 }, (_, i) => allocate(arena, 8, i & 0xff));
    expect(slots.every((slot) => slot !== undefined)).toBe(true);
    const slot = (i: number): ArenaSlot => slots[i] as ArenaSlot;
    // Slots 1-1,099 freed behind slot 0, then slot 0: the head leaps 1,100 slots to the
    // one still held, and the list of slots, past 1,024 freed ones, is cut short there.
    for (let i = 1; i < 1_100; i += 1) arena.reader.free(slot(i));
    expect(arena.reader.bytesInUse).toBe(1_500 * 8);
    arena.reader.free(slot(0));
    expect(headOf(arena)).toBe(slot(1_100).start);
    for (let i = 1_101; i < 1_500; i += 1) arena.reader.free(slot(i));
    expect(arena.reader.bytesInUse).toBe(400 * 8);
    expect(headOf(arena)).toBe(slot(1_100).start);
    expect(holds(arena, slot(1_100), 8, 1_100 & 0xff)).toBe(true);
    arena.reader.free(slot(1_100));
    expect(arena.reader.bytesInUse).toBe(0);
    expect(headOf(arena)).toBe(slot(1_499).end);
  });

  it('refuses a value larger than half the arena, even when it is empty', () => {
    const arena = arenaAt(start);
    expect(arena.writer.put(new Uint8Array(ARENA / 2 + 1))).toBe(-1);
    expect(arena.writer.put(new Uint8Array(ARENA / 2))).not.toBe(-1);
  });
});

describe('the result arena across 2^32, read from a writer that is not trusted', () => {
  const start = WRAP - QUARTER;

  /**
   * A reader that has received one slot of a quarter, up to 2^32, still held. (Received
   * straight from its position: a writer at this offset would have skipped to the start.)
   */
  const holding = (): Arena => {
    const arena = arenaAt(start);
    arena.reader.receive(start, QUARTER);
    return arena;
  };

  it.each([
    ['a slot a lap too far ahead, past 2^32', (): Arena => holding(), ARENA, 8],
    ['a slot behind the last, before 2^32', (): Arena => holding(), start + 8, 8],
    ['a replayed position', (): Arena => holding(), start, QUARTER],
    [
      'a slot that reaches into the slot still held',
      (): Arena => {
        const arena = holding();
        arena.reader.receive(0, ARENA / 2);
        return arena;
      },
      ARENA / 2,
      QUARTER + 8,
    ],
    ['a slot of almost 2^32 bytes', (): Arena => arenaAt(start), start, 0xfffffff8],
    ['a slot of no bytes', (): Arena => arenaAt(start), start, 0],
  ])('refuses %s with BERTH_ERR_PROTOCOL and registers nothing', (_, make, position, length) => {
    const arena = make();
    const inUse = arena.reader.bytesInUse;
    const head = headOf(arena);
    expect(() => arena.reader.receive(position, length)).toThrow(
      expect.objectContaining({ code: codes.PROTOCOL }),
    );
    expect(arena.reader.bytesInUse).toBe(inUse);
    expect(headOf(arena)).toBe(head);
  });

  it('takes the slot right after the last across 2^32, and frees both in any order', () => {
    const arena = arenaAt(start);
    const first = arena.reader.receive(start, QUARTER);
    // Right after it: position 0, past the wrap of the counter.
    const second = arena.reader.receive(0, QUARTER);
    expect(second.end).toBe(QUARTER);
    expect(arena.reader.bytesInUse).toBe(2 * QUARTER);
    arena.reader.free(second);
    expect(arena.reader.bytesInUse).toBe(2 * QUARTER);
    expect(headOf(arena)).toBe(start);
    arena.reader.free(first);
    expect(arena.reader.bytesInUse).toBe(0);
    expect(headOf(arena)).toBe(QUARTER);
  });
});
