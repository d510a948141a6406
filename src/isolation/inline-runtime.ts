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
import type { CallOptions, PluginRuntime, RuntimeSpec } from './runtime.js';

/** The errors raceEnd makes: the host's own, which do not cross the wire. */
const hostEnds = new WeakSet<object>();

/** Loads nothing yet: `start()` imports the plugin into this thread. */
export function createInlineRuntime(spec: RuntimeSpec): PluginRuntime {
  const plugin = spec.boot.name;
  let instance: PluginInstance | undefined;
  let stopping: Promise<void> | undefined;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const copy = spec.inlineValues === 'reference' ? undefined : createValueCopier();

  const load = async (): Promise<PluginInstance> => {
    const { boot } = spec;
    const definition = await loadPlugin(
      plugin,
      boot.mainPath,
      boot.services.map((s) => s.name),
    );
    return startPluginInstance({
      definition,
      plugin,
      version: boot.version,
      dataDir: boot.dataDir,
      services: boot.services,
      migrations: boot.migrations,
      mode: boot.mode,
      logger: spec.logger,
    });
  };

  const settle = (): void => {
    inFlight -= 1;
    if (inFlight === 0) idle?.();
  };

  return {
    isolation: 'inline',
    async start() {
      const loaded = load().catch((error: unknown) => {
        throw copyAcrossWire(error);
      });
      const outcome = await withDeadline(loaded, spec.startTimeoutMs);
      if (outcome === TIMED_OUT) {
        // In this thread nothing can be terminated: the late start, if any, is abandoned.
        throw new BerthError(
          codes.START_FAILED,
          `plugin "${plugin}" did not start within ${spec.startTimeoutMs} ms`,
          {
            plugin,
            data: { timeoutMs: spec.startTimeoutMs },
          },
        );
      }
      instance = outcome;
      return instance.methods;
    },
    async call(service, method, args, options = {}) {
      const { signal } = options;
      if (instance === undefined || stopping !== undefined) {
        throw new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" is not running`, {
          plugin,
          service,
          method,
        });
      }
      if (signal?.aborted) {
        throw callAbortedError(signal.reason, { plugin, service, method });
      }
      inFlight += 1;
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
        settle();
      }
    },
    async health() {
      return instance === undefined ? { ok: false, detail: 'not started' } : instance.health();
    },
    async configure(service, config) {
      if (instance === undefined || stopping !== undefined) {
        throw new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" is not running`, {
          plugin,
          service,
        });
      }
      try {
        await instance.configure(service, config);
      } catch (error) {
        throw copyAcrossWire(error);
      }
    },
    stop() {
      stopping ??= (async () => {
        if (instance === undefined) return;
        if (inFlight > 0) {
          const drained = new Promise<void>((resolve) => (idle = resolve));
          if ((await withDeadline(drained, spec.stopTimeoutMs)) === TIMED_OUT) {
            spec.logger.warn({ plugin, inFlight }, 'calls still in flight at the stop deadline');
          }
        }
        if ((await withDeadline(instance.stop(), spec.stopTimeoutMs)) === TIMED_OUT) {
          spec.logger.warn({ plugin }, 'onStop did not finish by the stop deadline');
        }
      })();
      return stopping;
    },
    async kill(reason) {
      // Nothing in this thread can be terminated: stop at once, without draining.
      spec.logger.warn({ plugin, code: reason.code }, `stopping inline plugin: ${reason.message}`);
      stopping ??= (async () => {
        await withDeadline(instance?.stop() ?? Promise.resolve(), spec.stopTimeoutMs);
      })();
      await stopping;
    },
    get inFlight() {
      return inFlight;
    },
  };
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
