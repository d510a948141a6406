/**
 * Requests every thread of a pool must answer (health, configure, stop), and the answers
 * gathered for each. piscina cannot address one thread, so a request is broadcast and
 * each asked thread answers on its own port; a thread that dies is no longer waited for.
 *
 * Guarantee: every request settles once: with every asked thread's answer, with the
 * first error one of them returned (after all have answered), or with the pool's end.
 */

interface Pending {
  waiting: Set<number>;
  values: unknown[];
  error: Error | undefined;
  resolve(values: unknown[]): void;
  reject(error: Error): void;
}

/** The open requests of one pool. */
export interface PoolRequests {
  /**
   * Opens a request to the threads `asked`, calls `send(requestId)` to broadcast it, and
   * resolves with their answers (at once, with none, when no thread is asked).
   */
  open(asked: Iterable<number>, send: (requestId: number) => void): Promise<unknown[]>;
  /** Records a thread's answer; answers from threads not asked are ignored. */
  answer(requestId: number, threadId: number, outcome: { value: unknown } | { error: Error }): void;
  /** Stops waiting for a thread that is gone. */
  forget(threadId: number): void;
  /** Rejects every open request with `reason`. */
  rejectAll(reason: Error): void;
}

/** Makes an empty set of requests. */
export function createPoolRequests(): PoolRequests {
  const open = new Map<number, Pending>();
  let nextId = 1;

  const settle = (requestId: number, request: Pending): void => {
    if (request.waiting.size > 0) return;
    open.delete(requestId);
    if (request.error !== undefined) request.reject(request.error);
    else request.resolve(request.values);
  };

  return {
    open(asked, send) {
      const requestId = nextId++;
      return new Promise((resolve, reject) => {
        const request: Pending = {
          waiting: new Set(asked),
          values: [],
          error: undefined,
          resolve,
          reject,
        };
        open.set(requestId, request);
        send(requestId);
        settle(requestId, request);
      });
    },
    answer(requestId, threadId, outcome) {
      const request = open.get(requestId);
      if (request === undefined || !request.waiting.delete(threadId)) return;
      if ('error' in outcome) request.error ??= outcome.error;
      else request.values.push(outcome.value);
      settle(requestId, request);
    },
    forget(threadId) {
      for (const [requestId, request] of open) {
        if (request.waiting.delete(threadId)) settle(requestId, request);
      }
    },
    rejectAll(reason) {
      for (const request of open.values()) request.reject(reason);
      open.clear();
    },
  };
}
