/**
 * What a plugin worker's end means, as an error: one classifier for every isolation mode
 * (a dedicated worker, a pool thread, next a child process). Pure functions of what is
 * known of the worker, so they are tested without threads.
 *
 *   exit with Node's out-of-heap error   -> BERTH_ERR_PLUGIN_OOM
 *   any other exit (a code or a signal)  -> BERTH_ERR_PLUGIN_CRASHED (the uncaught error as cause)
 *   heartbeat stalled, worker terminated -> BERTH_ERR_PLUGIN_HUNG
 *   sent what the wire does not allow    -> BERTH_ERR_PROTOCOL
 *   hello with another wire version      -> BERTH_ERR_PROTOCOL_MISMATCH
 */
import { BerthError, codes } from '../errors.js';
import type { ResourceLimits } from '../manifest/manifest.js';

/** Which worker it is: the plugin's own, or thread `threadId` of its pool. */
export interface WorkerSite {
  plugin: string;
  /** Set for a pool thread: messages name it and say the pool replaces it. */
  threadId?: number | undefined;
  resourceLimits?: ResourceLimits | undefined;
  /** A plugin process (process isolation) rather than a thread: messages say so. */
  process?: boolean | undefined;
}

/** How a worker ended, as its endpoint saw it. */
export interface WorkerExit {
  /** The exit code; null when a signal ended it (a child process). */
  code: number | null;
  signal?: string | undefined;
  /** The uncaught error (or Node's worker error) reported before the exit, if any. */
  error?: Error | undefined;
  /** A process the host killed for going over a limit: which, and by how much. */
  overLimit?: string | undefined;
  /** A process that wrote Node's out-of-heap message before it ended. */
  heapOom?: boolean | undefined;
}

const OUT_OF_MEMORY = 'ERR_WORKER_OUT_OF_MEMORY';

/** Whether `error` is Node's report of a worker that ran out of heap. */
export function isOutOfMemory(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === OUT_OF_MEMORY;
}

/**
 * BERTH_ERR_PLUGIN_OOM when the worker ran out of heap, else BERTH_ERR_PLUGIN_CRASHED with
 * the exit code or signal (and the uncaught error as `cause`).
 */
export function exitError(site: WorkerSite, exit: WorkerExit): BerthError {
  const { plugin, threadId } = site;
  const { error } = exit;
  const data = {
    exitCode: exit.code,
    ...(exit.signal === undefined ? {} : { signal: exit.signal }),
    ...(threadId === undefined ? {} : { threadId }),
  };
  const limits = `resourceLimits ${JSON.stringify(site.resourceLimits ?? {})}`;
  if (exit.overLimit !== undefined) {
    const memory = exit.overLimit.startsWith('memory');
    return new BerthError(
      memory ? codes.PLUGIN_OOM : codes.PLUGIN_CRASHED,
      `plugin "${plugin}" went over a limit of its process (${exit.overLimit}); the process was killed`,
      { plugin, cause: error, data: { ...data, overLimit: exit.overLimit } },
    );
  }
  if (isOutOfMemory(error) || exit.heapOom === true) {
    const message =
      threadId === undefined
        ? `plugin "${plugin}" ran out of heap (${limits}); its worker was ended`
        : `plugin "${plugin}": pool thread ${threadId} ran out of heap (${limits}); the pool replaces it`;
    return new BerthError(codes.PLUGIN_OOM, message, { plugin, cause: error, data });
  }
  const how =
    exit.code === null
      ? `was killed by ${exit.signal ?? 'a signal'}`
      : `exited with code ${exit.code}`;
  const who =
    threadId !== undefined
      ? `pool thread ${threadId}`
      : site.process === true
        ? 'its process'
        : 'its worker';
  return new BerthError(
    codes.PLUGIN_CRASHED,
    `plugin "${plugin}" crashed: ${who} ${how}` +
      (error === undefined ? '' : ` after an uncaught ${error.name}: ${error.message}`) +
      (threadId === undefined ? '' : '; the pool replaces it'),
    { plugin, cause: error, data },
  );
}

/** BERTH_ERR_PLUGIN_HUNG for a worker whose event loop stopped beating (it is terminated). */
export function hungError(site: WorkerSite, hangTimeoutMs: number): BerthError {
  const { plugin, threadId } = site;
  if (threadId === undefined) {
    return new BerthError(
      codes.PLUGIN_HUNG,
      `plugin "${plugin}" stopped responding: its event loop was blocked for over ${hangTimeoutMs} ms; its worker was terminated`,
      { plugin, data: { hangTimeoutMs } },
    );
  }
  return new BerthError(
    codes.PLUGIN_HUNG,
    `plugin "${plugin}" stopped responding: the event loop of pool thread ${threadId} was blocked for over ${hangTimeoutMs} ms; the thread was terminated and the pool replaces it`,
    { plugin, data: { hangTimeoutMs, threadId } },
  );
}

/**
 * BERTH_ERR_PROTOCOL for a worker that sent what the wire does not allow. A pool thread's
 * violation shuts the whole pool down: piscina does not say which thread sent a message.
 */
export function protocolError(site: WorkerSite, detail: string, cause?: unknown): BerthError {
  const { plugin, threadId } = site;
  const message =
    threadId === undefined
      ? `plugin "${plugin}" broke the wire protocol (${detail}); its worker was ended`
      : `plugin "${plugin}": a pool thread broke the wire protocol (${detail}); the pool is shut down`;
  return new BerthError(codes.PROTOCOL, message, { plugin, cause, data: { detail } });
}

/** BERTH_ERR_PROTOCOL_MISMATCH for a worker whose hello names another wire version. */
export function mismatchError(
  site: WorkerSite,
  wire: string,
  host: number,
  worker: number,
): BerthError {
  const who = site.threadId === undefined ? 'worker' : 'pool thread';
  return new BerthError(
    codes.PROTOCOL_MISMATCH,
    `plugin "${site.plugin}": ${who} speaks ${wire} v${worker}, host v${host}; reinstall Berth so both match`,
    { plugin: site.plugin, data: { host, worker } },
  );
}
