/**
 * `upgradeInstance`: swaps the instance behind a router for a new version without
 * failing a call.
 *
 *   start new ──▶ healthy? ──no──▶ stop new; old keeps serving; throw UPGRADE_FAILED
 *                    │ yes
 *                    ▼
 *   switch router (new calls go to new) ──▶ drain old (its calls finish there) ──▶ stop old
 *
 * It knows nothing of plugins or threads: an instance is anything with `health()` and
 * `stop()`, and the calls are whatever the router's users run.
 */
import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import { TIMED_OUT, withDeadline } from '../isolation/deadline.js';
import type { HealthReport } from '../sdk/context.js';
import type { Router } from './create-router.js';

/** What an upgrade needs of an instance. */
export interface UpgradableInstance {
  /** One health check; may reject, which counts as unhealthy. */
  health(): Promise<HealthReport>;
  /** Stops the instance; must not reject. */
  stop(): Promise<void>;
}

/** Options for {@link upgradeInstance}. */
export interface UpgradeOptions<T extends UpgradableInstance> {
  /** The router calls go through; its current instance is the old version. */
  router: Router<T>;
  /** Starts the new version. Rejecting means it did not start. */
  start(): Promise<T>;
  /** Named in errors: the plugin and both versions. */
  plugin: string;
  fromVersion: string;
  toVersion: string;
  /** How long the new version has to pass a health check, start excluded. Default 10 s. */
  healthTimeoutMs?: number | undefined;
  /** Pause between failed health checks. Default 100 ms. */
  healthIntervalMs?: number | undefined;
  /** How long calls on the old version may take to finish before it is stopped anyway. Default 30 s. */
  drainTimeoutMs?: number | undefined;
  /** Aborting before the switch stops the new version and leaves the old one serving. */
  signal?: AbortSignal | undefined;
  /**
   * Told right after the switch, before the drain: the moment to update what describes
   * the active version (the drain may take up to `drainTimeoutMs`). Should not throw:
   * what it throws is rethrown once the old version is drained and stopped.
   */
  onSwitch?: ((next: T, previous: T) => void) | undefined;
}

/** A finished upgrade. */
export interface UpgradeOutcome<T> {
  /** The old instance, now stopped. */
  previous: T;
  /** The new instance, now serving. */
  current: T;
  /** False when calls on the old instance outlived `drainTimeoutMs` (its stop ended them). */
  drained: boolean;
}

// Upgrades of one router run one after the other, each from what the last one left.
const queues = new WeakMap<object, Promise<unknown>>();

/**
 * Starts the new version, waits until it passes a health check, switches the router to
 * it, waits for the calls still running on the old one, then stops the old one. Calls
 * never see a gap: before the switch they go to the old instance, after it to the new
 * one, and those already running finish where they started. Throws `UPGRADE_FAILED`
 * (`data.reason`: `'start'`, `'unhealthy'` or `'aborted'`, the underlying error as
 * `cause`) when the new version did not start, never became healthy in time, or the
 * signal fired first; then the new instance is stopped and the router is untouched.
 */
export function upgradeInstance<T extends UpgradableInstance>(
  options: UpgradeOptions<T>,
): Promise<UpgradeOutcome<T>> {
  const before = queues.get(options.router) ?? Promise.resolve();
  const run = before.then(
    () => swap(options),
    () => swap(options),
  );
  queues.set(options.router, run);
  return run;
}

async function swap<T extends UpgradableInstance>(
  options: UpgradeOptions<T>,
): Promise<UpgradeOutcome<T>> {
  const { router, plugin, fromVersion, toVersion, signal } = options;
  const healthTimeoutMs = options.healthTimeoutMs ?? 10_000;
  const healthIntervalMs = options.healthIntervalMs ?? 100;
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  const failed = (reason: string, why: string, cause?: unknown): BerthError =>
    new BerthError(
      codes.UPGRADE_FAILED,
      `upgrade of plugin "${plugin}" from ${fromVersion} to ${toVersion} failed: ${why}; ` +
        `version ${fromVersion} keeps serving. Fix the new version and drop it in again`,
      { plugin, cause, data: { plugin, fromVersion, toVersion, reason } },
    );

  if (aborted(signal)) throw failed('aborted', 'it was cancelled', signal?.reason);
  let next: T;
  try {
    next = await options.start();
  } catch (error) {
    throw failed('start', `the new version did not start (${describeThrown(error)})`, error);
  }
  const unhealthy = await waitHealthy(next, healthTimeoutMs, healthIntervalMs, signal);
  if (aborted(signal)) {
    await next.stop();
    throw failed('aborted', 'it was cancelled', signal?.reason);
  }
  if (unhealthy !== undefined) {
    await next.stop();
    throw failed(
      'unhealthy',
      `the new version was not healthy within ${healthTimeoutMs} ms (${unhealthy.detail})`,
      unhealthy.cause,
    );
  }
  const previous = router.switchTo(next);
  let told: unknown;
  try {
    options.onSwitch?.(next, previous);
  } catch (error) {
    told = error; // the caller's bug: surfaced, but only once the old version is stopped
  }
  const drained = await router.drained(previous, drainTimeoutMs);
  await previous.stop();
  if (told !== undefined) throw told;
  return { previous, current: next, drained };
}

/** Why an instance is not healthy. */
interface Unhealthy {
  detail: string;
  cause?: unknown;
}

/** Undefined once a check passes; otherwise why the last one did not. */
async function waitHealthy(
  instance: UpgradableInstance,
  timeoutMs: number,
  intervalMs: number,
  signal: AbortSignal | undefined,
): Promise<Unhealthy | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const check = instance.health().then(
      (report): Unhealthy | undefined =>
        report.ok ? undefined : { detail: report.detail ?? 'the health check reported not ok' },
      (error: unknown): Unhealthy => ({
        detail: `the health check threw: ${describeThrown(error)}`,
        cause: error,
      }),
    );
    const verdict = await withDeadline(check, Math.max(1, deadline - Date.now()));
    if (verdict === TIMED_OUT) return { detail: `a health check did not answer in time` };
    if (verdict === undefined) return undefined;
    if (aborted(signal) || Date.now() + intervalMs >= deadline) return verdict;
    await pause(intervalMs, signal);
  }
}

/** A function, not an inline test: TypeScript would keep the narrowing across awaits. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
