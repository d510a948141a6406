/**
 * Pool isolation: a stateless service on a piscina pool of `threads` worker threads.
 * Every thread runs an instance of the plugin of its own, so state a method keeps in
 * memory is per thread: only services that keep nothing between calls (or keep it in a
 * database or files, shared by the threads) belong here. Same proxy and same errors as
 * thread isolation.
 *
 *   host thread                            pool threads (piscina)
 *   ───────────                            ──────────────────────
 *   new Piscina({threads}) ──────────────▶ each: HELLO, BOOT, load + start the plugin
 *        ◀── THREAD_READY × threads        (start() resolves when all have started)
 *   pool.run({id, args}) ════════════════▶ the least busy thread runs the call
 *        ◀═══ [ok, value | error]          heartbeat + running-call slots in a SAB
 *   stop: drain, STOP to every thread ───▶ onStop in each, then pool.destroy()
 *
 * piscina runs the threads (create-piscina.ts, open-pool.ts); pool-threads.ts keeps a worker handle per
 * thread (worker-handle.ts, as thread isolation does); send-pool-call.ts sends one call.
 *
 * Faults. A thread that dies (an exit, an uncaught error, out of heap) takes only the
 * calls it was running: they reject with BERTH_ERR_PLUGIN_CRASHED (PLUGIN_OOM), the
 * other threads keep serving, and piscina starts a replacement, which starts the plugin
 * anew. piscina has no hang detection: each thread beats a heartbeat, and one whose loop
 * stalls for hangTimeoutMs is terminated alone (its calls reject with PLUGIN_HUNG) and
 * replaced. A pool whose threads die {@link POOL_DEATH_BUDGET}.budget times within its window,
 * or whose replacement thread cannot start the plugin, is given up: the supervisor hears
 * of it (onExit) and restarts the plugin with backoff, or opens its breaker.
 */
import type { Piscina } from 'piscina';
import { BerthError, codes } from '../errors.js';
import type { HealthReport, ServiceConfig } from '../sdk/context.js';
import { createPoolCodec, PoolOp } from '../transport/pool-wire.js';
import type { PluginBoot, ServiceMethods } from '../transport/wire.js';
import { POOL_DEATH_BUDGET, recentCrashes } from './crash-window.js';
import { TIMED_OUT, withDeadline } from './deadline.js';
import { openPool } from './open-pool.js';
import { createPoolCalls } from './pool-calls.js';
import { poolGivenUpError } from './pool-errors.js';
import type { PoolThreads } from './pool-threads.js';
import { drainThenStop, startWithin } from './runtime-steps.js';
import type { CallOptions, PluginRuntime, RuntimeSpec } from './runtime.js';
import { sendPoolCall, type PoolCallTarget } from './send-pool-call.js';
import { readHealthReport, readServiceMethods } from './worker-messages.js';

/** Options of pool isolation. */
export interface PoolOptions {
  /** Worker threads in the pool (the manifest's `threads`). */
  threads: number;
}

/** Starts nothing yet: `start()` makes the pool. */
export function createPoolRuntime(spec: RuntimeSpec, options: PoolOptions): PluginRuntime {
  return new PoolRuntime(spec, Math.max(1, options.threads));
}

/** `new` until start(), `starting` until every thread has started, `ending` is final. */
type PoolPhase = 'new' | 'starting' | 'running' | 'ending';

/** A plugin on a piscina pool of threads. */
class PoolRuntime implements PluginRuntime {
  readonly isolation = 'pool';
  #phase: PoolPhase = 'new';
  #services: PluginBoot['services'];
  #pool: Piscina | undefined;
  #threads: PoolThreads | undefined;
  #starting: { resolve(methods: ServiceMethods): void; reject(error: unknown): void } | undefined;
  readonly #readyThreads = new Set<number>();
  #deaths: number[] = [];
  #stopping: Promise<void> | undefined;
  #destroyed: Promise<void> | undefined;
  readonly #calls = createPoolCalls();
  readonly #codec = createPoolCodec();
  readonly #plugin: string;
  /** Where calls go once the pool is open: made once, not per call. */
  #target: PoolCallTarget | undefined;

  constructor(
    private readonly spec: RuntimeSpec,
    private readonly size: number,
  ) {
    this.#plugin = spec.boot.name;
    this.#services = spec.boot.services;
  }

  start(): Promise<ServiceMethods> {
    return startWithin(this.#boot(), this.spec.startTimeoutMs, () => this.stop(), {
      plugin: this.#plugin,
      then: ` in its pool of ${this.size} threads; the pool was destroyed`,
      data: { threads: this.size },
    });
  }

  call(service: string, method: string, args: unknown[], options: CallOptions = {}) {
    const site = { plugin: this.#plugin, service, method };
    const target = this.#target;
    if (this.#phase !== 'running' || this.#stopping !== undefined || target === undefined) {
      const what = this.#stopping ? 'is stopping' : 'is not running';
      return Promise.reject(this.#notRunning(what, site));
    }
    return sendPoolCall(target, site, args, options);
  }

  async health(): Promise<HealthReport> {
    const threads = this.#threads;
    if (this.#phase !== 'running' || threads === undefined)
      throw this.#notRunning('is not running');
    const reports = (await threads.request(PoolOp.HEALTH, [])).map(readHealthReport);
    if (reports.includes(undefined)) {
      this.#violated('a health reply that is not a health report');
      throw this.#notRunning('broke the wire protocol');
    }
    return (
      reports.find((report) => report?.ok === false) ??
      reports.find((report) => report?.ready === false) ?? { ok: true }
    );
  }

  async configure(service: string, config: ServiceConfig): Promise<void> {
    const threads = this.#threads;
    if (this.#phase !== 'running' || threads === undefined || this.#stopping !== undefined) {
      throw this.#notRunning('is not running', { service });
    }
    // Threads that start from now on boot with the new config; a refusal restores it.
    const previous = this.#services;
    this.#services = previous.map((s) => (s.name === service ? { name: service, config } : s));
    try {
      await threads.request(PoolOp.CONFIGURE, [service, config]);
    } catch (error) {
      this.#services = previous;
      throw error;
    }
  }

  /**
   * After the calls drain, STOP goes to every thread that has been booted (each runs
   * onStop); then pool.destroy(). A thread that starts meanwhile ends without onStop.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#pool === undefined || this.#phase === 'ending') return this.#destroy();
      const { spec } = this;
      await drainThenStop({
        plugin: this.#plugin,
        logger: spec.logger,
        stopTimeoutMs: spec.stopTimeoutMs,
        whenIdle: () => this.#calls.whenIdle(),
        inFlight: () => this.#calls.inFlight,
        stop: () => this.#threads?.request(PoolOp.STOP, []) ?? Promise.resolve(),
      });
      this.#end(this.#notRunning('was stopped'), true);
      await this.#destroy();
    })();
    return this.#stopping;
  }

  async kill(reason: BerthError): Promise<void> {
    if (this.#pool === undefined) return;
    this.#end(reason, true);
    await this.#destroy();
  }

  get inFlight(): number {
    return this.#calls.inFlight;
  }

  #boot(): Promise<ServiceMethods> {
    const started = new Promise<ServiceMethods>((resolve, reject) => {
      this.#starting = { resolve, reject };
    });
    this.#phase = 'starting';
    const { pool, threads } = openPool(this.spec, this.size, () => this.#services, {
      ready: (threadId, methods) => this.#threadReady(threadId, methods),
      failed: (threadId, error) => this.#threadFailed(threadId, error),
      died: (error, running) => this.#threadDied(error, running),
      violated: (problem) => this.#violated(problem),
    });
    this.#pool = pool;
    this.#threads = threads;
    this.#target = { plugin: this.#plugin, calls: this.#calls, codec: this.#codec, pool, threads };
    return started;
  }

  /** Settles everything with `error`, once; tells the supervisor of a running pool's death. */
  #end(error: BerthError, byHost: boolean): void {
    if (this.#phase === 'ending') return;
    const wasRunning = this.#phase === 'running';
    this.#phase = 'ending';
    this.#calls.rejectAll(() => error);
    this.#threads?.close(error);
    this.#starting?.reject(error);
    this.#starting = undefined;
    this.spec.logs.flush();
    if (wasRunning && !byHost && this.#stopping === undefined) {
      const { code, cause } = error;
      this.spec.logger.error({ plugin: this.#plugin, code, err: cause }, error.message);
      this.spec.onExit(error);
    }
  }

  /** Terminates every thread, waiting at most the stop deadline. Idempotent. */
  #destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      if (this.#pool === undefined) return;
      if ((await withDeadline(this.#pool.destroy(), this.spec.stopTimeoutMs)) === TIMED_OUT) {
        this.spec.logger.warn(
          { plugin: this.#plugin },
          'a pool thread did not end by the stop deadline (inside a native call?); it will end when that call returns',
        );
      }
    })();
    return this.#destroyed;
  }

  /** A thread broke the pool wire: the pool is ended and restarted as after a crash. */
  #violated(problem: string): void {
    const plugin = this.#plugin;
    const message = `plugin "${plugin}": a pool thread broke the wire protocol (${problem}); the pool is shut down`;
    this.#end(
      new BerthError(codes.PROTOCOL, message, { plugin, data: { detail: problem } }),
      false,
    );
    void this.#destroy();
  }

  #giveUp(reason: string, last: Error): void {
    const plugin = this.#plugin;
    const cause =
      last instanceof BerthError
        ? last
        : new BerthError(codes.START_FAILED, last.message, { plugin, cause: last });
    this.#end(poolGivenUpError(plugin, reason, cause), false);
    void this.#destroy();
  }

  #threadReady(threadId: number, reported: ServiceMethods): void {
    const names = this.spec.boot.services.map((s) => s.name);
    const methods = readServiceMethods(reported, names);
    if (methods === undefined) {
      this.#violated('a THREAD_READY whose methods are not methods per service');
      return;
    }
    this.#readyThreads.add(threadId);
    if (this.#phase === 'running') {
      this.spec.logger.info({ plugin: this.#plugin, threadId }, 'pool thread started');
    }
    if (this.#phase === 'starting' && this.#readyThreads.size >= this.size) {
      this.#phase = 'running';
      this.#starting?.resolve(methods);
      this.#starting = undefined;
    }
  }

  #threadFailed(threadId: number, error: Error): void {
    if (this.#phase === 'starting') this.#starting?.reject(error);
    else if (this.#phase === 'running') {
      const reason = `a new pool thread (${threadId}) could not start the plugin: ${error.message}`;
      this.#giveUp(reason, error);
    }
  }

  #threadDied(error: BerthError, running: number[]): void {
    const threadId = error.data?.['threadId'] as number;
    this.#readyThreads.delete(threadId);
    for (const id of running) this.#calls.reject(id, error);
    if (this.#phase === 'starting') this.#starting?.reject(error);
    if (this.#phase !== 'running') return;
    const { logger } = this.spec;
    logger.error(
      { plugin: this.#plugin, code: error.code, err: error.cause, threadId },
      error.message,
    );
    const now = Date.now();
    this.#deaths = [...recentCrashes(this.#deaths, now, POOL_DEATH_BUDGET), now];
    if (this.#deaths.length >= POOL_DEATH_BUDGET.budget) {
      const { windowMs } = POOL_DEATH_BUDGET;
      this.#giveUp(
        `its pool threads died ${this.#deaths.length} times within ${windowMs} ms`,
        error,
      );
    }
  }

  #notRunning(what: string, site: { service?: string; method?: string } = {}): BerthError {
    const plugin = this.#plugin;
    return new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" ${what}`, {
      plugin,
      ...site,
    });
  }
}
