/**
 * Health checks and readiness of one plugin's runtime. Checks run every `intervalMs`
 * while the plugin is up, each within `timeoutMs`; a failure degrades it, `failures` in a
 * row have the supervisor replace the runtime. Readiness is apart from health: a plugin
 * whose backend is unreachable is healthy but not ready, which restarts nothing; while it
 * is not ready, health is checked every READY_RECHECK_MS so that readiness comes back soon
 * after the backend does. The state machine stays the supervisor's: the monitor reports
 * to it through callbacks.
 */
import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import { TIMED_OUT, withDeadline } from '../isolation/deadline.js';
import type { PluginRuntime } from '../isolation/runtime.js';

/** How health checks run: every `intervalMs`, each within `timeoutMs`; `failures` in a row restart. */
export interface HealthPolicy {
  /** 0 turns scheduled checks off. */
  intervalMs: number;
  timeoutMs: number;
  failures: number;
}

/** How often health is checked while the plugin is not ready (its backend is away). */
const READY_RECHECK_MS = 1_000;

/** What a health monitor is given: its policy, and callbacks into its supervisor. */
export interface HealthMonitorOptions {
  plugin: string;
  policy: HealthPolicy;
  /** The runtime attached now, whatever the state; a check whose runtime was replaced meanwhile has no effect. */
  runtime(): PluginRuntime | undefined;
  /** True while the plugin is running or degraded: only then does a check start. */
  isUp(): boolean;
  /** True once the supervisor stops: readiness re-checks end. */
  isClosing(): boolean;
  /** A check passed; readiness is already recorded. */
  onPassed(): void;
  /** A check failed; `detail` says how, when the plugin said. */
  onFailed(detail: string | undefined): void;
  /** `failures` checks in a row failed: detach `runtime` now; it is killed with `error` right after. */
  onUnhealthy(runtime: PluginRuntime, error: BerthError): void;
}

/** Checks one plugin's health and keeps its readiness. Its timers are unref'd. */
export class HealthMonitor {
  readonly #options: HealthMonitorOptions;
  #ready = true;
  #failures = 0;
  #checking = false;
  #timer: NodeJS.Timeout | undefined;
  #readyTimer: NodeJS.Timeout | undefined;

  constructor(options: HealthMonitorOptions) {
    this.#options = options;
  }

  /**
   * False while the plugin says its backend is unreachable (a health report with
   * `ready: false`, a call rejected with BERTH_ERR_BACKEND_UNAVAILABLE).
   */
  get ready(): boolean {
    return this.#ready;
  }

  /** A runtime has started: no failures counted, ready. A pending re-check is kept. */
  reset(): void {
    this.#failures = 0;
    this.#ready = true;
  }

  /** Starts the scheduled checks (none when `intervalMs` is 0). */
  schedule(): void {
    const { intervalMs } = this.#options.policy;
    if (intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.check(), intervalMs);
    this.#timer.unref();
  }

  /** Ends the scheduled checks (the runtime died or is replaced); readiness re-checks go on. */
  pause(): void {
    clearInterval(this.#timer);
  }

  /** Ends every check, scheduled or re-check. */
  stop(): void {
    clearTimeout(this.#readyTimer);
    clearInterval(this.#timer);
  }

  /** Records readiness; while not ready, checks health again soon (see the module comment). */
  setReady(ready: boolean): void {
    this.#ready = ready;
    if (ready || this.#readyTimer !== undefined) return;
    this.#readyTimer = setTimeout(() => {
      this.#readyTimer = undefined;
      void this.check().then(() => {
        // The check could not run (a restart in progress): try again later.
        if (!this.#ready && !this.#options.isClosing()) this.setReady(false);
      });
    }, READY_RECHECK_MS);
    this.#readyTimer.unref();
  }

  /**
   * Runs the plugin's health checks once; does nothing while a check runs or the plugin is
   * not up. `failures` failures in a row detach the runtime (onUnhealthy) and kill it, so
   * calls in flight on it reject with BERTH_ERR_PLUGIN_UNHEALTHY.
   */
  async check(): Promise<void> {
    const runtime = this.#options.runtime();
    if (this.#checking || runtime === undefined || !this.#options.isUp()) return;
    this.#checking = true;
    try {
      const { policy, plugin } = this.#options;
      const report = await withDeadline(
        runtime.health().catch((error: unknown) => ({ ok: false, detail: describeThrown(error) })),
        policy.timeoutMs,
      );
      if (runtime !== this.#options.runtime()) return;
      if (report !== TIMED_OUT && report.ok) {
        this.#failures = 0;
        this.setReady(!('ready' in report && report.ready === false));
        this.#options.onPassed();
        return;
      }
      this.#failures += 1;
      const detail =
        report === TIMED_OUT ? `no answer within ${policy.timeoutMs} ms` : report.detail;
      this.#options.onFailed(detail);
      if (this.#failures >= policy.failures) {
        const error = new BerthError(
          codes.PLUGIN_UNHEALTHY,
          `plugin "${plugin}" failed ${this.#failures} health checks in a row (${detail}); restarting it`,
          { plugin, data: { detail } },
        );
        // Detached first, so no call is routed to it while it is being ended: the kill
        // settles the calls already on it, and calls from now on wait for the next one.
        this.#options.onUnhealthy(runtime, error);
        await runtime.kill(error);
      }
    } finally {
      this.#checking = false;
    }
  }
}
