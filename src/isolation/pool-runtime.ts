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
 * piscina runs the threads (create-piscina.ts); pool-threads.ts keeps a worker handle per
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
 *
 * Stop. After the calls drain, STOP goes to every thread that has been booted (each
 * runs onStop and answers); then pool.destroy(). A replacement thread that starts while
 * the pool stops is destroyed without onStop.
 */
import type { Piscina } from 'piscina';
import { BerthError, codes } from '../errors.js';
import { createPoolCodec, POOL_WIRE_VERSION, PoolOp } from '../transport/pool-wire.js';
import type { ServiceMethods } from '../transport/wire.js';
import { drainThenStop, startWithin } from './runtime-steps.js';
import { heartbeatInterval } from './spawn-plugin-worker.js';
import { createPiscina, LIVENESS_BYTES } from './create-piscina.js';
import { POOL_DEATH_BUDGET, recentCrashes } from './crash-window.js';
import { TIMED_OUT, withDeadline } from './deadline.js';
import { createPoolCalls } from './pool-calls.js';
import { poolGivenUpError } from './pool-errors.js';
import { sendPoolCall } from './send-pool-call.js';
import { createPoolThreads, type PoolThreads } from './pool-threads.js';
import type { PluginRuntime, RuntimeSpec } from './runtime.js';
import { readHealthReport, readServiceMethods } from './worker-messages.js';

/** Options of pool isolation. */
export interface PoolOptions {
  /** Worker threads in the pool (the manifest's `threads`). */
  threads: number;
}

/** Starts nothing yet: `start()` makes the pool. */
export function createPoolRuntime(spec: RuntimeSpec, options: PoolOptions): PluginRuntime {
  const plugin = spec.boot.name;
  const size = Math.max(1, options.threads);
  const calls = createPoolCalls();
  const codec = createPoolCodec();
  let services = spec.boot.services;
  let pool: Piscina | undefined;
  let threads: PoolThreads | undefined;
  let phase: 'new' | 'starting' | 'running' | 'ending' = 'new';
  let starting:
    { resolve(methods: ServiceMethods): void; reject(error: unknown): void } | undefined;
  const readyThreads = new Set<number>();
  let deaths: number[] = [];
  let killed = false;
  let stopping: Promise<void> | undefined;
  let destroyed: Promise<void> | undefined;

  /** Terminates every thread, waiting at most the stop deadline. Idempotent. */
  const destroy = (): Promise<void> => {
    destroyed ??= (async () => {
      if (pool === undefined) return;
      if ((await withDeadline(pool.destroy(), spec.stopTimeoutMs)) === TIMED_OUT) {
        spec.logger.warn(
          { plugin },
          'a pool thread did not end by the stop deadline (inside a native call?); it will end when that call returns',
        );
      }
    })();
    return destroyed;
  };

  /**
   * Settles everything with `error`, once, and tells the supervisor when the pool was
   * running and the host did not end it (a pool that fails while starting fails its start).
   */
  const end = (error: BerthError): void => {
    if (phase === 'ending') return;
    const wasRunning = phase === 'running';
    phase = 'ending';
    calls.rejectAll(() => error);
    threads?.close(error);
    starting?.reject(error);
    starting = undefined;
    spec.logs.flush();
    if (
      wasRunning &&
      stopping === undefined &&
      !killed &&
      error.code !== codes.PLUGIN_NOT_RUNNING
    ) {
      spec.logger.error({ plugin, code: error.code, err: error.cause }, error.message);
      spec.onExit(error);
    }
  };

  /** A thread broke the pool wire: the pool is ended and restarted as after a crash. */
  const onViolated = (problem: string): void => {
    end(
      new BerthError(
        codes.PROTOCOL,
        `plugin "${plugin}": a pool thread broke the wire protocol (${problem}); the pool is shut down`,
        { plugin, data: { detail: problem } },
      ),
    );
    void destroy();
  };

  const giveUp = (reason: string, last: Error): void => {
    const cause =
      last instanceof BerthError
        ? last
        : new BerthError(codes.START_FAILED, last.message, { plugin, cause: last });
    end(poolGivenUpError(plugin, reason, cause));
    void destroy();
  };

  const onThreadReady = (threadId: number, reported: ServiceMethods): void => {
    const methods = readServiceMethods(
      reported,
      spec.boot.services.map((s) => s.name),
    );
    if (methods === undefined) {
      onViolated('a THREAD_READY whose methods are not methods per service');
      return;
    }
    readyThreads.add(threadId);
    if (phase === 'running') spec.logger.info({ plugin, threadId }, 'pool thread started');
    if (phase === 'starting' && readyThreads.size >= size) {
      phase = 'running';
      starting?.resolve(methods);
      starting = undefined;
    }
  };

  const onThreadFailed = (threadId: number, error: Error): void => {
    if (phase === 'starting') starting?.reject(error);
    else if (phase === 'running') {
      giveUp(`a new pool thread (${threadId}) could not start the plugin: ${error.message}`, error);
    }
  };

  const onThreadDied = (error: BerthError, running: number[]): void => {
    const threadId = error.data?.['threadId'] as number;
    readyThreads.delete(threadId);
    for (const id of running) calls.reject(id, error);
    if (phase === 'starting') starting?.reject(error);
    if (phase !== 'running') return;
    spec.logger.error({ plugin, code: error.code, err: error.cause, threadId }, error.message);
    const now = Date.now();
    deaths = [...recentCrashes(deaths, now, POOL_DEATH_BUDGET), now];
    if (deaths.length >= POOL_DEATH_BUDGET.budget) {
      giveUp(
        `its pool threads died ${deaths.length} times within ${POOL_DEATH_BUDGET.windowMs} ms`,
        error,
      );
    }
  };

  const boot = (): Promise<ServiceMethods> => {
    const channel = `berth-pool:${plugin}:${process.pid}:${Math.random().toString(36).slice(2)}`;
    const started = new Promise<ServiceMethods>((resolve, reject) => {
      starting = { resolve, reject };
    });
    phase = 'starting';
    const made = createPiscina({
      threads: size,
      boot: {
        protocol: POOL_WIRE_VERSION,
        plugin: spec.boot,
        logLevel: spec.logger.level,
        channel,
        heartbeatIntervalMs: heartbeatInterval(spec.hangTimeoutMs),
        logLimits: spec.logLimits,
      },
      resourceLimits: spec.resourceLimits,
      env: spec.env,
    });
    pool = made;
    const watcher = createPoolThreads({
      plugin,
      logger: spec.logger,
      channel,
      hangTimeoutMs: spec.hangTimeoutMs,
      startTimeoutMs: spec.startTimeoutMs,
      resourceLimits: spec.resourceLimits,
      services: () => services,
      workers: () => made.threads,
      logs: spec.logs,
      livenessBytes: LIVENESS_BYTES,
      abandonGraceMs: spec.hangTimeoutMs,
      events: {
        ready: onThreadReady,
        failed: onThreadFailed,
        died: onThreadDied,
        violated: onViolated,
      },
    });
    threads = watcher;
    made.on('message', (message: unknown) => watcher.onMessage(message));
    // Unhandled, piscina's 'error' (a thread failing with no call running) would crash the
    // host; the thread's exit that follows is what counts, and the watcher sees it.
    made.on('error', (error: unknown) =>
      spec.logger.warn({ plugin, err: error }, 'a pool thread failed between calls'),
    );
    for (const worker of made.threads) watcher.watch(worker);
    return started;
  };

  const notRunning = (what: string, site: { service?: string; method?: string } = {}) =>
    new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" ${what}`, { plugin, ...site });

  const runtime: PluginRuntime = {
    isolation: 'pool',
    start() {
      const { startTimeoutMs } = spec;
      return startWithin(
        boot(),
        startTimeoutMs,
        () => runtime.stop(),
        () =>
          new BerthError(
            codes.START_FAILED,
            `plugin "${plugin}" did not start within ${startTimeoutMs} ms in its pool of ${size} threads; the pool was destroyed`,
            { plugin, data: { timeoutMs: startTimeoutMs, threads: size } },
          ),
      );
    },
    call(service, method, args, options = {}) {
      const site = { plugin, service, method };
      const current = pool;
      if (phase !== 'running' || stopping !== undefined || current === undefined) {
        return Promise.reject(notRunning(stopping ? 'is stopping' : 'is not running', site));
      }
      return sendPoolCall(
        { plugin, pool: current, calls, codec, threads: () => threads },
        site,
        args,
        options,
      );
    },
    async health() {
      if (phase !== 'running' || threads === undefined) throw notRunning('is not running');
      const reports = (await threads.request(PoolOp.HEALTH, [])).map(readHealthReport);
      if (reports.includes(undefined)) {
        onViolated('a health reply that is not a health report');
        throw notRunning('broke the wire protocol');
      }
      return (
        reports.find((report) => report?.ok === false) ??
        reports.find((report) => report?.ready === false) ?? { ok: true }
      );
    },
    async configure(service, config) {
      if (phase !== 'running' || threads === undefined || stopping !== undefined) {
        throw notRunning('is not running', { service });
      }
      // Threads that start from now on boot with the new config; a refusal restores it.
      const previous = services;
      services = services.map((s) => (s.name === service ? { name: service, config } : s));
      try {
        await threads.request(PoolOp.CONFIGURE, [service, config]);
      } catch (error) {
        services = previous;
        throw error;
      }
    },
    stop() {
      stopping ??= (async () => {
        if (pool === undefined || phase === 'ending') return destroy();
        await drainThenStop({
          plugin,
          logger: spec.logger,
          stopTimeoutMs: spec.stopTimeoutMs,
          whenIdle: () => calls.whenIdle(),
          inFlight: () => calls.inFlight,
          stop: () => threads?.request(PoolOp.STOP, []) ?? Promise.resolve(),
        });
        end(notRunning('was stopped'));
        await destroy();
      })();
      return stopping;
    },
    async kill(reason) {
      if (pool === undefined) return;
      killed = true;
      end(reason);
      await destroy();
    },
    get inFlight() {
      return calls.inFlight;
    },
  };
  return runtime;
}
