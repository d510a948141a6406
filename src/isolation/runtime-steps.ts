/**
 * The steps every worker-backed runtime takes the same way (thread-runtime.ts,
 * pool-runtime.ts): a start bounded by the start deadline, and a stop that drains calls
 * and then runs `onStop`, each bounded by the stop deadline.
 */
import type { Logger } from 'pino';
import { BerthError, codes } from '../errors.js';
import { TIMED_OUT, withDeadline } from './deadline.js';

/** Who did not start in time, and what became of its workers, for the error. */
export interface LateStart {
  plugin: string;
  /** Said after the deadline: `; its worker was terminated`. */
  then: string;
  data?: Record<string, unknown>;
}

/**
 * Resolves with what `boot` resolves with, unless the start deadline passes first: then
 * `stop()` is awaited and BERTH_ERR_START_FAILED thrown, saying so. The late outcome of
 * `boot` is dropped: its worker is being terminated.
 */
export async function startWithin<T>(
  boot: Promise<T>,
  timeoutMs: number,
  stop: () => Promise<void>,
  late: LateStart,
): Promise<T> {
  const outcome = await withDeadline(boot, timeoutMs);
  if (outcome !== TIMED_OUT) return outcome;
  boot.catch(() => {});
  await stop();
  throw new BerthError(
    codes.START_FAILED,
    `plugin "${late.plugin}" did not start within ${timeoutMs} ms${late.then}`,
    { plugin: late.plugin, data: { timeoutMs, ...late.data } },
  );
}

/** What a graceful stop needs. */
export interface DrainSteps {
  plugin: string;
  logger: Logger;
  stopTimeoutMs: number;
  /** Resolves when no call is in flight. */
  whenIdle(): Promise<void>;
  inFlight(): number;
  /** Runs the plugin's `onStop` (its failure is logged, never thrown). */
  stop(): Promise<unknown>;
}

/** Waits for calls to drain, then for `onStop`, each at most the stop deadline; never rejects. */
export async function drainThenStop(steps: DrainSteps): Promise<void> {
  const { plugin, logger, stopTimeoutMs } = steps;
  if ((await withDeadline(steps.whenIdle(), stopTimeoutMs)) === TIMED_OUT) {
    logger.warn(
      { plugin, inFlight: steps.inFlight() },
      'calls still in flight at the stop deadline',
    );
  }
  const stopped = steps.stop().catch((error: unknown) => {
    logger.warn({ plugin, err: error }, 'plugin stop failed');
  });
  if ((await withDeadline(stopped, stopTimeoutMs)) === TIMED_OUT) {
    logger.warn({ plugin }, 'onStop did not finish by the stop deadline');
  }
}
