/**
 * Re-emits a pino JSON line written inside a worker through the host's logger, so plugin
 * records carry the host's destination and formatting and keep their own fields (plugin,
 * service, version, err, …).
 */
import type { Logger } from 'pino';

/** What pino's `base` puts in every record (not in `logger.bindings()`). */
const HOST_FIELDS = new Set(['pid', 'hostname']);

/**
 * Logs `line` through `logger` at the line's own level, its `plugin` field set to
 * `plugin` whatever the line says (a plugin cannot log as another), and the host's own
 * fields (`pid`, `hostname`, the logger's bindings) left as the host has them. Never
 * throws, whatever the line.
 */
export function forwardLog(logger: Logger, line: string, plugin: string): void {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    logger.warn({ plugin, line }, 'a plugin wrote a log line that is not JSON');
    return;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    logger.warn({ plugin, line }, 'a plugin wrote a log line that is not a JSON object');
    return;
  }
  // The host stamps its own time; the worker's is within a millisecond of it.
  const { level, time: _time, msg, ...fields } = record as Record<string, unknown>;
  // Nor are the host's own fields (pid, hostname, the logger's bindings) the plugin's to
  // set: pino would write them twice, and the plugin's copy, last, wins when read back.
  const own = logger.bindings();
  const kept = Object.fromEntries(
    Object.entries(fields).filter(([key]) => !HOST_FIELDS.has(key) && !Object.hasOwn(own, key)),
  );
  const label = typeof level === 'number' ? logger.levels.labels[level] : undefined;
  const known = label !== undefined && Object.hasOwn(logger.levels.values, label);
  const write = (known ? logger[label as 'info'] : logger.info).bind(logger);
  write({ ...kept, plugin }, typeof msg === 'string' ? msg : '');
}
