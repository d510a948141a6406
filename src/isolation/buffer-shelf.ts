/**
 * Keeps one plugin's data-plane buffers between its workers, so that a restart reuses the
 * rings and the arena of the worker before it instead of allocating them anew. 200
 * crash-restart cycles of a thread plugin took the host's RSS from 94 MB to 0.5-1.5 GB:
 * glibc kept the freed 16 MiB buffers rather than return them (flat with
 * MALLOC_MMAP_THRESHOLD_=131072). The buffers are the host's, so reusing them is safe once
 * the thread that wrote them has exited.
 */
import {
  CONTROL_BYTES,
  DEFAULT_ARENA_BYTES,
  DEFAULT_RING_BYTES,
  createSharedBuffers,
  ringCapacity,
  type SharedBuffers,
} from '../transport/shared-layout.js';

/** The buffers of one plugin's workers, one set at a time. */
export interface BufferShelf {
  /**
   * A set of buffers for a new worker: the one given back last, its control words
   * zeroed, when it has the size wanted; otherwise a fresh one.
   */
  take(): SharedBuffers;
  /**
   * Gives a set back for the next worker. Only once the worker that used it has exited
   * and nothing views its arena (no zero-copy lease is held). A set of other sizes than
   * this shelf makes is not kept.
   */
  give(buffers: SharedBuffers): void;
}

/** Makes an empty shelf for buffers with an arena of `arenaBytes`. */
export function createBufferShelf(arenaBytes?: number): BufferShelf {
  let spare: SharedBuffers | undefined;
  // The sizes of the sets this shelf makes: a set of any other size is not kept.
  const ringBytes = CONTROL_BYTES + ringCapacity(DEFAULT_RING_BYTES);
  const arenaSize = ringCapacity(arenaBytes ?? DEFAULT_ARENA_BYTES);
  return {
    take() {
      const buffers = spare;
      spare = undefined;
      if (buffers === undefined) return createSharedBuffers(undefined, arenaBytes);
      for (const ring of [buffers.requests, buffers.results]) {
        new Int32Array(ring, 0, CONTROL_BYTES / 4).fill(0);
      }
      return buffers;
    },
    give(buffers) {
      const { requests, results, arena } = buffers;
      if (
        arena.byteLength !== arenaSize ||
        requests.byteLength !== ringBytes ||
        results.byteLength !== ringBytes
      ) {
        return;
      }
      spare = buffers;
    },
  };
}
