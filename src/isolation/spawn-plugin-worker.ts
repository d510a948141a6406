/**
 * Spawns the dedicated worker of thread isolation (workers/plugin-worker), with what it
 * is told at boot: the plugin, its log limits, the data plane's buffers and port, its
 * liveness buffer, and only the environment the host chose.
 */
import { Worker, type MessagePort } from 'node:worker_threads';
import type { SharedBuffers } from '../transport/shared-layout.js';
import { WIRE_VERSION, type WorkerBoot } from '../transport/wire.js';
import type { RuntimeSpec } from './runtime.js';
import { resolveWorkerEntry } from './worker-entry.js';

/** What a plugin worker is made with, beside its runtime's spec. */
export interface PluginWorkerParts {
  dataPort: MessagePort;
  buffers: SharedBuffers;
  liveness: SharedArrayBuffer;
  spinUs: number;
}

/** Starts the worker; it answers READY or LOAD_FAILED on its own port. */
export function spawnPluginWorker(spec: RuntimeSpec, parts: PluginWorkerParts): Worker {
  const entry = resolveWorkerEntry('plugin-worker');
  const workerData: WorkerBoot = {
    protocol: WIRE_VERSION,
    plugin: spec.boot,
    logLevel: spec.logger.level,
    logLimits: spec.logLimits,
    dataPort: parts.dataPort,
    buffers: parts.buffers,
    spinUs: parts.spinUs,
    liveness: parts.liveness,
    heartbeatIntervalMs: heartbeatInterval(spec.hangTimeoutMs),
    envNames: Object.keys(spec.env),
  };
  return new Worker(entry.url, {
    workerData,
    transferList: [parts.dataPort],
    argv: entry.argv,
    env: spec.env,
    ...(spec.resourceLimits === undefined ? {} : { resourceLimits: spec.resourceLimits }),
  });
}

/** How often a worker beats: a tenth of the hang timeout, within 5-500 ms. */
export function heartbeatInterval(hangTimeoutMs: number): number {
  return Math.max(5, Math.min(500, hangTimeoutMs / 10));
}
