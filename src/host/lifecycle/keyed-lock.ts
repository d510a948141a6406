/**
 * Runs tasks one at a time per key: two lifecycle operations on one plugin (an enable
 * and a config change, say) never interleave, while operations on different plugins run
 * side by side.
 */

/** See the module comment. */
export interface KeyedLock {
  /**
   * Runs `task` once every task queued before it under `key` has settled (whether it
   * resolved or rejected), and settles as `task` does.
   */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Resolves once every task queued so far, under any key, has settled. Never rejects. */
  idle(): Promise<void>;
}

/** Makes an unlocked lock. */
export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, task) {
      const before = tails.get(key) ?? Promise.resolve();
      const result = before.then(task, task);
      const tail = result.catch(() => {});
      tails.set(key, tail);
      // Forget the key once its queue drains, so the map does not grow with every name.
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    async idle() {
      while (tails.size > 0) await Promise.all(tails.values());
    },
  };
}
