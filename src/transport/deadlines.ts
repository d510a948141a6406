/**
 * Call deadlines without a timer per call: calls are grouped in buckets of
 * {@link RESOLUTION_MS}, and one timer is armed for the earliest bucket. Adding and
 * removing a deadline is a Map operation; a setTimeout and clearTimeout pair per call
 * cost more than the rest of a pipelined call's host-side work together.
 *
 * A deadline fires at most RESOLUTION_MS late, never early.
 */

/** The width of a bucket: deadlines are rounded up to it. */
export const RESOLUTION_MS = 5;

/** A set of deadlines, each firing `onExpire(id, timeoutMs)` once unless removed first. */
export interface Deadlines {
  /** Adds a deadline for `id`; returns its bucket, to pass to {@link remove}. */
  add(id: number, timeoutMs: number): number;
  /** Removes `id` from `bucket`; harmless when it has already fired. */
  remove(id: number, bucket: number): void;
  /** Drops every deadline and the timer. */
  clear(): void;
}

/** Makes an empty set of deadlines. */
export function createDeadlines(onExpire: (id: number, timeoutMs: number) => void): Deadlines {
  const buckets = new Map<number, Map<number, number>>();
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;

  const arm = (bucket: number): void => {
    if (bucket >= armedFor) return;
    clearTimeout(timer);
    armedFor = bucket;
    timer = setTimeout(fire, Math.max(0, bucket * RESOLUTION_MS - Date.now()));
  };

  const fire = (): void => {
    timer = undefined;
    armedFor = Infinity;
    const now = Date.now();
    let next = Infinity;
    const due: [number, number][] = [];
    for (const [bucket, ids] of buckets) {
      if (bucket * RESOLUTION_MS <= now) {
        buckets.delete(bucket);
        for (const entry of ids) due.push(entry);
      } else if (bucket < next) next = bucket;
    }
    if (next !== Infinity) arm(next);
    for (const [id, timeoutMs] of due) onExpire(id, timeoutMs);
  };

  return {
    add(id, timeoutMs) {
      const bucket = Math.ceil((Date.now() + timeoutMs) / RESOLUTION_MS);
      let ids = buckets.get(bucket);
      if (ids === undefined) {
        ids = new Map();
        buckets.set(bucket, ids);
      }
      ids.set(id, timeoutMs);
      arm(bucket);
      return bucket;
    },
    remove(id, bucket) {
      const ids = buckets.get(bucket);
      if (ids === undefined) return;
      ids.delete(id);
      if (ids.size === 0) buckets.delete(bucket);
    },
    clear() {
      buckets.clear();
      clearTimeout(timer);
      timer = undefined;
      armedFor = Infinity;
    },
  };
}
