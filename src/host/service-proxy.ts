/**
 * `host.service(name)`: a typed proxy whose calls find the plugin that serves `name`
 * (one cached lookup, resolve-service.ts) and go through its router (src/upgrade), so an
 * upgrade can move new calls to another version and drain the old one.
 */
import type { BerthError } from '../errors.js';
import type { PluginRecords } from './plugin-records.js';
import { createServiceProxy, type LeasedRemote, type Remote } from './remote.js';
import { createServiceResolver, type ResolvedService } from './resolve-service.js';

/** Per-proxy call options. */
export interface ServiceOptions {
  /** Aborts every call made through this proxy when it fires. */
  signal?: AbortSignal;
  /** The deadline of each call made through this proxy; default the host's `callTimeoutMs`. */
  timeoutMs?: number;
  /**
   * Results as {@link Lease}s whose byte arrays are views on the plugin's result arena
   * (no copy), valid until released. Default false: results are the caller's to keep.
   */
  zeroCopy?: boolean;
}

/** What a proxy asks of its host at each call. */
export interface ProxyHost {
  /** Whether the host has been started (before that, a missing service is not an error yet). */
  started(): boolean;
  /** The error to refuse calls with once the host is closed; undefined while it is open. */
  closed(): BerthError | undefined;
}

/** A proxy for the service `name` among `plugins` (see the module comment). */
export function serviceProxy<T>(
  plugins: PluginRecords,
  name: string,
  options: ServiceOptions,
  host: ProxyHost,
): Remote<T> | LeasedRemote<T> {
  const callOptions = {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    zeroCopy: options.zeroCopy,
  };
  const resolve = createServiceResolver(plugins, name, host.started);
  return createServiceProxy<T>((method, args) => {
    const closed = host.closed();
    if (closed !== undefined) return Promise.reject(closed);
    let target: ResolvedService;
    try {
      target = resolve();
    } catch (error) {
      return Promise.reject(error);
    }
    const { service } = target;
    return target.record.router.use((instance) =>
      instance.call(service, method, args, callOptions),
    );
  });
}
