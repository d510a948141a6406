/**
 * Inline isolation: the plugin runs in the host's own thread. Same plugin, same proxy,
 * same errors as `thread`, but no isolation: for development (breakpoints bind), for
 * debugging, and as the floor of the bench suite. Arguments and results are copied
 * through the codec of the other modes, so they arrive as they would from a thread and
 * what could not cross one is refused here too (BERTH_ERR_UNENCODABLE); with
 * `inlineValues: 'reference'` they are passed by reference, unchecked, for speed. Errors
 * the plugin throws are copied across the wire either way (copyAcrossWire), so each
 * reaches the caller bounded and with the same code as from a thread.
 */
import { createValueCopier } from '../transport/copy-value.js';
import { Lease } from '../transport/lease.js';
import { BerthError, callAbortedError, codes } from '../errors.js';
import { loadPlugin } from '../plugin-side/load-plugin.js';
import { startPluginInstance, type PluginInstance } from '../plugin-side/plugin-instance.js';
import { copyAcrossWire, presentCallError } from './call-error.js';
import { TIMED_OUT, withDeadline } from './deadline.js';
import type { HealthReport, ServiceConfig } from '../sdk/context.js';
import type { ServiceMethods } from '../transport/wire.js';
import type { CallOptions, PluginRuntime, RuntimeSpec } from './runtime.js';

/** The errors raceEnd makes: the host's own, which do not cross the wire. */
const hostEnds = new WeakSet<object>();

/** Loads nothing yet: `start()` imports the plugin into this thread. */
export function createInlineRuntime(spec: RuntimeSpec): PluginRuntime {
  return new InlineRuntime(spec);
}

/** A plugin in the host's own thread. */
class InlineRuntime implements PluginRuntime {
  readonly isolation = 'inline';
  #instance: PluginInstance | undefined;
  #stopping: Promise<void> | undefined;
  #inFlight = 0;
  #idle: (() => void) | undefined;
  readonly #copy: ReturnType<typeof createValueCopier> | undefined;
  readonly #plugin: string;

  constructor(private readonly spec: RuntimeSpec) {
    this.#plugin = spec.boot.name;
    this.#copy = spec.inlineValues === 'reference' ? undefined : createValueCopier();
  }

  async start(): Promise<ServiceMethods> {
    const { startTimeoutMs } = this.spec;
    const loaded = this.#load().catch((error: unknown) => {
      throw copyAcrossWire(error);
    });
    const outcome = await withDeadline(loaded, startTimeoutMs);
    if (outcome === TIMED_OUT) {
      // In this thread nothing can be terminated: the late start, if any, is abandoned.
      const plugin = this.#plugin;
      throw new BerthError(
        codes.START_FAILED,
        `plugin "${plugin}" did not start within ${startTimeoutMs} ms`,
        { plugin, data: { timeoutMs: startTimeoutMs } },
      );
    }
    this.#instance = outcome;
    return outcome.methods;
  }

  async call(service: string, method: string, args: unknown[], options: CallOptions = {}) {
    const { signal } = options;
    const plugin = this.#plugin;
    const instance = this.#instance;
    if (instance === undefined || this.#stopping !== undefined) {
      throw new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" is not running`, {
        plugin,
        service,
        method,
      });
    }
    if (signal?.aborted) {
      throw callAbortedError(signal.reason, { plugin, service, method });
    }
    const copy = this.#copy;
    this.#inFlight += 1;
    try {
      const sent = copy === undefined ? args : (copy(args, 'args') as unknown[]);
      const result = instance.call(service, method, sent, signal);
      const awaited = await (signal === undefined && options.timeoutMs === undefined
        ? result
        : raceEnd(Promise.resolve(result), options));
      const value = copy === undefined ? awaited : copy(awaited, 'result');
      // In process there is no arena: a zero-copy result is the value itself, leased for form.
      return options.zeroCopy === true ? new Lease(value) : value;
    } catch (error) {
      // WeakSet.has runs no code of the value's, even a Proxy's.
      const own = hostEnds.has(error as object);
      throw presentCallError(own ? error : copyAcrossWire(error), { plugin, service, method });
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0) this.#idle?.();
    }
  }

  async health(): Promise<HealthReport> {
    const instance = this.#instance;
    return instance === undefined ? { ok: false, detail: 'not started' } : instance.health();
  }

  async configure(service: string, config: ServiceConfig): Promise<void> {
    const plugin = this.#plugin;
    if (this.#instance === undefined || this.#stopping !== undefined) {
      throw new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" is not running`, {
        plugin,
        service,
      });
    }
    try {
      await this.#instance.configure(service, config);
    } catch (error) {
      throw copyAcrossWire(error);
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const instance = this.#instance;
      if (instance === undefined) return;
      const { spec } = this;
      const plugin = this.#plugin;
      if (this.#inFlight > 0) {
        const drained = new Promise<void>((resolve) => (this.#idle = resolve));
        if ((await withDeadline(drained, spec.stopTimeoutMs)) === TIMED_OUT) {
          const inFlight = this.#inFlight;
          spec.logger.warn({ plugin, inFlight }, 'calls still in flight at the stop deadline');
        }
      }
      if ((await withDeadline(instance.stop(), spec.stopTimeoutMs)) === TIMED_OUT) {
        spec.logger.warn({ plugin }, 'onStop did not finish by the stop deadline');
      }
    })();
    return this.#stopping;
  }

  async kill(reason: BerthError): Promise<void> {
    // Nothing in this thread can be terminated: stop at once, without draining.
    const { spec } = this;
    const message = `stopping inline plugin: ${reason.message}`;
    spec.logger.warn({ plugin: this.#plugin, code: reason.code }, message);
    this.#stopping ??= (async () => {
      await withDeadline(this.#instance?.stop() ?? Promise.resolve(), spec.stopTimeoutMs);
    })();
    await this.#stopping;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  #load(): Promise<PluginInstance> {
    const { boot, logger } = this.spec;
    const plugin = this.#plugin;
    return loadPlugin(
      plugin,
      boot.mainPath,
      boot.services.map((s) => s.name),
    ).then((definition) =>
      startPluginInstance({
        definition,
        plugin,
        version: boot.version,
        dataDir: boot.dataDir,
        services: boot.services,
        migrations: boot.migrations,
        mode: boot.mode,
        logger,
      }),
    );
  }
}

/**
 * Rejects with BERTH_ERR_CALL_ABORTED when the signal fires first, or
 * BERTH_ERR_CALL_TIMEOUT at the deadline, as a thread call does. The plugin's own work
 * goes on (it sees the signal); only the caller stops waiting.
 */
function raceEnd<T>(promise: Promise<T>, options: CallOptions): Promise<T> {
  const { signal, timeoutMs } = options;
  // One promise and one timer per call: Promise.race plus finally cost twice as much
  // on this path (npm run bench -- --filter "berth inline,tiny").
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(hostEnd(callAbortedError(signal?.reason)));
    };
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        reject(
          hostEnd(
            new BerthError(
              codes.CALL_TIMEOUT,
              `no answer within the call's deadline of ${timeoutMs} ms`,
              { data: { timeoutMs } },
            ),
          ),
        );
      }, timeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    promise.then(
      (value) => (settle(), resolve(value)),
      (error: unknown) => (settle(), reject(error)),
    );
  });
}

function hostEnd(error: BerthError): BerthError {
  hostEnds.add(error);
  return error;
}
