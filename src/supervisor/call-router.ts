/**
 * Routes one plugin's calls to its current runtime: it bounds the calls in flight, makes
 * a call made while the plugin restarts wait for it within the call's deadline, and
 * repeats an idempotent call once when its worker died under it (retry-policy.ts). The
 * supervisor owns the runtime and the state; the router reads them through a CallTarget
 * at every step, since a restart may replace them while a call waits.
 */
import { BerthError, codes, isBerthError } from '../errors.js';
import { MAX_TIMEOUT_MS } from '../isolation/deadline.js';
import type { CallOptions, PluginRuntime } from '../isolation/runtime.js';
import type { PluginManifest } from '../manifest/index.js';
import type { Gate } from './gate.js';
import { poisonCallError, RetriedCalls, shouldRetry, type CallSite } from './retry-policy.js';
import type { PluginState } from './supervisor.js';

/** What the router reads of its supervisor; every read is of the moment. */
export interface CallTarget {
  manifest: PluginManifest;
  maxInFlight: number;
  callTimeoutMs: number;
  state(): PluginState;
  /** True once the supervisor stops. */
  closing(): boolean;
  /** The runtime attached now, whatever the state. */
  runtime(): PluginRuntime | undefined;
  methods(): Record<string, string[]>;
  lastError(): BerthError | undefined;
  /** Opens when the plugin runs; a restart replaces it, so it is read anew after every wait. */
  running(): Gate;
  /** A call was refused with BERTH_ERR_BACKEND_UNAVAILABLE: the plugin is not ready. */
  backendUnavailable(): void;
}

/**
 * Sends calls to a supervisor's runtime. No call waits past its deadline; at most
 * `maxInFlight` calls are admitted at once, those waiting for a restart included.
 */
export class CallRouter {
  readonly #target: CallTarget;
  readonly #plugin: string;
  /** Calls admitted and not yet settled, those waiting for a restart included. */
  #admitted = 0;
  readonly #retried = new RetriedCalls<PluginRuntime>();

  constructor(target: CallTarget) {
    this.#target = target;
    this.#plugin = target.manifest.name;
  }

  /** True while a retried call is in flight on `runtime`: its death is most likely poison's. */
  retriedOn(runtime: PluginRuntime): boolean {
    return this.#retried.has(runtime);
  }

  /** Calls a method with the plugin's deadline and bounds (see Supervisor.call). */
  call(service: string, method: string, args: unknown[], options: CallOptions): Promise<unknown> {
    const target = this.#target;
    // Counted before anything waits, so a burst made in one tick is bounded too.
    if (this.#admitted >= target.maxInFlight) {
      return Promise.reject(
        new BerthError(
          codes.OVERLOADED,
          `plugin "${this.#plugin}" already has ${target.maxInFlight} calls in flight; retry later or raise maxInFlight`,
          { plugin: this.#plugin, service, method, data: { maxInFlight: target.maxInFlight } },
        ),
      );
    }
    // Cut to the longest timer Node keeps: beyond it, every timer downstream would fire at once.
    const timeoutMs = Math.min(options.timeoutMs ?? target.callTimeoutMs, MAX_TIMEOUT_MS);
    const deadline = Date.now() + timeoutMs;
    this.#admitted += 1;
    const state = target.state();
    const runtime =
      (state === 'running' || state === 'degraded') && !target.closing()
        ? target.runtime()
        : undefined;
    // The common case, a running plugin and a known method, is one promise hop: this is
    // on the path of every call.
    if (runtime !== undefined && target.methods()[service]?.includes(method) === true) {
      const { signal, zeroCopy } = options;
      return runtime
        .call(service, method, args, { signal, timeoutMs, zeroCopy })
        .then(this.#settled, (error: unknown) =>
          this.#afterFailure(error, service, method, args, deadline, options),
        );
    }
    const site = { plugin: this.#plugin, service, method };
    const ran =
      runtime !== undefined
        ? this.#run(runtime, site, args, deadline, options)
        : this.#admit(site, deadline, options.signal).then((admitted) =>
            this.#run(admitted, site, args, deadline, options),
          );
    return ran.then(this.#settled, (error: unknown) => {
      this.#admitted -= 1;
      throw error;
    });
  }

  readonly #settled = (value: unknown): unknown => {
    this.#admitted -= 1;
    return value;
  };

  /** A call on the fast path failed: retry it as #run would, then settle its admission. */
  async #afterFailure(
    error: unknown,
    service: string,
    method: string,
    args: unknown[],
    deadline: number,
    options: CallOptions,
  ): Promise<unknown> {
    try {
      return await this.#retry(
        error,
        { plugin: this.#plugin, service, method },
        args,
        deadline,
        options,
      );
    } finally {
      this.#admitted -= 1;
    }
  }

  // Not an async function: one promise fewer on the slow path too.
  #run(
    runtime: PluginRuntime,
    site: CallSite,
    args: unknown[],
    deadline: number,
    options: CallOptions,
  ): Promise<unknown> {
    const { service, method } = site;
    const { signal, zeroCopy } = options;
    const methods = this.#target.methods();
    if (!methods[service]?.includes(method)) {
      return Promise.reject(
        new BerthError(
          codes.METHOD_NOT_FOUND,
          `service "${service}" of plugin "${this.#plugin}" has no method "${method}"; it has: ${methods[service]?.join(', ') ?? 'none'}`,
          site,
        ),
      );
    }
    // Admitted to a runtime that a restart has since taken away (stopping, it would refuse
    // the call): the call was not sent, so it waits for the next one, whatever its method.
    if (runtime !== this.#target.runtime()) {
      return this.#admit(site, deadline, signal).then((next) =>
        this.#run(next, site, args, deadline, options),
      );
    }
    const callOptions = { signal, timeoutMs: Math.max(1, deadline - Date.now()), zeroCopy };
    return runtime
      .call(service, method, args, callOptions)
      .catch((error: unknown) => this.#retry(error, site, args, deadline, options));
  }

  /**
   * After a failed call: a method the manifest declares idempotent, whose worker crashed
   * under it (shouldRetry), is repeated once on the new worker; any other failure is
   * rethrown. When the new worker dies under the repeat too, the call is poison: it
   * rejects with BERTH_ERR_POISON_CALL and is not repeated again (the supervisor does not
   * count that death toward the breaker: see retriedOn).
   */
  async #retry(
    error: unknown,
    site: CallSite,
    args: unknown[],
    deadline: number,
    options: CallOptions,
  ): Promise<unknown> {
    const { service, method } = site;
    if (isBerthError(error) && error.code === codes.BACKEND_UNAVAILABLE)
      this.#target.backendUnavailable();
    const idempotent =
      this.#target.manifest.services.find((s) => s.name === service)?.idempotent ?? [];
    if (!shouldRetry(error, idempotent, method)) throw error;
    const retry = await this.#admit(site, deadline, options.signal);
    this.#retried.add(retry);
    try {
      return await retry.call(service, method, args, {
        signal: options.signal,
        timeoutMs: Math.max(1, deadline - Date.now()),
        zeroCopy: options.zeroCopy,
      });
    } catch (second) {
      throw poisonCallError(site, error, second) ?? second;
    } finally {
      this.#retried.remove(retry);
    }
  }

  /** Waits (within the deadline) until a runtime can take the call, or says why not. */
  async #admit(site: CallSite, deadline: number, signal?: AbortSignal): Promise<PluginRuntime> {
    // A loop: the gate that opened may belong to a start that a restart has superseded
    // since; the call then waits for the next gate, still within its deadline.
    for (;;) {
      const state = this.#target.state(); // read anew after every wait
      if (this.#target.closing() || state === 'installed' || state === 'stopped') {
        throw new BerthError(
          codes.PLUGIN_NOT_RUNNING,
          `plugin "${this.#plugin}" is ${state}`,
          site,
        );
      }
      if (state === 'failed') throw this.#failedError(site);
      const runtime = this.#target.runtime();
      if ((state === 'running' || state === 'degraded') && runtime !== undefined) return runtime;
      const left = deadline - Date.now();
      try {
        if (left <= 0) await Promise.reject(callTimeout());
        await this.#target.running().wait(left, signal);
      } catch (error) {
        if (isBerthError(error) && error.code === codes.PLUGIN_FAILED)
          throw this.#failedError(site);
        throw isBerthError(error)
          ? new BerthError(
              error.code,
              `${site.plugin}/${site.service}.${site.method}: ${error.message}`,
              { ...site, cause: error },
            )
          : error;
      }
    }
  }

  #failedError(site: CallSite): BerthError {
    const lastError = this.#target.lastError();
    return new BerthError(
      codes.PLUGIN_FAILED,
      `plugin "${this.#plugin}" has failed` +
        (lastError === undefined ? '' : ` (${lastError.code}: ${lastError.message})`) +
        '; calls fail fast until its breaker half-opens or an operator restarts it (host.restart)',
      { ...site, cause: lastError },
    );
  }
}

function callTimeout(): BerthError {
  return new BerthError(codes.CALL_TIMEOUT, `the plugin was not back within the call's deadline`);
}
