/**
 * Waiting for a lock without blocking the event loop.
 *
 * SQLite's own busy handler sleeps inside the native call: with `busy_timeout` at 5 s a
 * write blocked by another connection would hold the worker's event loop for 5 s, the
 * host's default hang limit, and the supervisor would terminate a healthy worker. So the
 * native handler gets only a short slice ({@link NATIVE_BUSY_SLICE_MS}) and the rest of
 * the wait happens here, between attempts, with the loop (and its heartbeat) running.
 *
 * Who holds the lock: another process on the same file, or the previous worker of this
 * plugin after a hang, which lingers until its native call returns (see README,
 * "Terminating a worker inside SQLite").
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, codes } from 'berth/sdk';

/** The native `busy_timeout` of every connection: the longest one attempt blocks. */
export const NATIVE_BUSY_SLICE_MS = 50;

/** The pause between attempts; the native slice already waited before each failure. */
const PAUSE_MS = 10;

/** True for SQLite's "database is locked" family (SQLITE_BUSY and its extended codes). */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs `attempt` (a synchronous unit of work that has no effect when it throws, such as
 * one transaction) until it does not fail with SQLITE_BUSY, for up to `totalMs` in all.
 * Past that it throws `BERTH_ERR_PLUGIN_ERROR` with the last SQLITE_BUSY as `cause` and
 * `data.sqliteCode`, so a caller can tell a lock timeout from a bug.
 */
export async function retryWhileBusy<T>(
  what: string,
  totalMs: number,
  attempt: () => T,
): Promise<T> {
  const giveUpAt = Date.now() + totalMs;
  for (;;) {
    try {
      return attempt();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (Date.now() >= giveUpAt) {
        throw new BerthError(
          codes.PLUGIN_ERROR,
          `sqlite-storage: ${what} waited ${totalMs} ms (busyTimeoutMs) for a lock another connection holds on the database`,
          { cause: error, data: { sqliteCode: (error as { code: string }).code } },
        );
      }
      await sleep(PAUSE_MS);
    }
  }
}
