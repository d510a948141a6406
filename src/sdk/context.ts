/**
 * What a plugin's code is handed: the context of a service and of one call.
 */
import type { Logger } from 'pino';

/** The config object of a service: defaultConfig from the manifest, host overrides merged over it. */
export type ServiceConfig = Record<string, unknown>;

/**
 * The context of one running service, given to its factory and hooks. `config` always
 * reads the config in force (it changes live through `onConfigChange`).
 */
export interface ServiceContext<C = ServiceConfig> {
  readonly plugin: string;
  readonly version: string;
  readonly service: string;
  /** A pino logger tagged with plugin, service and version; records reach the host's log. */
  readonly log: Logger;
  readonly config: C;
  /** A folder that belongs to this plugin alone; it exists before the factory runs. */
  readonly dataDir: string;
  /** Aborts when the service is told to stop. */
  readonly signal: AbortSignal;
}

/** The context of one method call. */
export interface CallContext<C = ServiceConfig> extends ServiceContext<C> {
  readonly method: string;
  /** Aborts when the caller gives up on the call or the service stops. */
  readonly signal: AbortSignal;
  /**
   * A byte array of `byteLength` to write the method's result into and return (itself,
   * or a view on its first bytes). In a worker thread, one larger than a ring record
   * (32 KiB) is a view on the plugin's result arena: the result then reaches the caller
   * without a copy on the way, and a zero-copy caller reads it where it was written.
   * Elsewhere, when the arena is full, or when another call of the worker holds such a
   * view, it is a plain Uint8Array, sent as any result is. A view on the arena is not
   * zeroed: write every byte you return. It is the call's until the method returns; do
   * not keep it or write to it after that, since its memory then holds other results.
   */
  resultBytes(byteLength: number): Uint8Array;
}

/** What `onHealthCheck` may return; returning nothing means healthy, throwing means not. */
export interface HealthReport {
  ok: boolean;
  detail?: string;
  /**
   * `false`: the plugin itself is fine but cannot serve now, because something outside it
   * is away (its database refuses connections). Not a failed check: the host never
   * restarts a worker for it (a new worker would not reach the database either); it
   * reports the plugin not ready (`PluginInfo.ready`, the service's /readyz) until a
   * check says otherwise. Absent means ready.
   */
  ready?: boolean;
}
