/**
 * The calls a peer transport has sent and not yet seen answered, keyed by call id (the
 * harness gives every call its own id, so the id is the key on the wire too).
 *
 * Guarantee: every call settles exactly once. Its answer, its own failure, or `failAll`
 * (the other side died, or the transport closed) settles it; after `failAll`, new calls
 * reject at once, so nothing ever waits on a side that is gone. Errors name the transport.
 */
import type { EventEmitter } from 'node:events';

interface Settle {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The pending calls of one transport. */
export interface PendingCalls {
  /** Registers call `id` and runs `send`; rejects at once if `send` throws, the id is in flight, or `failAll` ran. */
  add(id: number, send: () => void): Promise<unknown>;
  /** Resolves call `id`; ignored when it is not pending (it failed already). */
  resolve(id: number, value: unknown): void;
  /** Rejects call `id` with an error naming the transport, `cause` attached. */
  reject(id: number, cause: unknown): void;
  /** Rejects every pending and every later call with `<transport>: <reason>`. The first reason stays. */
  failAll(reason: string, cause?: unknown): void;
  /** Fails every call when `side` (a Worker or ChildProcess) emits 'error', disconnects or exits. */
  failOn(side: EventEmitter, what: string): void;
}

/** Makes the pending-call table of the transport named `transport`. */
export function createPendingCalls(transport: string): PendingCalls {
  const calls = new Map<number, Settle>();
  let failure: Error | undefined;

  const take = (id: number): Settle | undefined => {
    const call = calls.get(id);
    calls.delete(id);
    return call;
  };

  const failAll = (reason: string, cause?: unknown): void => {
    failure ??= new Error(`${transport}: ${reason}`, { cause });
    for (const call of calls.values()) call.reject(failure);
    calls.clear();
  };

  return {
    add(id, send) {
      if (failure !== undefined) return Promise.reject(failure);
      if (calls.has(id))
        return Promise.reject(new Error(`${transport}: call ${id} is already in flight`));
      return new Promise((resolve, reject) => {
        calls.set(id, { resolve, reject });
        try {
          send();
        } catch (error) {
          take(id)?.reject(
            new Error(`${transport}: call ${id} could not be sent`, { cause: error }),
          );
        }
      });
    },
    resolve: (id, value) => take(id)?.resolve(value),
    reject: (id, cause) =>
      take(id)?.reject(new Error(`${transport}: call ${id} failed`, { cause })),
    failAll,
    failOn(side, what) {
      side.on('error', (error: unknown) => failAll(`${what} failed`, error));
      side.on('disconnect', () => failAll(`${what} closed its IPC channel`));
      side.on('exit', (code: number | null, signal?: NodeJS.Signals | null) =>
        failAll(`${what} exited (${signal ?? `code ${code}`})`),
      );
    },
  };
}
