/**
 * The liveness word a worker bumps from its event loop, in shared memory the host reads
 * without asking the worker anything (a hung worker cannot answer).
 *
 *   SharedArrayBuffer (Int32 slots)
 *   ┌───────────────────┐
 *   │ HEARTBEAT_INDEX   │  worker: Atomics.add(+1) every interval, from a timer, so it
 *   └───────────────────┘  stops when the event loop is blocked; host: Atomics.load
 */

/** Slot of the heartbeat counter. */
export const HEARTBEAT_INDEX = 0;
/** Int32 slots in the liveness buffer. */
export const LIVENESS_SLOTS = 1;

/** Allocates the liveness buffer of one worker. */
export function createLivenessBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(LIVENESS_SLOTS * Int32Array.BYTES_PER_ELEMENT);
}

/**
 * Worker side: bumps the heartbeat every `intervalMs` from the event loop. The timer is
 * unref'd, so it never keeps a finished worker alive. Returns a function that stops it.
 */
export function startHeartbeat(buffer: SharedArrayBuffer, intervalMs: number): () => void {
  const words = new Int32Array(buffer);
  const beat = (): void => {
    Atomics.add(words, HEARTBEAT_INDEX, 1);
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Host side: the current heartbeat count. */
export function readHeartbeat(buffer: SharedArrayBuffer): number {
  return Atomics.load(new Int32Array(buffer), HEARTBEAT_INDEX);
}
