import { describe, expect, it } from 'vitest';
import { createBufferShelf } from '../../../src/isolation/buffer-shelf.js';
import {
  CONTROL_BYTES,
  DEFAULT_ARENA_BYTES,
  DEFAULT_RING_BYTES,
  createSharedBuffers,
  ringCapacity,
  type SharedBuffers,
} from '../../../src/transport/shared-layout.js';

/** Scribbles over every control word and some ring bytes, as a worker that ran would. */
function used(buffers: SharedBuffers): SharedBuffers {
  for (const ring of [buffers.requests, buffers.results]) {
    new Int32Array(ring, 0, CONTROL_BYTES / 4).fill(-1);
    new Uint8Array(ring, CONTROL_BYTES, 64).fill(7);
  }
  return buffers;
}

describe("the shelf of a plugin's data-plane buffers", () => {
  it('makes a fresh set of the arena size it was made for', () => {
    const buffers = createBufferShelf(1 << 18).take();
    expect(buffers.arena.byteLength).toBe(ringCapacity(1 << 18));
    expect(buffers.requests.byteLength).toBe(CONTROL_BYTES + ringCapacity(DEFAULT_RING_BYTES));
    expect(buffers.results.byteLength).toBe(CONTROL_BYTES + ringCapacity(DEFAULT_RING_BYTES));
    expect(createBufferShelf().take().arena.byteLength).toBe(ringCapacity(DEFAULT_ARENA_BYTES));
  });

  it('hands the set given back to the next worker, its control words zeroed', () => {
    const shelf = createBufferShelf(1 << 16);
    const first = used(shelf.take());
    shelf.give(first);
    const second = shelf.take();
    expect(second).toBe(first);
    for (const ring of [second.requests, second.results]) {
      expect([...new Int32Array(ring, 0, CONTROL_BYTES / 4)].every((word) => word === 0)).toBe(
        true,
      );
    }
  });

  it('never hands one set to two workers', () => {
    const shelf = createBufferShelf(1 << 16);
    const set = shelf.take();
    shelf.give(set);
    const a = shelf.take();
    const b = shelf.take();
    expect(a).toBe(set);
    expect(b).not.toBe(set);
  });

  it('keeps one set at a time: the one given back last', () => {
    const shelf = createBufferShelf(1 << 16);
    const a = shelf.take();
    const b = shelf.take();
    shelf.give(a);
    shelf.give(b);
    expect(shelf.take()).toBe(b);
    const next = shelf.take();
    expect(next).not.toBe(a);
    expect(next).not.toBe(b);
  });

  it('does not reuse a set with another arena size', () => {
    const shelf = createBufferShelf(1 << 16);
    const other = createSharedBuffers(undefined, 1 << 20);
    shelf.give(other);
    const taken = shelf.take();
    expect(taken).not.toBe(other);
    expect(taken.arena.byteLength).toBe(1 << 16);
  });

  it('does not reuse a set with another arena size when made for the default', () => {
    const shelf = createBufferShelf();
    const other = createSharedBuffers(undefined, 1 << 16);
    shelf.give(other);
    const taken = shelf.take();
    expect(taken).not.toBe(other);
    expect(taken.arena.byteLength).toBe(ringCapacity(DEFAULT_ARENA_BYTES));
  });

  it('does not reuse a set with rings of another size', () => {
    const shelf = createBufferShelf(1 << 16);
    const other = createSharedBuffers(1 << 16, 1 << 16);
    shelf.give(other);
    expect(shelf.take()).not.toBe(other);
  });
});
