/**
 * The errors of pool isolation's own making: a thread that holds an abandoned call, a call
 * piscina rejected, a pool given up. (What a thread's death means, as for any worker, is
 * worker-errors.ts.)
 */
import { BerthError, codes } from '../errors.js';
import { isOutOfMemory } from './worker-errors.js';

/**
 * BERTH_ERR_PLUGIN_HUNG for a thread that went on running a call its caller had given up
 * on (its deadline passed, or it was aborted) for longer than the grace: such a call holds
 * a pool slot for good, and enough of them wedge the pool.
 */
export function threadHeldError(
  plugin: string,
  threadId: number,
  call: number,
  graceMs: number,
): BerthError {
  return new BerthError(
    codes.PLUGIN_HUNG,
    `plugin "${plugin}": pool thread ${threadId} was still running a call ${graceMs} ms after its caller gave up on it (a call that ignores ctx.signal and never settles holds a pool slot); the thread was terminated and the pool replaces it`,
    { plugin, data: { threadId, call, graceMs } },
  );
}

/**
 * A call piscina rejected by itself: its thread died before the runtime could name the
 * call as that thread's (it had not started it yet, or died of an uncaught error).
 */
export function piscinaRejectionError(plugin: string, error: unknown): BerthError {
  const cause = error instanceof Error ? error : undefined;
  if (isOutOfMemory(cause)) {
    return new BerthError(
      codes.PLUGIN_OOM,
      `plugin "${plugin}": a pool thread ran out of heap during the call; the pool replaces it`,
      { plugin, cause },
    );
  }
  return new BerthError(
    codes.PLUGIN_CRASHED,
    `plugin "${plugin}" crashed: a pool thread died during the call (${cause?.message ?? String(error)}); the pool replaces it`,
    { plugin, cause },
  );
}

/**
 * The pool as a whole is given up, and the supervisor told (it restarts the plugin with
 * backoff, or opens its breaker): the threads keep dying, or a new thread cannot start
 * the plugin any more. Keeps the code of `last` (a crash, a hang, an OOM) so idempotent
 * calls are retried as after any death; a start failure is reported as a crash.
 */
export function poolGivenUpError(plugin: string, reason: string, last: BerthError): BerthError {
  const code =
    last.code === codes.PLUGIN_HUNG || last.code === codes.PLUGIN_OOM
      ? last.code
      : codes.PLUGIN_CRASHED;
  return new BerthError(code, `plugin "${plugin}": ${reason}; the pool is shut down`, {
    plugin,
    cause: last,
    data: last.data,
  });
}
