/**
 * What every plugin-side thread does before any plugin code runs, whichever isolation
 * runs it (a dedicated worker, a pool thread): keep only the environment the host chose,
 * send the plugin's logs to the host through a bounded sink, and refuse a host that
 * speaks another wire version.
 */
import { pino, type Logger } from 'pino';
import { BerthError, codes } from '../errors.js';
import { createLogSink, type LogLimits } from '../transport/log-sink.js';

/**
 * Drops every environment variable not in `names`. The environment is the host's choice
 * (isolation/plugin-env.ts), passed as the thread's `env`; Node 20 adds the variables of
 * `node --env-file` to every thread's whatever that option says, so they go here.
 */
export function keepOnlyEnv(names: readonly string[]): void {
  for (const name of Object.keys(process.env)) {
    if (!names.includes(name)) Reflect.deleteProperty(process.env, name);
  }
}

/**
 * The plugin's logger: pino's own JSON lines, batched and held to the host's limits
 * (log-sink.ts) and handed to `post`; the host re-emits them. The last lines before an
 * exit or an uncaught error go out with it.
 */
export function createWorkerLogger(
  level: string,
  limits: LogLimits,
  post: (lines: string[], dropped: number) => void,
): Logger {
  const sink = createLogSink(limits, post);
  process.on('exit', () => sink.flush());
  return pino({ level, base: null }, sink);
}

/** Which wire a version is of, and what this side calls itself, for the message. */
export interface WireSide {
  wire: 'wire' | 'pool wire';
  self: 'this worker' | 'this thread';
  plugin: string;
}

/** Throws BERTH_ERR_PROTOCOL_MISMATCH, naming both versions, unless `host` is `own`. */
export function checkWireVersion(host: number, own: number, side: WireSide): void {
  if (host === own) return;
  throw new BerthError(
    codes.PROTOCOL_MISMATCH,
    `host speaks ${side.wire} v${host}, ${side.self} v${own}; reinstall Berth so both match`,
    { plugin: side.plugin, data: { host, worker: own } },
  );
}
