import { describe, expect, it } from 'vitest';
import { BerthError, codes } from '../../../src/errors.js';
import { ArenaReader, ArenaWriter, type ArenaSlot } from '../../../src/transport/result-arena.js';
import { ARENA_HEAD_INDEX, CONTROL_BYTES } from '../../../src/transport/shared-layout.js';

const ARENA = 1 << 16;
const makeArena = (): { writer: ArenaWriter; reader: ArenaReader; words: Int32Array } => {
  const arena = new SharedArrayBuffer(ARENA);
  const results = new SharedArrayBuffer(CONTROL_BYTES + 1024);
  return {
    writer: new ArenaWriter(arena, results),
    reader: new ArenaReader(arena, results),
    words: new Int32Array(results, 0, CONTROL_BYTES / 4),
  };
};

describe('the result arena', () => {
  it('hands out 8-byte aligned slots whose views hold what was put', () => {
    const { writer, reader } = makeArena();
    const position = writer.put(new Uint8Array([9, 8, 7]));
    expect(position % 8).toBe(0);
    const slot = reader.receive(position, 3);
    expect([...reader.view(slot, 3)]).toEqual([9, 8, 7]);
    expect(reader.bytesInUse).toBe(8);
    reader.free(slot);
    expect(reader.bytesInUse).toBe(0);
  });

  it('reuses space only once everything before it is freed, whatever order slots are freed in', () => {
    const { writer, reader } = makeArena();
    const slots: ArenaSlot[] = [];
    const chunk = new Uint8Array(ARENA / 8);
    for (let i = 0; i < 4; i += 1)
      slots.push(reader.receive(writer.put(chunk.fill(i)), chunk.length));
    expect(writer.put(new Uint8Array(ARENA / 2 + 8))).toBe(-1); // larger than half: never
    // Freeing the later slots first gives nothing back: the first still holds the head.
    reader.free(slots[3] as ArenaSlot);
    reader.free(slots[1] as ArenaSlot);
    expect(reader.bytesInUse).toBe(ARENA / 2);
    expect([...reader.view(slots[0] as ArenaSlot, 4)]).toEqual([0, 0, 0, 0]);
    reader.free(slots[0] as ArenaSlot);
    expect(reader.bytesInUse).toBe(ARENA / 4); // slot 2 remains, and freed slot 3 behind it
    reader.free(slots[2] as ArenaSlot);
    reader.free(slots[2] as ArenaSlot); // twice is harmless
    expect(reader.bytesInUse).toBe(0);
  });

  it('says "no room" rather than overwrite a held slot, across many wraps', () => {
    const { writer, reader } = makeArena();
    const held = reader.receive(writer.put(new Uint8Array(1000).fill(42)), 1000);
    let refused = 0;
    for (let i = 0; i < 1_000; i += 1) {
      const size = 1 + ((i * 977) % 9_000);
      const position = writer.put(new Uint8Array(size).fill(i & 0xff));
      if (position === -1) {
        refused += 1;
        continue;
      }
      const slot = reader.receive(position, size);
      expect(reader.view(slot, size).every((b) => b === (i & 0xff))).toBe(true);
      reader.free(slot);
    }
    expect(refused).toBeGreaterThan(0);
    expect(reader.view(held, 1000).every((b) => b === 42)).toBe(true);
    reader.free(held);
    expect(reader.bytesInUse).toBe(0);
    expect(writer.put(new Uint8Array(ARENA / 2))).not.toBe(-1);
  });

  it('starts again at the start while there is room there, and frees what it skipped', () => {
    const { writer, reader } = makeArena();
    const chunk = new Uint8Array(ARENA / 8);
    const offsetOf = (position: number): number => position & (ARENA - 1);
    // One slot held at a time, as a caller that releases each lease after the next call
    // is made: the slots take turns near the start rather than walk the whole arena.
    let held = reader.receive(writer.put(chunk.fill(1)), chunk.length);
    const offsets: number[] = [];
    for (let i = 2; i < 12; i += 1) {
      const position = writer.put(chunk.fill(i));
      expect(position).not.toBe(-1);
      offsets.push(offsetOf(position));
      const next = reader.receive(position, chunk.length);
      reader.free(held);
      expect(reader.bytesInUse).toBe(chunk.length);
      held = next;
      expect(reader.view(held, 1)[0]).toBe(i);
    }
    expect(Math.max(...offsets)).toBeLessThan(ARENA / 2);
    reader.free(held);
    expect(reader.bytesInUse).toBe(0);
  });
});

describe('a slot lent to be written in place', () => {
  it('is allocated only when its view (or a view on its first bytes) is committed', () => {
    const { writer, reader } = makeArena();
    const view = writer.reserve(1_000) as Uint8Array;
    expect(view.byteLength).toBe(1_000);
    view.fill(3);
    expect(writer.put(new Uint8Array(16))).toBe(-1); // nothing else while it is lent
    expect(writer.reserve(16)).toBeUndefined(); // one at a time
    expect(writer.commit(new Uint8Array(1_000), view)).toBe(-1); // not the lent view
    expect(writer.commit(view.subarray(1), view)).toBe(-1); // not its first bytes
    expect(writer.commit(view, new Uint8Array(1_000))).toBe(-1); // not the view lent
    const position = writer.commit(view.subarray(0, 600), view);
    const slot = reader.receive(position, 600);
    expect(reader.view(slot, 600).every((byte) => byte === 3)).toBe(true);
    expect(reader.bytesInUse).toBe(600);
    // The next slot follows the 600 bytes sent, not the 1,000 lent.
    const next = writer.put(new Uint8Array([1]));
    expect(next).toBe(position + 600);
    reader.free(slot);
    reader.free(reader.receive(next, 1));
    expect(reader.bytesInUse).toBe(0);
  });

  it('costs nothing when released, and is released only by its own view', () => {
    const { writer, reader } = makeArena();
    const lent = writer.reserve(4_000) as Uint8Array;
    writer.release(new Uint8Array(4_000)); // another view: still lent
    expect(writer.put(new Uint8Array(8))).toBe(-1);
    writer.release(lent);
    const position = writer.put(new Uint8Array([5, 6]));
    expect(position).toBe(0); // where the lent slot was: it was never allocated
    reader.free(reader.receive(position, 2));
    expect(writer.commit(lent, lent)).toBe(-1); // released views send nothing
    expect(writer.reserve(ARENA)).toBeUndefined(); // larger than half the arena
    expect(writer.reserve(0)).toBeUndefined();
  });
});

describe('the result arena, read from a writer that is not trusted', () => {
  it('takes a slot the writer skipped to the start for while a slot is held, and frees the skip with it', () => {
    const { writer, reader } = makeArena();
    const chunk = new Uint8Array(24 << 10);
    const a = reader.receive(writer.put(chunk.fill(1)), chunk.length);
    const b = reader.receive(writer.put(chunk.fill(2)), chunk.length);
    reader.free(a);
    // 16 KiB are left before the end: the next slot starts again at 0, past a skip.
    const position = writer.put(chunk.fill(3));
    expect(position).toBe(ARENA);
    const c = reader.receive(position, chunk.length);
    expect(reader.bytesInUse).toBe(ARENA);
    expect(reader.view(c, 1)[0]).toBe(3);
    expect(reader.view(b, 1)[0]).toBe(2);
    reader.free(b);
    expect(reader.bytesInUse).toBe(chunk.length);
    reader.free(c);
    expect(reader.bytesInUse).toBe(0);
  });

  it('hands back at once what the writer skipped when nothing is held', () => {
    const { writer, reader, words } = makeArena();
    const half = new Uint8Array(ARENA / 2);
    // Slots of a half and just over a quarter: the half that comes next does not fit
    // before the end.
    reader.free(reader.receive(writer.put(half), ARENA / 2));
    reader.free(reader.receive(writer.put(half.subarray(0, ARENA / 4 + 8)), ARENA / 4 + 8));
    const position = writer.put(half);
    expect(position).toBe(ARENA);
    reader.receive(position, ARENA / 2);
    expect(reader.bytesInUse).toBe(ARENA / 2);
    expect(Atomics.load(words, ARENA_HEAD_INDEX)).toBe(ARENA);
  });

  /** A reader that has received and freed slots up to `received`, none held. */
  const readerAt = (received: number): ArenaReader => {
    const { reader } = makeArena();
    let at = 0;
    while (at < received) {
      const length = Math.min(ARENA / 2, received - at);
      reader.free(reader.receive(at, length));
      at += length;
    }
    return reader;
  };

  const forgeries: { name: string; reader: () => ArenaReader; slot: [number, number] }[] = [
    { name: 'a slot of no bytes', reader: () => readerAt(0), slot: [0, 0] },
    {
      name: 'a slot larger than half the arena',
      reader: () => readerAt(0),
      slot: [0, ARENA / 2 + 1],
    },
    { name: 'a slot of almost 2^32 bytes', reader: () => readerAt(0), slot: [0, 0xffffffff] },
    {
      name: 'a slot that crosses the end of the arena',
      reader: () => readerAt(ARENA - 16),
      slot: [ARENA - 16, 64],
    },
    { name: 'a slot past where the next one can be', reader: () => readerAt(0), slot: [8, 16] },
    {
      name: 'a slot received before (a replayed position)',
      reader: () => readerAt(16),
      slot: [0, 16],
    },
    { name: 'a slot behind the last one', reader: () => readerAt(32), slot: [24, 8] },
    {
      name: 'a slot at the start of the arena a lap too far ahead',
      reader: () => readerAt(16),
      slot: [2 * ARENA, 16],
    },
    {
      name: 'a slot that reaches into a slot still held',
      reader: () => {
        const { reader } = makeArena();
        reader.receive(0, ARENA / 2);
        reader.receive(ARENA / 2, ARENA / 2);
        return reader;
      },
      slot: [ARENA, 8],
    },
    {
      name: 'a skip to the start while the start is held',
      reader: () => {
        const { reader } = makeArena();
        reader.receive(0, 16 << 10);
        return reader;
      },
      slot: [ARENA, 16 << 10],
    },
  ];

  it.each(forgeries)('refuses $name with BERTH_ERR_PROTOCOL, registering nothing', (forgery) => {
    const reader = forgery.reader();
    const inUse = reader.bytesInUse;
    let thrown: unknown;
    try {
      reader.receive(...forgery.slot);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BerthError);
    expect(thrown).toMatchObject({ code: codes.PROTOCOL });
    expect(reader.bytesInUse).toBe(inUse);
  });

  it('keeps every view it hands out inside the arena, whatever positions it is told', () => {
    const { reader } = makeArena();
    let position = 0;
    for (let i = 0; i < 1_000; i += 1) {
      const length = 1 + ((i * 7919) % (ARENA / 2));
      // Honest positions, and now and then one more than a lap ahead or a word off.
      const told = i % 7 === 0 ? position + ARENA * 3 : i % 11 === 0 ? position + 8 : position;
      let slot: ArenaSlot;
      try {
        slot = reader.receive(told, length);
      } catch (error) {
        expect(error).toMatchObject({ code: codes.PROTOCOL });
        continue;
      }
      const view = reader.view(slot, length);
      expect(view.byteOffset + view.byteLength).toBeLessThanOrEqual(ARENA);
      position = slot.end;
      reader.free(slot);
    }
  });
});
