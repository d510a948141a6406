/**
 * Test helper: the parts of a RuntimeSpec the host keeps per plugin (make-record.ts),
 * made as the host makes them, for tests that build runtimes themselves.
 */
import type { Logger } from 'pino';
import { createBufferShelf } from '../../src/isolation/buffer-shelf.js';
import { pluginEnv } from '../../src/isolation/plugin-env.js';
import { createPluginLogs } from '../../src/isolation/plugin-logs.js';
import { DEFAULT_LOG_LIMITS } from '../../src/transport/log-sink.js';

/** Buffers, logs, log limits and environment of plugin `name`, with the host's defaults. */
export function runtimeParts(name: string, logger: Logger) {
  return {
    buffers: createBufferShelf(),
    logs: createPluginLogs(name, logger, DEFAULT_LOG_LIMITS),
    logLimits: DEFAULT_LOG_LIMITS,
    env: pluginEnv([]),
  };
}
