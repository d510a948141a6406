/**
 * Makes the piscina pool of one plugin and the view of its threads (pool-threads.ts),
 * wired together: the pool's messages go to the threads' handles, every first thread is
 * watched, and a thread failing between calls is logged rather than left to crash the host.
 */
import type { Piscina } from 'piscina';
import { POOL_WIRE_VERSION } from '../transport/pool-wire.js';
import type { PluginBoot } from '../transport/wire.js';
import { createPiscina, LIVENESS_BYTES } from './create-piscina.js';
import { createPoolThreads, type PoolThreadEvents, type PoolThreads } from './pool-threads.js';
import type { RuntimeSpec } from './runtime.js';
import { heartbeatInterval } from './spawn-plugin-worker.js';

/** A plugin's pool, its threads starting. */
export interface OpenPool {
  pool: Piscina;
  threads: PoolThreads;
}

/** Starts `size` threads of the plugin; `services()` is the config in force for each. */
export function openPool(
  spec: RuntimeSpec,
  size: number,
  services: () => PluginBoot['services'],
  events: PoolThreadEvents,
): OpenPool {
  const plugin = spec.boot.name;
  const channel = `berth-pool:${plugin}:${process.pid}:${Math.random().toString(36).slice(2)}`;
  const pool = createPiscina({
    threads: size,
    boot: {
      protocol: POOL_WIRE_VERSION,
      plugin: spec.boot,
      logLevel: spec.logger.level,
      channel,
      heartbeatIntervalMs: heartbeatInterval(spec.hangTimeoutMs),
      logLimits: spec.logLimits,
    },
    resourceLimits: spec.resourceLimits,
    env: spec.env,
  });
  const threads = createPoolThreads({
    plugin,
    logger: spec.logger,
    channel,
    hangTimeoutMs: spec.hangTimeoutMs,
    startTimeoutMs: spec.startTimeoutMs,
    resourceLimits: spec.resourceLimits,
    services,
    workers: () => pool.threads,
    logs: spec.logs,
    livenessBytes: LIVENESS_BYTES,
    abandonGraceMs: spec.hangTimeoutMs,
    events,
  });
  pool.on('message', (message: unknown) => threads.onMessage(message));
  // Unhandled, piscina's 'error' (a thread failing with no call running) would crash the
  // host; the thread's exit that follows is what counts, and the threads' handles see it.
  pool.on('error', (error: unknown) =>
    spec.logger.warn({ plugin, err: error }, 'a pool thread failed between calls'),
  );
  for (const worker of pool.threads) threads.watch(worker);
  return { pool, threads };
}
