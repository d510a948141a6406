/**
 * The one interface behind every isolation mode. The host never branches on the mode:
 * `inline` runs the plugin in the host's thread, `thread` in a dedicated worker, `pool`
 * on a piscina pool of worker threads, `process` in a Node.js process of its own.
 */
import type { Logger } from 'pino';
import type { BerthError } from '../errors.js';
import type { ResourceLimits } from '../manifest/manifest.js';
import type { HealthReport, ServiceConfig } from '../sdk/context.js';
import type { CallOptions, DataPlaneStats } from '../transport/call-client.js';
import type { LogLimits } from '../transport/log-sink.js';
import type { PluginBoot, ServiceMethods } from '../transport/wire.js';
import type { BufferShelf } from './buffer-shelf.js';
import type { PluginLogs } from './plugin-logs.js';
import type { ProcessFigures, ProcessLimits } from './process-endpoint.js';

export type { CallOptions, DataPlaneStats, ProcessFigures };

/** A running (or starting, or stopped) plugin behind some isolation. */
export interface PluginRuntime {
  readonly isolation: 'inline' | 'thread' | 'pool' | 'process';
  /** Loads the plugin and starts its services; resolves with their methods. Call once. */
  start(): Promise<ServiceMethods>;
  /**
   * Calls a method. Rejects with a BerthError whose code says what happened and whose
   * plugin, service and method name the call.
   */
  call(service: string, method: string, args: unknown[], options?: CallOptions): Promise<unknown>;
  /** Runs the plugin's health checks. */
  health(): Promise<HealthReport>;
  /** Applies a new config to one running service live (PluginInstance.configure). */
  configure(service: string, config: ServiceConfig): Promise<void>;
  /**
   * Stops taking calls, lets calls in flight finish (up to a deadline), runs `onStop`
   * (up to a deadline), then releases everything (the worker is terminated). Never
   * rejects; safe to call more than once; later calls return the same promise.
   */
  stop(): Promise<void>;
  /**
   * Ends the plugin now, without draining or `onStop`: calls in flight reject with
   * `reason`. Used by the supervisor to replace an unhealthy plugin; `onExit` is not told.
   */
  kill(reason: BerthError): Promise<void>;
  /** Calls sent and not yet settled. */
  readonly inFlight: number;
  /** Arena figures, for runtimes with a shared-memory data plane. */
  readonly dataPlane?: DataPlaneStats | undefined;
  /** The plugin process's id and use, for process isolation (while it runs). */
  readonly process?: ProcessFigures | undefined;
}

/** What every runtime is made from. */
export interface RuntimeSpec {
  boot: PluginBoot;
  logger: Logger;
  resourceLimits?: ResourceLimits | undefined;
  /** How long loading and starting may take. */
  startTimeoutMs: number;
  /** How long draining calls, and then `onStop`, may each take. */
  stopTimeoutMs: number;
  /** A worker whose heartbeat stalls this long is hung, and is terminated. */
  hangTimeoutMs: number;
  /** The data-plane buffers of thread isolation, kept between the plugin's workers. */
  buffers: BufferShelf;
  /** The plugin's log intake (kept between its workers), and the limits its workers keep to. */
  logs: PluginLogs;
  logLimits: LogLimits;
  /** The environment a worker gets: an allowlist, never the host's whole `process.env`. */
  env: Record<string, string>;
  /** How long a worker watches for more calls after a batch before sleeping (µs); default 50. */
  spinUs?: number | undefined;
  /** Process isolation: the limits of the plugin's process. */
  processLimits?: ProcessLimits | undefined;
  /** Inline isolation: copy arguments and results through the codec (default), or pass references. */
  inlineValues?: 'copy' | 'reference' | undefined;
  /** Told when the plugin dies on its own: a crash, a hang, an OOM (never after `stop()` or `kill()`). */
  onExit(error: BerthError): void;
}
