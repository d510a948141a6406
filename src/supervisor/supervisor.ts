/**
 * One supervisor per plugin: it starts the plugin's runtime, routes calls to it with a
 * deadline and a bound on calls in flight, watches its health, and replaces it when it
 * crashes, hangs, runs out of memory or fails its health checks.
 *
 *               start ok                      health fails          health ok
 *   installed ──▶ starting ──▶ running ◀──────────────▶ degraded
 *                   │  ▲          │ crash / hang / OOM / N failed checks
 *        first start│  │ backoff  ▼
 *        fails      │  └──────── crashed ──▶ backoff ──▶ starting (restart)
 *                   ▼                 │ budget spent
 *                 failed ◀────────────┘  (breaker open: calls fail fast)
 *                   │ cooldown: one trial start (half-open), or host.restart()
 *                   ▼
 *                 starting                 any state ──close()──▶ stopping ──▶ stopped
 *
 * Guarantees: no call waits past its deadline; a call made while the plugin restarts
 * waits for it (within its deadline) rather than failing; a call in flight when the
 * worker dies rejects at once, and is retried once on the new worker when its method is
 * declared idempotent and the worker crashed, ran out of memory or failed its health
 * checks (not when it hung: a spinning call would hang the next worker too). A retried
 * call whose second worker dies under it as well is poison: it rejects with
 * BERTH_ERR_POISON_CALL, and that second death does not count toward the breaker, so one
 * bad request costs the restart budget one crash. Operator restarts made while one is in
 * progress join it (one stop, one start). Every transition is logged once and emitted as
 * `plugin:<event>`.
 */
import type { Logger } from 'pino';
import { BerthError, codes, describeThrown, isBerthError } from '../errors.js';
import { TIMED_OUT, withDeadline } from '../isolation/deadline.js';
import type { CallOptions, DataPlaneStats, PluginRuntime } from '../isolation/runtime.js';
import type { PluginManifest } from '../manifest/index.js';
import { createGate, type Gate } from './gate.js';
import { decideRestart, recentCrashes, type RestartPolicy } from './restart-policy.js';

/** Lifecycle states (DESIGN.md section 4). */
export type PluginState =
  | 'installed'
  | 'starting'
  | 'running'
  | 'degraded'
  | 'stopping'
  | 'stopped'
  | 'crashed'
  | 'backoff'
  | 'failed';

/** How health checks run: every `intervalMs`, each within `timeoutMs`; `failures` in a row restart. */
export interface HealthPolicy {
  /** 0 turns scheduled checks off. */
  intervalMs: number;
  timeoutMs: number;
  failures: number;
}

/** What a supervisor is given. */
export interface SupervisorOptions {
  manifest: PluginManifest;
  /** Makes a fresh runtime; `onExit` reports its unplanned death. */
  makeRuntime(onExit: (error: BerthError) => void): PluginRuntime;
  logger: Logger;
  restart: RestartPolicy;
  health: HealthPolicy;
  maxInFlight: number;
  callTimeoutMs: number;
  emit(event: string, payload: { plugin: string; [key: string]: unknown }): void;
}

/** The codes of a worker's death, after which an idempotent call may be retried. */
const RETRIED_DEATHS = new Set<string>([
  codes.PLUGIN_CRASHED,
  codes.PLUGIN_OOM,
  codes.PLUGIN_UNHEALTHY,
]);

/** How often health is checked while the plugin is not ready (its backend is away). */
const READY_RECHECK_MS = 1_000;

/** Every code of a worker's death: a retried call that meets one again is poison. */
const DEATHS = new Set<string>([...RETRIED_DEATHS, codes.PLUGIN_HUNG]);

/** Supervises one plugin. */
export class Supervisor {
  state: PluginState = 'installed';
  restarts = 0;
  lastError: BerthError | undefined;
  startedAt: number | undefined;
  methods: Record<string, string[]> = {};
  /**
   * False while the plugin says its backend is unreachable (a health report with
   * `ready: false`, a call rejected with BERTH_ERR_BACKEND_UNAVAILABLE). Not a fault of
   * the worker, so it restarts nothing; health is checked every READY_RECHECK_MS
   * meanwhile, so readiness comes back soon after the backend does.
   */
  ready = true;
  readonly #options: SupervisorOptions;
  readonly #plugin: string;
  #runtime: PluginRuntime | undefined;
  #crashes: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #healthFailures = 0;
  #checking = false;
  #readyTimer: NodeJS.Timeout | undefined;
  /** Calls admitted and not yet settled, those waiting for a restart included. */
  #admitted = 0;
  #closing: Promise<void> | undefined;
  /**
   * Opens when the plugin is running; calls made during a restart wait on it. Replaced
   * only once settled (#holdCalls): a gate swapped while calls wait on it would strand
   * them until their deadline.
   */
  #running: Gate = createGate();
  /** Bumped by every start; a start whose number is no longer current was superseded. */
  #generation = 0;
  /** The operator restart in progress, which later restart() calls join. */
  #restarting: Promise<void> | undefined;
  /** Retried calls in flight per runtime: a death with one of them in flight is poison's. */
  readonly #retried = new Map<PluginRuntime, number>();

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#plugin = options.manifest.name;
  }

  /** Starts the plugin. A first start that fails leaves it `failed`, not restarting. */
  async start(): Promise<void> {
    await this.#spawn('start');
  }

  /** Calls a method with the plugin's deadline and bounds (see the class comment). */
  call(
    service: string,
    method: string,
    args: unknown[],
    options: CallOptions = {},
  ): Promise<unknown> {
    // Counted before anything waits, so a burst made in one tick is bounded too.
    if (this.#admitted >= this.#options.maxInFlight) {
      return Promise.reject(
        new BerthError(
          codes.OVERLOADED,
          `plugin "${this.#plugin}" already has ${this.#options.maxInFlight} calls in flight; retry later or raise maxInFlight`,
          {
            plugin: this.#plugin,
            service,
            method,
            data: { maxInFlight: this.#options.maxInFlight },
          },
        ),
      );
    }
    const timeoutMs = options.timeoutMs ?? this.#options.callTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    this.#admitted += 1;
    const runtime =
      (this.state === 'running' || this.state === 'degraded') && this.#closing === undefined
        ? this.#runtime
        : undefined;
    // The common case, a running plugin and a known method, is one promise hop: this is
    // on the path of every call.
    if (runtime !== undefined && this.methods[service]?.includes(method) === true) {
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
    site: { plugin: string; service: string; method: string },
    args: unknown[],
    deadline: number,
    options: CallOptions,
  ): Promise<unknown> {
    const { service, method } = site;
    const { signal, zeroCopy } = options;
    if (!this.methods[service]?.includes(method)) {
      return Promise.reject(
        new BerthError(
          codes.METHOD_NOT_FOUND,
          `service "${service}" of plugin "${this.#plugin}" has no method "${method}"; it has: ${this.methods[service]?.join(', ') ?? 'none'}`,
          site,
        ),
      );
    }
    // Admitted to a runtime that a restart has since taken away (stopping, it would refuse
    // the call): the call was not sent, so it waits for the next one, whatever its method.
    if (runtime !== this.#runtime) {
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
   * under it (RETRIED_DEATHS), is repeated once on the new worker; any other failure is
   * rethrown. When the new worker dies under the repeat too, the call is poison: it
   * rejects with BERTH_ERR_POISON_CALL and is not repeated again (#died does not count
   * that death toward the breaker).
   */
  async #retry(
    error: unknown,
    site: { plugin: string; service: string; method: string },
    args: unknown[],
    deadline: number,
    options: CallOptions,
  ): Promise<unknown> {
    const { service, method } = site;
    if (isBerthError(error) && error.code === codes.BACKEND_UNAVAILABLE) this.#setReady(false);
    const idempotent =
      this.#options.manifest.services.find((s) => s.name === service)?.idempotent ?? [];
    if (!isBerthError(error) || !RETRIED_DEATHS.has(error.code) || !idempotent.includes(method))
      throw error;
    const retry = await this.#admit(site, deadline, options.signal);
    this.#retried.set(retry, (this.#retried.get(retry) ?? 0) + 1);
    try {
      return await retry.call(service, method, args, {
        signal: options.signal,
        timeoutMs: Math.max(1, deadline - Date.now()),
        zeroCopy: options.zeroCopy,
      });
    } catch (second) {
      if (!isBerthError(second) || !DEATHS.has(second.code)) throw second;
      throw new BerthError(
        codes.POISON_CALL,
        `${site.plugin}/${service}.${method} was in flight when two workers in a row died ` +
          `(${error.code}, then ${second.code}); it is not retried again. The plugin runs on ` +
          'a new worker: find out why these arguments crash it before sending them again',
        { ...site, cause: second, data: { first: error.code, second: second.code } },
      );
    } finally {
      const left = (this.#retried.get(retry) ?? 1) - 1;
      if (left > 0) this.#retried.set(retry, left);
      else this.#retried.delete(retry);
    }
  }

  /** Waits (within the deadline) until a runtime can take the call, or says why not. */
  async #admit(
    site: { plugin: string; service: string; method: string },
    deadline: number,
    signal?: AbortSignal,
  ): Promise<PluginRuntime> {
    // A loop: the gate that opened may belong to a start that a restart has superseded
    // since; the call then waits for the next gate, still within its deadline.
    for (;;) {
      const state = this.state; // read anew after every wait
      if (this.#closing !== undefined || state === 'installed' || state === 'stopped') {
        throw new BerthError(
          codes.PLUGIN_NOT_RUNNING,
          `plugin "${this.#plugin}" is ${this.state}`,
          site,
        );
      }
      if (state === 'failed') throw this.#failedError(site);
      if ((state === 'running' || state === 'degraded') && this.#runtime !== undefined)
        return this.#runtime;
      const left = deadline - Date.now();
      try {
        if (left <= 0) await Promise.reject(callTimeout());
        await this.#running.wait(left, signal);
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

  #failedError(site: object): BerthError {
    return new BerthError(
      codes.PLUGIN_FAILED,
      `plugin "${this.#plugin}" has failed` +
        (this.lastError === undefined
          ? ''
          : ` (${this.lastError.code}: ${this.lastError.message})`) +
        '; calls fail fast until its breaker half-opens or an operator restarts it (host.restart)',
      { ...site, cause: this.lastError },
    );
  }

  async #spawn(reason: 'start' | 'restart' | 'half-open' | 'operator'): Promise<void> {
    const generation = ++this.#generation;
    this.#transition('starting');
    const runtime: PluginRuntime = this.#options.makeRuntime((error) => this.#died(runtime, error));
    this.#runtime = runtime;
    let methods: Record<string, string[]>;
    try {
      methods = await runtime.start();
    } catch (error) {
      // Superseded (an operator restart took this runtime and stopped it): the start that
      // superseded it owns the state now.
      if (generation !== this.#generation) return;
      this.#runtime = undefined;
      await runtime.stop();
      if (this.#closing !== undefined) return;
      this.lastError = asBerthError(error, this.#plugin);
      if (reason === 'start') this.#fail(undefined);
      else if (reason === 'half-open') this.#fail(this.#options.restart.cooldownMs);
      else this.#afterCrash();
      return;
    }
    if (generation !== this.#generation) {
      await runtime.stop();
      return;
    }
    this.methods = methods;
    if (this.#closing !== undefined) return;
    this.startedAt = Date.now();
    this.#healthFailures = 0;
    this.ready = true;
    if (reason === 'start') {
      this.#transition('running', 'plugin:started', { version: this.#options.manifest.version });
    } else {
      this.restarts += 1;
      if (reason !== 'restart') this.#crashes = [];
      this.#transition('running', 'plugin:restarted', { restarts: this.restarts });
    }
    this.#running.open();
    this.#scheduleHealth();
  }

  /**
   * The runtime died on its own (crash, hang, OOM, protocol violation) or is being killed
   * for failing health checks. A runtime that dies while it starts is not a crash: its
   * start fails, and #spawn decides what follows.
   */
  #died(runtime: PluginRuntime, error: BerthError): void {
    if (runtime !== this.#runtime || this.#closing !== undefined || this.state === 'starting') {
      return;
    }
    this.#runtime = undefined;
    clearInterval(this.#healthTimer);
    this.lastError = error;
    this.#holdCalls();
    // A retried call was in flight: the call that killed the last worker has most likely
    // killed this one too, and that poison episode has been counted once already.
    const poisoned = this.#retried.has(runtime);
    this.#transition('crashed', 'plugin:crashed', { code: error.code, error, poisoned });
    this.#afterCrash(poisoned);
  }

  /** Makes calls from now on wait for the next start; a gate still closed is kept. */
  #holdCalls(): void {
    if (this.#running.settled) this.#running = createGate();
  }

  /** After a death or a failed restart; `uncounted` leaves it out of the breaker's budget. */
  #afterCrash(uncounted = false): void {
    const now = Date.now();
    const recent = recentCrashes(this.#crashes, now, this.#options.restart);
    this.#crashes = uncounted ? recent : [...recent, now];
    const decision = decideRestart(
      this.#crashes.length === 0 ? [now] : this.#crashes,
      now,
      this.#options.restart,
    );
    if (decision.action === 'open-breaker') {
      this.#fail(decision.retryInMs);
      return;
    }
    this.#transition('backoff', 'plugin:backoff', { delayMs: decision.delayMs });
    this.#timer = setTimeout(() => void this.#spawn('restart'), decision.delayMs);
  }

  /** Opens the breaker; with `retryInMs`, a trial start follows after that cooldown. */
  #fail(retryInMs: number | undefined): void {
    this.#transition('failed', 'plugin:failed', { error: this.lastError, retryInMs });
    const failed = new BerthError(codes.PLUGIN_FAILED, `plugin "${this.#plugin}" has failed`, {
      plugin: this.#plugin,
    });
    this.#running.fail(failed);
    this.#running = createGate();
    if (retryInMs !== undefined)
      this.#timer = setTimeout(() => void this.#spawn('half-open'), retryInMs);
  }

  /** Records readiness; while not ready, checks health again soon (see `ready`). */
  #setReady(ready: boolean): void {
    this.ready = ready;
    if (ready || this.#readyTimer !== undefined) return;
    this.#readyTimer = setTimeout(() => {
      this.#readyTimer = undefined;
      void this.checkHealth().then(() => {
        // The check could not run (a restart in progress): try again later.
        if (!this.ready && this.#closing === undefined) this.#setReady(false);
      });
    }, READY_RECHECK_MS);
    this.#readyTimer.unref();
  }

  #scheduleHealth(): void {
    const { intervalMs } = this.#options.health;
    if (intervalMs <= 0) return;
    this.#healthTimer = setInterval(() => void this.checkHealth(), intervalMs);
    this.#healthTimer.unref();
  }

  /**
   * Runs the plugin's health checks once. A failure marks it degraded; `failures` in a
   * row restart it (calls in flight reject with BERTH_ERR_PLUGIN_UNHEALTHY).
   */
  async checkHealth(): Promise<void> {
    const runtime = this.#runtime;
    if (
      this.#checking ||
      runtime === undefined ||
      (this.state !== 'running' && this.state !== 'degraded')
    )
      return;
    this.#checking = true;
    try {
      const report = await withDeadline(
        runtime.health().catch((error: unknown) => ({ ok: false, detail: describeThrown(error) })),
        this.#options.health.timeoutMs,
      );
      if (runtime !== this.#runtime) return;
      if (report !== TIMED_OUT && report.ok) {
        this.#healthFailures = 0;
        this.#setReady(!('ready' in report && report.ready === false));
        if (this.state === 'degraded') this.#transition('running', 'plugin:recovered', {});
        return;
      }
      this.#healthFailures += 1;
      const detail =
        report === TIMED_OUT
          ? `no answer within ${this.#options.health.timeoutMs} ms`
          : report.detail;
      if (this.state === 'running') this.#transition('degraded', 'plugin:degraded', { detail });
      if (this.#healthFailures >= this.#options.health.failures) {
        const error = new BerthError(
          codes.PLUGIN_UNHEALTHY,
          `plugin "${this.#plugin}" failed ${this.#healthFailures} health checks in a row (${detail}); restarting it`,
          { plugin: this.#plugin, data: { detail } },
        );
        // Detached first, so no call is routed to it while it is being ended: the kill
        // settles the calls already on it, and calls from now on wait for the next one.
        this.#died(runtime, error);
        await runtime.kill(error);
      }
    } finally {
      this.#checking = false;
    }
  }

  /**
   * Operator restart: closes the breaker, stops the current runtime gracefully (or the one
   * starting: its start is superseded), starts anew. A restart asked for while one is in
   * progress joins it and settles with it: any number of concurrent restarts make one
   * stop and one start, and calls made meanwhile wait for that start within their deadline.
   */
  restart(): Promise<void> {
    if (this.#closing !== undefined)
      return Promise.reject(new BerthError(codes.HOST_CLOSED, 'the host is closed'));
    this.#restarting ??= this.#restartNow().finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  async #restartNow(): Promise<void> {
    clearTimeout(this.#timer);
    clearInterval(this.#healthTimer);
    // Supersedes a start in progress (a crash restart, a half-open trial): its runtime is
    // the one stopped here, and its outcome no longer moves the state.
    this.#generation += 1;
    const runtime = this.#runtime;
    this.#runtime = undefined;
    this.#holdCalls();
    await runtime?.stop();
    this.#crashes = [];
    if (this.#closing !== undefined) return;
    await this.#spawn('operator');
  }

  /**
   * Applies `config` to `service` of the running instance (onConfigValidate, then
   * onConfigChange) and resolves true; rejects with the plugin's refusal
   * (BERTH_ERR_CONFIG_INVALID), the old config staying in force. An instance still
   * starting is waited for (it started with the config of before), within `callTimeoutMs`.
   * Resolves false when no instance runs: the next start reads the config anew.
   */
  async configure(service: string, config: Record<string, unknown>): Promise<boolean> {
    if (this.#closing !== undefined) return false;
    if (this.state === 'starting') {
      const started = await this.#running.wait(this.#options.callTimeoutMs).then(
        () => true,
        () => false,
      );
      if (!started) return false;
    }
    const runtime = this.#runtime;
    if (runtime === undefined || (this.state !== 'running' && this.state !== 'degraded')) {
      return false;
    }
    await runtime.configure(service, config);
    return true;
  }

  /** Stops supervising and stops the plugin (draining, onStop, terminate). Idempotent. */
  stop(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#timer);
      clearTimeout(this.#readyTimer);
      clearInterval(this.#healthTimer);
      const wasUp =
        this.state === 'running' || this.state === 'degraded' || this.state === 'starting';
      this.#running.fail(
        new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${this.#plugin}" was stopped`, {
          plugin: this.#plugin,
        }),
      );
      if (wasUp) this.#transition('stopping');
      await this.#runtime?.stop();
      this.#runtime = undefined;
      if (wasUp) this.#transition('stopped', 'plugin:stopped', {});
    })();
    return this.#closing;
  }

  /** Calls in flight on the current runtime. */
  /** Arena figures of the current runtime, when it has a shared-memory data plane. */
  get dataPlane(): DataPlaneStats | undefined {
    return this.#runtime?.dataPlane;
  }

  get inFlight(): number {
    return this.#runtime?.inFlight ?? 0;
  }

  #transition(state: PluginState, event?: string, payload: Record<string, unknown> = {}): void {
    const from = this.state;
    this.state = state;
    if (event === undefined) return;
    const { error, ...fields } = payload;
    const level =
      state === 'failed' || state === 'crashed'
        ? 'error'
        : state === 'degraded' || state === 'backoff'
          ? 'warn'
          : 'info';
    this.#options.logger[level](
      { plugin: this.#plugin, from, to: state, ...fields, err: error },
      event,
    );
    this.#options.emit(event, { plugin: this.#plugin, ...payload });
  }
}

function callTimeout(): BerthError {
  return new BerthError(codes.CALL_TIMEOUT, `the plugin was not back within the call's deadline`);
}

function asBerthError(error: unknown, plugin: string): BerthError {
  return isBerthError(error)
    ? error
    : new BerthError(codes.START_FAILED, describeThrown(error), { plugin, cause: error });
}
