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
 *
 * The supervisor is the state machine; it delegates the path of a call (bounds, waiting,
 * the retry) to call-router.ts, which retry-policy.ts decides for, health checks and
 * readiness to health-monitor.ts, and the telling of each move to announce-transition.ts.
 * (size rule: it is the facade of its room and stays over 300 lines; STYLE.md lets a facade approach
 * 400. What is left here are the moves themselves, which share its private state.)
 */
import type { Logger } from 'pino';
import { BerthError, codes, isBerthError } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import type {
  CallOptions,
  DataPlaneStats,
  PluginRuntime,
  ProcessFigures,
} from '../isolation/runtime.js';
import type { PluginManifest } from '../manifest/index.js';
import { CallRouter } from './call-router.js';
import { announceTransition } from './announce-transition.js';
import type { PluginState } from './plugin-states.js';
import { createGate, type Gate } from './gate.js';
import { HealthMonitor, type HealthPolicy } from './health-monitor.js';
import { decideRestart, recentCrashes, type RestartPolicy } from './restart-policy.js';

export type { HealthPolicy } from './health-monitor.js';
export type { PluginState } from './plugin-states.js';

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

/** Supervises one plugin. */
export class Supervisor {
  #state: PluginState = 'installed';
  restarts = 0;
  #lastError: BerthError | undefined;
  startedAt: number | undefined;
  methods: Record<string, string[]> = {};
  readonly #options: SupervisorOptions;
  readonly #plugin: string;
  readonly #calls: CallRouter;
  readonly #health: HealthMonitor;
  #runtime: PluginRuntime | undefined;
  #crashes: number[] = [];
  #timer: NodeJS.Timeout | undefined;
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

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#plugin = options.manifest.name;
    this.#calls = new CallRouter({
      manifest: options.manifest,
      maxInFlight: options.maxInFlight,
      callTimeoutMs: options.callTimeoutMs,
      state: () => this.#state,
      closing: () => this.#closing !== undefined,
      runtime: () => this.#runtime,
      methods: () => this.methods,
      lastError: () => this.#lastError,
      running: () => this.#running,
      backendUnavailable: () => this.#health.setReady(false),
    });
    this.#health = new HealthMonitor({
      plugin: this.#plugin,
      policy: options.health,
      runtime: () => this.#runtime,
      isUp: () => this.#state === 'running' || this.#state === 'degraded',
      isClosing: () => this.#closing !== undefined,
      onPassed: () => {
        if (this.#state === 'degraded') this.#transition('running', 'plugin:recovered', {});
      },
      onFailed: (detail) => {
        if (this.#state === 'running') this.#transition('degraded', 'plugin:degraded', { detail });
      },
      onUnhealthy: (runtime, error) => this.#died(runtime, error),
    });
  }

  /**
   * False while the plugin says its backend is unreachable (a health report with
   * `ready: false`, a call rejected with BERTH_ERR_BACKEND_UNAVAILABLE). Not a fault of
   * the worker, so it restarts nothing; health is checked every READY_RECHECK_MS
   * (health-monitor.ts) meanwhile, so readiness comes back soon after the backend does.
   */
  get ready(): boolean {
    return this.#health.ready;
  }

  /** Where the plugin is in its lifecycle (plugin-states.ts); only the supervisor moves it. */
  get state(): PluginState {
    return this.#state;
  }

  /** Why the plugin last crashed, failed or was refused; undefined until then. */
  get lastError(): BerthError | undefined {
    return this.#lastError;
  }

  /**
   * Marks a plugin that was never started as failed, for `error` (a config its schema
   * refuses): calls fail fast with it, and a later start may still run.
   */
  refuse(error: BerthError): void {
    this.#lastError = error;
    this.#fail(undefined);
  }

  /** Starts the plugin. A first start that fails leaves it `failed`, not restarting. */
  async start(): Promise<void> {
    await this.#spawn('start');
  }

  /** Calls a method with the plugin's deadline and bounds (see the module comment). */
  call(
    service: string,
    method: string,
    args: unknown[],
    options: CallOptions = {},
  ): Promise<unknown> {
    return this.#calls.call(service, method, args, options);
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
      this.#lastError = asBerthError(error, this.#plugin);
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
    this.#health.reset();
    if (reason === 'start') {
      this.#transition('running', 'plugin:started', { version: this.#options.manifest.version });
    } else {
      this.restarts += 1;
      if (reason !== 'restart') this.#crashes = [];
      this.#transition('running', 'plugin:restarted', { restarts: this.restarts });
    }
    this.#running.open();
    this.#health.schedule();
  }

  /**
   * The runtime died on its own (crash, hang, OOM, protocol violation) or is being killed
   * for failing health checks. A runtime that dies while it starts is not a crash: its
   * start fails, and #spawn decides what follows.
   */
  #died(runtime: PluginRuntime, error: BerthError): void {
    if (runtime !== this.#runtime || this.#closing !== undefined || this.#state === 'starting') {
      return;
    }
    this.#runtime = undefined;
    this.#health.pause();
    this.#lastError = error;
    this.#holdCalls();
    // A retried call was in flight: the call that killed the last worker has most likely
    // killed this one too, and that poison episode has been counted once already.
    const poisoned = this.#calls.retriedOn(runtime);
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
    this.#transition('failed', 'plugin:failed', { error: this.#lastError, retryInMs });
    const failed = new BerthError(codes.PLUGIN_FAILED, `plugin "${this.#plugin}" has failed`, {
      plugin: this.#plugin,
    });
    this.#running.fail(failed);
    this.#running = createGate();
    if (retryInMs !== undefined)
      this.#timer = setTimeout(() => void this.#spawn('half-open'), retryInMs);
  }

  /**
   * Runs the plugin's health checks once. A failure marks it degraded; `failures` in a
   * row restart it (calls in flight reject with BERTH_ERR_PLUGIN_UNHEALTHY).
   */
  checkHealth(): Promise<void> {
    return this.#health.check();
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
    this.#health.pause();
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
    if (this.#state === 'starting') {
      const started = await this.#running.wait(this.#options.callTimeoutMs).then(
        () => true,
        () => false,
      );
      if (!started) return false;
    }
    const runtime = this.#runtime;
    if (runtime === undefined || (this.#state !== 'running' && this.#state !== 'degraded')) {
      return false;
    }
    await runtime.configure(service, config);
    return true;
  }

  /** Stops supervising and stops the plugin (draining, onStop, terminate). Idempotent. */
  stop(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#timer);
      this.#health.stop();
      const wasUp =
        this.#state === 'running' || this.#state === 'degraded' || this.#state === 'starting';
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

  /** Arena figures of the current runtime, when it has a shared-memory data plane. */
  get dataPlane(): DataPlaneStats | undefined {
    return this.#runtime?.dataPlane;
  }

  /** The plugin process's id and use, in process isolation, while it runs. */
  get process(): ProcessFigures | undefined {
    return this.#runtime?.process;
  }

  /** Calls in flight on the current runtime. */
  get inFlight(): number {
    return this.#runtime?.inFlight ?? 0;
  }

  #transition(state: PluginState, event?: string, payload: Record<string, unknown> = {}): void {
    const from = this.#state;
    this.#state = state;
    const { logger, emit } = this.#options;
    announceTransition({ plugin: this.#plugin, logger, emit }, from, state, event, payload);
  }
}

function asBerthError(error: unknown, plugin: string): BerthError {
  return isBerthError(error)
    ? error
    : new BerthError(codes.START_FAILED, describeThrown(error), { plugin, cause: error });
}
