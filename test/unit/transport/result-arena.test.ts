import { describe, expect, it } from 'vitest';
import { ArenaReader, ArenaWriter, type ArenaSlot } from '../../../src/transport/result-arena.js';
import { CONTROL_BYTES } from '../../../src/transport/shared-layout.js';

const ARENA = 1 << 16;
const makeArena = (): { writer: ArenaWriter; reader: ArenaReader } => {
  const arena = new SharedArrayBuffer(ARENA);
  const results = new SharedArrayBuffer(CONTROL_BYTES + 1024);
  return { writer: new ArenaWriter(arena, results), reader: new ArenaReader(arena, results) };
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
