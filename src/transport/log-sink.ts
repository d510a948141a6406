/**
 * The worker's end of plugin logging: where a plugin's pino logger writes. Lines are
 * held to a rate and a size, batched, and posted to the host a batch per turn of the
 * worker's event loop, with a count of what was dropped:
 *
 *   ctx.log.info(...) ─▶ pino ─▶ write(line) ─┬─ over the rate: dropped += 1
 *                                             ├─ too long: cut, and said so
 *                                             └─ batch ──(setImmediate)──▶ LOGS {lines, dropped}
 *
 * A plugin that logs a million lines in a tight loop costs the host one message per
 * batch and a bounded number of lines, not a million messages (a per-line postMessage
 * stalled the host's event loop for seconds). The host enforces the same limits again
 * (isolation/plugin-logs.ts): this side is the polite one, not the trusted one.
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

/** A pino destination that keeps to `limits`. */
export interface LogSink {
  write(line: string): void;
}

/** Makes the sink; `post` sends one batch (and the count dropped since the last). */
export function createLogSink(
  limits: LogLimits,
  post: (lines: string[], dropped: number) => void,
): LogSink {
  const bucket = createTokenBucket(limits.linesPerSecond);
  let lines: string[] = [];
  let dropped = 0;
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    if (lines.length === 0 && dropped === 0) return;
    const batch = lines;
    const count = dropped;
    lines = [];
    dropped = 0;
    post(batch, count);
  };

  return {
    write(line) {
      if (!bucket.take()) {
        dropped += 1;
      } else {
        lines.push(cutLine(line, limits.maxLineChars));
        if (lines.length >= MAX_BATCH) flush();
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush).unref();
      }
    },
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
