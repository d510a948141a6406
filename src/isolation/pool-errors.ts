/**
 * The errors of pool isolation when a thread, not the plugin's code, ends a call: each
 * names the plugin and the thread, and says what happened to the pool.
 */
import { BerthError, codes } from '../errors.js';
import type { ResourceLimits } from '../manifest/manifest.js';

/** What is known of a pool thread that ended on its own. */
export interface ThreadEnd {
  plugin: string;
  threadId: number;
  exitCode: number;
  /** The uncaught error or the worker error it reported before exiting, if any. */
  lastError: Error | undefined;
  resourceLimits: ResourceLimits | undefined;
}

const OUT_OF_MEMORY = 'ERR_WORKER_OUT_OF_MEMORY';

/**
 * BERTH_ERR_PLUGIN_OOM when the thread ran out of heap, else BERTH_ERR_PLUGIN_CRASHED
 * with the exit code (and the uncaught error as `cause`).
 */
export function threadEndError(end: ThreadEnd): BerthError {
  const { plugin, threadId, exitCode, lastError } = end;
  if ((lastError as { code?: unknown } | undefined)?.code === OUT_OF_MEMORY) {
    return new BerthError(
      codes.PLUGIN_OOM,
      `plugin "${plugin}": pool thread ${threadId} ran out of heap (resourceLimits ${JSON.stringify(end.resourceLimits ?? {})}); the pool replaces it`,
      { plugin, cause: lastError, data: { exitCode, threadId } },
    );
  }
  return new BerthError(
    codes.PLUGIN_CRASHED,
    `plugin "${plugin}" crashed: pool thread ${threadId} exited with code ${exitCode}` +
      (lastError === undefined
        ? ''
        : ` after an uncaught ${lastError.name}: ${lastError.message}`) +
      '; the pool replaces it',
    { plugin, cause: lastError, data: { exitCode, threadId } },
  );
}

/** BERTH_ERR_PLUGIN_HUNG for a thread whose event loop stopped beating. */
export function threadHungError(
  plugin: string,
  threadId: number,
  hangTimeoutMs: number,
): BerthError {
  return new BerthError(
    codes.PLUGIN_HUNG,
    `plugin "${plugin}" stopped responding: the event loop of pool thread ${threadId} was blocked for over ${hangTimeoutMs} ms; the thread was terminated and the pool replaces it`,
    { plugin, data: { hangTimeoutMs, threadId } },
  );
}

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
  if ((cause as { code?: unknown } | undefined)?.code === OUT_OF_MEMORY) {
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
