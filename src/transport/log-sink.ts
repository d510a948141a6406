/**
 * The worker's end of plugin logging: where a plugin's pino logger writes. Lines are
 * held to a rate and a size, batched, and posted to the host with a count of what was
 * dropped: at the end of the turn of the worker's event loop that wrote them, or, when a
 * batch went less than {@link MIN_BATCH_INTERVAL_MS} ago, that much after it:
 *
 *   ctx.log.info(...) ─▶ pino ─▶ write(line) ─┬─ over the rate: dropped += 1
 *                                             ├─ too long: cut, and said so
 *                                             └─ batch ──(setImmediate | timer)──▶ LOGS {lines, dropped}
 *
 * A plugin that logs a million lines costs the host a bounded number of messages and of
 * lines, not a million messages (a per-line postMessage stalled the host's event loop
 * for seconds). The host enforces the same limits again (isolation/plugin-logs.ts): this
 * side is the polite one, not the trusted one.
 */

/** How much a plugin may log. */
export interface LogLimits {
  /** Lines a second, on average; as many may come in a burst. */
  linesPerSecond: number;
  /** Longest line kept whole, in characters; a longer one is cut. */
  maxLineChars: number;
}

/** The defaults: 1,000 lines a second, lines up to 16 KiB. */
export const DEFAULT_LOG_LIMITS: LogLimits = { linesPerSecond: 1_000, maxLineChars: 16_384 };

/** Lines in one batch at most: a larger batch is posted at once. */
const MAX_BATCH = 256;

/**
 * Least time between two batches (but full ones), in ms. Posting a batch every turn of
 * the loop is not enough of a bound: a plugin that logs a line per turn (a line per
 * request, with I/O between) made a message per turn, over 5,000 a second even when
 * nearly every line was dropped, and the host ends a thread that posts that many
 * (thread-runtime.ts MAX_MESSAGES_PER_SECOND) as a flood. At most 100 batches a second,
 * plus a full one per 256 lines let through; a lone line still goes at the end of its turn.
 */
export const MIN_BATCH_INTERVAL_MS = 10;

/** A pino destination that keeps to `limits`. */
export interface LogSink {
  write(line: string): void;
  /**
   * Posts what is waiting now. The worker calls it as it exits: the last lines before a
   * crash are the ones most worth having, and a message posted from `process.on('exit')`
   * still reaches the host.
   */
  flush(): void;
}

/**
 * Makes the sink; `post` sends one batch (and the count dropped since the last). `now`
 * is the clock of the rate and of the batch interval, in ms.
 */
export function createLogSink(
  limits: LogLimits,
  post: (lines: string[], dropped: number) => void,
  now: () => number = () => performance.now(),
): LogSink {
  const bucket = createTokenBucket(limits.linesPerSecond, now);
  let lines: string[] = [];
  let dropped = 0;
  let scheduled = false;
  let lastPost = -Infinity;

  const flush = (): void => {
    if (lines.length === 0 && dropped === 0) return;
    const batch = lines;
    const count = dropped;
    lines = [];
    dropped = 0;
    lastPost = now();
    post(batch, count);
  };

  const scheduledFlush = (): void => {
    scheduled = false;
    flush();
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    const wait = lastPost + MIN_BATCH_INTERVAL_MS - now();
    // unref: a batch waiting to go never keeps the thread alive on its own.
    if (wait <= 0) setImmediate(scheduledFlush).unref();
    else setTimeout(scheduledFlush, wait).unref();
  };

  return {
    write(line) {
      if (!bucket.take()) {
        dropped += 1;
      } else {
        lines.push(cutLine(line, limits.maxLineChars));
        if (lines.length >= MAX_BATCH) flush();
      }
      if (lines.length > 0 || dropped > 0) schedule();
    },
    flush,
  };
}

/** A token bucket of `perSecond` tokens a second, holding at most a second's worth. */
export function createTokenBucket(
  perSecond: number,
  now: () => number = () => performance.now(),
): { take(): boolean } {
  let tokens = perSecond;
  let last = now();
  return {
    take() {
      const at = now();
      tokens = Math.min(perSecond, tokens + ((at - last) * perSecond) / 1000);
      last = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * `line` if it is at most `max` characters, else a line of its own saying it was cut,
 * at the level of the original (pino writes `{"level":N` first), with its first `max`
 * characters as `cut`.
 */
export function cutLine(line: string, max: number): string {
  if (line.length <= max) return line;
  const level = /^\{"level":(\d{1,3})[,}]/.exec(line)?.[1] ?? '40';
  return `${JSON.stringify({
    level: Number(level),
    msg: `a log line of ${line.length} characters was cut to ${max}`,
    cut: line.slice(0, max),
  })}\n`;
}
