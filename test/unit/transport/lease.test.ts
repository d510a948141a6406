/**
 * Leases over a real result arena, in one thread: what release does, once and twice, and
 * what a released view is worth. (Reclaiming a lease dropped without release depends on
 * the garbage collector, so it is left to the integration tests.)
 */
import { describe, expect, it } from 'vitest';
import { Lease } from '../../../src/transport/lease.js';
import { ArenaReader, ArenaWriter, type ArenaSlot } from '../../../src/transport/result-arena.js';
import { CONTROL_BYTES } from '../../../src/transport/shared-layout.js';

const ARENA = 1 << 16;

function makeArena(): { writer: ArenaWriter; reader: ArenaReader } {
  const arena = new SharedArrayBuffer(ARENA);
  const results = new SharedArrayBuffer(CONTROL_BYTES + 1024);
  return { writer: new ArenaWriter(arena, results), reader: new ArenaReader(arena, results) };
}

/** A zero-copy lease on `length` bytes of `fill`, as the call client makes one. */
function leaseOn(
  { writer, reader }: ReturnType<typeof makeArena>,
  length: number,
  fill: number,
): { lease: Lease<Uint8Array>; slot: ArenaSlot } {
  const slot = reader.receive(writer.put(new Uint8Array(length).fill(fill)), length);
  const lease = new Lease(reader.view(slot, length), {
    arena: reader,
    slot,
    plugin: 'test',
    logger: undefined,
  });
  return { lease, slot };
}

describe('a lease on an arena slot', () => {
  it('holds its slot until released, its value a view on the arena', () => {
    const arena = makeArena();
    const { lease, slot } = leaseOn(arena, 1000, 7);
    expect(lease.released).toBe(false);
    expect(lease.value.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(lease.value.every((byte) => byte === 7)).toBe(true);
    expect(arena.reader.bytesInUse).toBe(1000);

    lease.release();
    expect(lease.released).toBe(true);
    expect(slot.freed).toBe(true);
    expect(arena.reader.bytesInUse).toBe(0);
  });

  it('keeps its bytes while held, whatever the writer puts after it', () => {
    const arena = makeArena();
    const { lease } = leaseOn(arena, ARENA / 4, 1);
    // The writer fills the rest and is refused rather than touch the held slot.
    let puts = 0;
    for (let i = 0; i < 16; i += 1) {
      const position = arena.writer.put(new Uint8Array(ARENA / 8).fill(2));
      if (position === -1) break;
      puts += 1;
      arena.reader.free(arena.reader.receive(position, ARENA / 8));
    }
    expect(puts).toBeGreaterThan(0);
    expect(lease.value.every((byte) => byte === 1)).toBe(true);
    lease.release();
  });

  it('is harmless to release twice: the second release frees nothing another lease holds', () => {
    const arena = makeArena();
    const first = leaseOn(arena, 8, 1);
    first.lease.release();
    // The slot's space is reused by a second lease...
    const second = leaseOn(arena, 8, 2);
    expect(arena.reader.bytesInUse).toBe(8);
    // ...which the first lease's second release must leave alone.
    first.lease.release();
    expect(first.lease.released).toBe(true);
    expect(second.lease.released).toBe(false);
    expect(second.slot.freed).toBe(false);
    expect(arena.reader.bytesInUse).toBe(8);
    expect([...second.lease.value]).toEqual(new Array(8).fill(2));
    second.lease.release();
    expect(arena.reader.bytesInUse).toBe(0);
  });

  it('is released by Symbol.dispose at the end of a using block, once', () => {
    const arena = makeArena();
    let leased: Lease<Uint8Array> | undefined;
    {
      using lease = leaseOn(arena, 64, 3).lease;
      leased = lease;
      expect(arena.reader.bytesInUse).toBe(64);
    }
    expect(leased.released).toBe(true);
    expect(arena.reader.bytesInUse).toBe(0);
    leased[Symbol.dispose]();
    expect(arena.reader.bytesInUse).toBe(0);
  });

  it('gives its space back for reuse once released: the released view may then show other bytes', () => {
    // Documented: "the value's byte arrays must not be read afterwards". Here is why.
    const arena = makeArena();
    const { lease } = leaseOn(arena, ARENA / 4, 4);
    const view = lease.value;
    lease.release();
    // Released, the start of the arena is the writer's again, and it goes back there.
    const position = arena.writer.put(new Uint8Array(ARENA / 8).fill(5));
    expect(position & (ARENA - 1)).toBe(0);
    expect(view[0]).toBe(5);
  });

  it('frees slots released out of order only as far as the oldest still held', () => {
    const arena = makeArena();
    const leases = [1, 2, 3].map((fill) => leaseOn(arena, 1024, fill).lease);
    (leases[1] as Lease<Uint8Array>).release();
    (leases[2] as Lease<Uint8Array>).release();
    expect(arena.reader.bytesInUse).toBe(3 * 1024);
    (leases[0] as Lease<Uint8Array>).release();
    expect(arena.reader.bytesInUse).toBe(0);
  });
});

describe('a lease that holds no arena memory', () => {
  it('is released from the start, and release does nothing', () => {
    const value = { rows: [1, 2, 3] };
    const lease = new Lease(value);
    expect(lease.released).toBe(true);
    lease.release();
    lease[Symbol.dispose]();
    expect(lease.value).toBe(value);
    expect(lease.released).toBe(true);
  });
});
