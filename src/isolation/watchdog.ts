/**
 * The hang watchdog: calls `onStall` once when a heartbeat has not moved for longer than
 * `timeoutMs`. The decision is a pure function; the timer around it is thin.
 */

/** The watchdog's memory between checks. */
export interface BeatState {
  value: number;
  changedAt: number;
}

/** The next state and whether the heartbeat has stalled, given a fresh reading at `now`. */
export function checkBeat(
  state: BeatState,
  value: number,
  now: number,
  timeoutMs: number,
): { state: BeatState; stalled: boolean } {
  if (value !== state.value) return { state: { value, changedAt: now }, stalled: false };
  return { state, stalled: now - state.changedAt > timeoutMs };
}

/** Watches `read()`; returns a function that stops watching. The timer is unref'd. */
export function watchHeartbeat(
  read: () => number,
  timeoutMs: number,
  onStall: () => void,
): () => void {
  let state: BeatState = { value: read(), changedAt: Date.now() };
  const timer = setInterval(
    () => {
      const checked = checkBeat(state, read(), Date.now(), timeoutMs);
      state = checked.state;
      if (checked.stalled) {
        clearInterval(timer);
        onStall();
      }
    },
    Math.max(10, Math.min(1_000, timeoutMs / 5)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
