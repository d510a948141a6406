/**
 * The host's end of one plugin's logging: takes the batches its workers post, holds them
 * to the plugin's limits again (a worker is not trusted to), re-emits each line through
 * the host's logger, and counts what was dropped on either side.
 *
 * Drops are reported once per interval (a warning with the count, and `dropped` for the
 * `berth_plugin_log_dropped_total` metric), not once per line. One per plugin, kept
 * across its restarts, so a plugin that floods and crashes does not get a fresh budget.
 */
import type { Logger } from 'pino';
import { createTokenBucket, cutLine, type LogLimits } from '../transport/log-sink.js';
import { forwardLog } from './forward-log.js';

/** How often dropped lines are reported, at most. */
const REPORT_EVERY_MS = 10_000;
/**
 * The host's budget is this many times the plugin's own: the worker's bucket and the
 * host's fill on different clocks, and an honest worker must never be cut here.
 */
const HOST_SLACK = 2;
/** Most lines one batch may carry; a larger batch is a protocol violation. */
export const MAX_LOG_BATCH = 1_024;

/** The log intake of one plugin. */
export interface PluginLogs {
  /** Takes one batch a worker posted (already checked for shape). */
  take(lines: readonly string[], droppedByWorker: number): void;
  /** Lines dropped since the plugin first ran (by its workers and by the host). */
  readonly dropped: number;
  /** Reports drops not yet reported, now, and stops the report timer. */
  flush(): void;
}

/** Makes the intake of `plugin`. */
export function createPluginLogs(plugin: string, logger: Logger, limits: LogLimits): PluginLogs {
  const bucket = createTokenBucket(limits.linesPerSecond * HOST_SLACK);
  let dropped = 0;
  let unreported = 0;
  let timer: NodeJS.Timeout | undefined;

  const report = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (unreported === 0) return;
    logger.warn(
      { plugin, dropped: unreported, limits },
      `plugin "${plugin}" logged more than its limits allow; ${unreported} lines were dropped (host option logLimits)`,
    );
    unreported = 0;
  };

  const drop = (count: number): void => {
    dropped += count;
    unreported += count;
    if (timer === undefined) {
      timer = setTimeout(report, REPORT_EVERY_MS);
      timer.unref();
    }
  };

  return {
    take(lines, droppedByWorker) {
      let refused = 0;
      for (const line of lines) {
        if (bucket.take()) forwardLog(logger, cutLine(line, limits.maxLineChars), plugin);
        else refused += 1;
      }
      if (droppedByWorker + refused > 0) drop(droppedByWorker + refused);
    },
    get dropped() {
      return dropped;
    },
    flush: report,
  };
}
