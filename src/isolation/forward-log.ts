/**
 * Re-emits a pino JSON line written inside a worker through the host's logger, so plugin
 * records carry the host's destination and formatting and keep their own fields (plugin,
 * service, version, err, …).
 */
import type { Logger } from 'pino';

/** Logs `line` through `logger` at the line's own level. Never throws. */
export function forwardLog(logger: Logger, line: string): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    logger.warn({ line }, 'a plugin wrote a log line that is not JSON');
    return;
  }
  // The host stamps its own time; the worker's is within a millisecond of it.
  const { level, time: _time, msg, ...fields } = record;
  const label = typeof level === 'number' ? logger.levels.labels[level] : undefined;
  const write = (
    label !== undefined && label in logger ? logger[label as 'info'] : logger.info
  ).bind(logger);
  write(fields, typeof msg === 'string' ? msg : '');
}
