/**
 * The host's logger: pino, pretty-printed when a person is watching.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Default `info`. */
  level?: LevelWithSilent;
  /** Where lines go. Default stdout. */
  destination?: 'stdout' | 'stderr';
  /** Pretty output; defaults to whether the destination is a TTY. */
  pretty?: boolean;
}

/**
 * Makes a logger writing JSON lines to stdout (or stderr), or pretty lines when `pretty`
 * (a TTY by default).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const fd = options.destination === 'stderr' ? 2 : 1;
  const pretty = options.pretty ?? (fd === 2 ? process.stderr : process.stdout).isTTY === true;
  if (!pretty) return fd === 1 ? pino({ level }) : pino({ level }, pino.destination(fd));
  return pino({
    level,
    transport: {
      target: 'pino-pretty',
      options: { colorize: true, ignore: 'pid,hostname', destination: fd },
    },
  });
}

/**
 * The logger of a host made without one: warnings and errors only, to stderr, so a host
 * embedded in an application stays out of its output. Pass `logger` for more.
 */
export function createQuietLogger(): Logger {
  return createLogger({ level: 'warn', destination: 'stderr' });
}
