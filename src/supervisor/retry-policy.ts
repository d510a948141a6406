/**
 * Which failed calls are repeated, and when a repeated call is poison. A call in flight
 * when its worker died is repeated once on the new worker when its method is declared
 * idempotent and the worker crashed, ran out of memory or failed its health checks (not
 * when it hung: a spinning call would hang the next worker too). A repeat whose worker
 * dies under it as well is poison: it rejects with BERTH_ERR_POISON_CALL and is not
 * repeated again. The decisions are pure functions, tested without threads; RetriedCalls
 * is the count that lets the supervisor leave a poison call's second death out of the
 * breaker's budget.
 */
import { BerthError, codes, isBerthError } from '../errors.js';

/** Where a call goes: the plugin, and the service and method called on it. */
export interface CallSite {
  plugin: string;
  service: string;
  method: string;
}

/** The codes of a worker's death, after which an idempotent call may be retried. */
const RETRIED_DEATHS = new Set<string>([
  codes.PLUGIN_CRASHED,
  codes.PLUGIN_OOM,
  codes.PLUGIN_UNHEALTHY,
]);

/** Every code of a worker's death: a retried call that meets one again is poison. */
const DEATHS = new Set<string>([...RETRIED_DEATHS, codes.PLUGIN_HUNG]);

/**
 * True when the call to `method` that failed with `error` is repeated once on the new
 * worker: `error` is a crash, an OOM or a health-check kill (never a hang), and `method`
 * is among its service's `idempotent` methods. Every other failure stands.
 */
export function shouldRetry(
  error: unknown,
  idempotent: readonly string[],
  method: string,
): error is BerthError {
  return isBerthError(error) && RETRIED_DEATHS.has(error.code) && idempotent.includes(method);
}

/**
 * The error a repeated call rejects with when `second` ended it: BERTH_ERR_POISON_CALL
 * (cause `second`, both codes in `data`) when `second` is a worker's death of any kind, a
 * hang included; undefined otherwise, and `second` then stands as it is.
 */
export function poisonCallError(
  site: CallSite,
  first: BerthError,
  second: unknown,
): BerthError | undefined {
  if (!isBerthError(second) || !DEATHS.has(second.code)) return undefined;
  return new BerthError(
    codes.POISON_CALL,
    `${site.plugin}/${site.service}.${site.method} was in flight when two workers in a row died ` +
      `(${first.code}, then ${second.code}); it is not retried again. The plugin runs on ` +
      'a new worker: find out why these arguments crash it before sending them again',
    { ...site, cause: second, data: { first: first.code, second: second.code } },
  );
}

/**
 * Retried calls in flight per runtime: a death with one of them in flight is poison's.
 * A runtime is held only while it has such a call in flight.
 */
export class RetriedCalls<Runtime> {
  readonly #counts = new Map<Runtime, number>();

  /** Counts one more retried call in flight on `runtime`. */
  add(runtime: Runtime): void {
    this.#counts.set(runtime, (this.#counts.get(runtime) ?? 0) + 1);
  }

  /** Counts one fewer; at zero `runtime` is forgotten. */
  remove(runtime: Runtime): void {
    const left = (this.#counts.get(runtime) ?? 1) - 1;
    if (left > 0) this.#counts.set(runtime, left);
    else this.#counts.delete(runtime);
  }

  /** True while a retried call is in flight on `runtime`. */
  has(runtime: Runtime): boolean {
    return this.#counts.has(runtime);
  }
}
