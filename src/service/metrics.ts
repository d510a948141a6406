/**
 * Prometheus metrics of the service: calls and their latency per plugin and method (as
 * the service makes them), and each plugin's state and restarts, read at scrape time.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isBerthError, PLUGIN_STATES, type PluginHost, type Remote } from '../index.js';

/** The metrics of one service. */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** Wraps a proxy so that every call through it is counted and timed. */
  instrument<T>(plugin: string, proxy: Remote<T>): Remote<T>;
}

/** Makes the registry; plugin gauges are read from `host` whenever metrics are scraped. */
export function createServiceMetrics(host: PluginHost): ServiceMetrics {
  const registry = new Registry();
  const calls = new Counter({
    name: 'berth_calls_total',
    help: 'Calls made to plugins, by outcome (ok or the error code)',
    labelNames: ['plugin', 'method', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'berth_call_duration_seconds',
    help: 'Time from a call to its answer',
    labelNames: ['plugin', 'method'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  registerPluginGauges(registry, host);

  return {
    registry,
    instrument<T>(plugin: string, proxy: Remote<T>): Remote<T> {
      return new Proxy(proxy as object, {
        get(target, method) {
          const call = (target as Record<string | symbol, unknown>)[method];
          if (typeof method !== 'string' || typeof call !== 'function') return call;
          return async (...args: unknown[]) => {
            const stop = latency.startTimer({ plugin, method });
            try {
              const value: unknown = await (call as (...a: unknown[]) => Promise<unknown>)(...args);
              calls.inc({ plugin, method, outcome: 'ok' });
              return value;
            } catch (error) {
              calls.inc({ plugin, method, outcome: isBerthError(error) ? error.code : 'error' });
              throw error;
            } finally {
              stop();
            }
          };
        },
      }) as Remote<T>;
    },
  };
}

/**
 * Each plugin's restarts, state, calls in flight, dropped log lines, arena use and
 * process memory, read at scrape time.
 */
function registerPluginGauges(registry: Registry, host: PluginHost): void {
  new Gauge({
    name: 'berth_plugin_restarts',
    help: 'Restarts of each plugin since the host started it',
    labelNames: ['plugin'],
    registers: [registry],
    collect() {
      for (const p of host.plugins()) this.set({ plugin: p.name }, p.restarts);
    },
  });
  new Gauge({
    name: 'berth_plugin_state',
    help: '1 for the state each plugin is in, 0 for the others',
    labelNames: ['plugin', 'state'],
    registers: [registry],
    collect() {
      for (const p of host.plugins())
        for (const state of PLUGIN_STATES)
          this.set({ plugin: p.name, state }, p.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'berth_plugin_calls_in_flight',
    help: 'Calls sent to each plugin and not yet answered',
    labelNames: ['plugin'],
    registers: [registry],
    collect() {
      for (const p of host.plugins()) this.set({ plugin: p.name }, p.inFlight);
    },
  });
  new Counter({
    name: 'berth_plugin_log_dropped_total',
    help: "Log lines of each plugin dropped for going over the host's log limits",
    labelNames: ['plugin'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of host.plugins()) this.inc({ plugin: p.name }, p.logLinesDropped);
    },
  });
  new Gauge({
    name: 'berth_plugin_arena_bytes_in_use',
    help: 'Result arena bytes held by unreleased zero-copy results, per plugin worker',
    labelNames: ['plugin'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of host.plugins()) {
        if (p.arena !== undefined) this.set({ plugin: p.name }, p.arena.bytesInUse);
      }
    },
  });
  new Gauge({
    name: 'berth_plugin_process_resident_bytes',
    help: 'Resident memory of each plugin process (process isolation), heap and off-heap',
    labelNames: ['plugin'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of host.plugins()) {
        if (p.process !== undefined) this.set({ plugin: p.name }, p.process.residentBytes);
      }
    },
  });
}
