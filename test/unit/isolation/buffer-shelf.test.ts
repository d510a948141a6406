import { describe, expect, it } from 'vitest';
import { createBufferShelf } from '../../../src/isolation/buffer-shelf.js';
import { CONTROL_BYTES, createSharedBuffers } from '../../../src/transport/shared-layout.js';

const ARENA = 1 << 20;

describe('the buffer shelf', () => {
  it('gives fresh buffers while it holds none', () => {
    const shelf = createBufferShelf(ARENA);
    const first = shelf.take();
    const second = shelf.take();
    expect(first.arena.byteLength).toBe(ARENA);
    expect(second.arena).not.toBe(first.arena);
  });

  it('gives back the set last given, its control words zeroed and its data kept', () => {
    const shelf = createBufferShelf(ARENA);
    const used = shelf.take();
    for (const ring of [used.requests, used.results]) {
      new Int32Array(ring).fill(7);
    }
    new Uint8Array(used.arena).fill(9);
    shelf.give(used);
    const again = shelf.take();
    expect(again).toBe(used);
    for (const ring of [again.requests, again.results]) {
      expect([...new Int32Array(ring, 0, CONTROL_BYTES / 4)].every((word) => word === 0)).toBe(
        true,
      );
      // Past the control words nothing is read before it is written: not worth a clear.
      expect(new Int32Array(ring)[CONTROL_BYTES / 4]).toBe(7);
    }
    // Once taken, the set is no longer on the shelf.
    expect(shelf.take()).not.toBe(used);
  });

  it('keeps one set only: the last given', () => {
    const shelf = createBufferShelf(ARENA);
    const a = shelf.take();
    const b = shelf.take();
    shelf.give(a);
    shelf.give(b);
    expect(shelf.take()).toBe(b);
    expect(shelf.take()).not.toBe(a);
  });

  it('does not keep a set whose arena is not the size it makes', () => {
    const shelf = createBufferShelf(ARENA);
    const other = createSharedBuffers(undefined, ARENA * 2);
    shelf.give(other);
    expect(shelf.take()).not.toBe(other);
  });
});
