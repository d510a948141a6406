/**
 * A `Supervisor` seen as an instance an upgrade can swap: what the host routes calls to,
 * with the health check and stop an upgrade needs. The supervisor keeps doing its own
 * job (restarts, breaker, deadlines); this adds nothing to a call.
 */
import { BerthError, codes } from '../errors.js';
import type { CallOptions } from '../isolation/runtime.js';
import type { HealthReport } from '../sdk/context.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { UpgradableInstance } from './upgrade-instance.js';

/** One supervised plugin instance. */
export interface SupervisedInstance extends UpgradableInstance {
  readonly supervisor: Supervisor;
  /** `supervisor.call`, unchanged. */
  call(service: string, method: string, args: unknown[], options?: CallOptions): Promise<unknown>;
  /**
   * Runs the plugin's health checks once, through the supervisor (so a failure counts
   * towards its restart threshold like a scheduled one), and reports ok only when the
   * plugin is `running` afterwards.
   */
  health(): Promise<HealthReport>;
  /** `supervisor.stop()`: drains, `onStop`, terminates. Idempotent, never rejects. */
  stop(): Promise<void>;
  /** Calls in flight on the supervisor's current worker. */
  readonly inFlight: number;
}

/** Wraps a supervisor (started or not); nothing happens until a method is called. */
export function supervisedInstance(supervisor: Supervisor): SupervisedInstance {
  return {
    supervisor,
    call: (service, method, args, options) => supervisor.call(service, method, args, options),
    async health() {
      await supervisor.checkHealth();
      const { state, lastError } = supervisor;
      if (state === 'running') return { ok: true };
      return {
        ok: false,
        detail:
          `the plugin is ${state}` +
          (state === 'degraded'
            ? ' (its health check failed)'
            : lastError === undefined
              ? ''
              : ` (${lastError.code}: ${lastError.message})`),
      };
    },
    stop: () => supervisor.stop(),
    get inFlight() {
      return supervisor.inFlight;
    },
  };
}

/**
 * Starts `supervisor` and resolves with it as an instance once it runs. A first start
 * that fails leaves a supervisor `failed` rather than rejecting; this stops it and
 * rejects with its error (START_FAILED, PLUGIN_LOAD, …), so it fits `upgradeInstance`'s
 * `start`.
 */
export async function startSupervised(supervisor: Supervisor): Promise<SupervisedInstance> {
  await supervisor.start();
  if (supervisor.state === 'running' || supervisor.state === 'degraded') {
    return supervisedInstance(supervisor);
  }
  const { state, lastError } = supervisor;
  await supervisor.stop();
  throw (
    lastError ??
    new BerthError(codes.START_FAILED, `the plugin did not start: it is ${state}`, {
      data: { state },
    })
  );
}
