/**
 * The host's logger: pino, pretty-printed when a person is watching.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Pretty output; defaults to whether stdout is a TTY. */
  pretty?: boolean;
}

/** Makes a logger writing JSON lines to stdout, or pretty lines when `pretty` (a TTY by default). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (!pretty) return pino({ level });
  return pino({
    level,
    transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } },
  });
}
