/**
 * One call through pool isolation: encoded with the pool codec, tracked until it
 * settles once (pool-calls.ts), run by piscina on its least busy thread, and cancelled
 * on every thread when its caller gives up.
 */
import type { Piscina } from 'piscina';
import { callAbortedError } from '../errors.js';
import { fromWireError } from '../wire-error.js';
import { Lease } from '../transport/lease.js';
import type { Carried, PoolCodec, PoolTask } from '../transport/pool-wire.js';
import { presentCallError, type CallSite } from './call-error.js';
import type { PoolCalls } from './pool-calls.js';
import { piscinaRejectionError } from './pool-errors.js';
import type { PoolThreads } from './pool-threads.js';
import type { CallOptions } from './runtime.js';

/** How long a thread remembers the cancel of a call without a deadline that it has not seen. */
const FORGET_CANCEL_MS = 60_000;

/** The running pool a call goes to. */
export interface PoolCallTarget {
  plugin: string;
  pool: Piscina;
  calls: PoolCalls;
  codec: PoolCodec;
  threads: PoolThreads;
}

/** Sends one call; settles as thread isolation's calls do, with the same errors. */
export function sendPoolCall(
  target: PoolCallTarget,
  site: CallSite & { service: string; method: string },
  args: unknown[],
  options: CallOptions,
): Promise<unknown> {
  const { plugin, calls, codec } = target;
  const { service, method } = site;
  if (options.signal?.aborted) {
    return Promise.reject(callAbortedError(options.signal.reason, site));
  }
  let encoded: Carried;
  try {
    encoded = codec.carry(args, 'args');
  } catch (error) {
    return Promise.reject(presentCallError(error, site));
  }
  const id = calls.nextId();
  const deadline = options.timeoutMs === undefined ? 0 : Date.now() + options.timeoutMs;
  const result = calls.track(id, options, (abandoned) =>
    target.threads.cancel(abandoned, deadline || Date.now() + FORGET_CANCEL_MS),
  );
  const task: PoolTask = { id, service, method, args: encoded, deadline };
  target.pool.run(task).then(
    (carried: unknown) => {
      target.threads.settled(id);
      settle(target, id, carried, deadline);
    },
    (error: unknown) => {
      target.threads.settled(id);
      calls.reject(id, piscinaRejectionError(plugin, error));
    },
  );
  return result.then(
    // Results arrive as copies the caller owns: a zero-copy call gets one leased for form.
    (value) => (options.zeroCopy === true ? new Lease(value) : value),
    (error: unknown) => {
      throw presentCallError(error, site);
    },
  );
}

function settle(target: PoolCallTarget, id: number, carried: unknown, deadline: number): void {
  const { calls } = target;
  try {
    const [ok, payload] = target.codec.uncarry(carried as Carried) as [boolean, unknown];
    if (ok) calls.resolve(id, payload);
    // Past its deadline the call is the deadline timer's to settle, as CALL_TIMEOUT: a
    // thread that skips a call too late to run answers with that code, which the wire
    // does not carry (fromWireError believes no host code).
    else if (deadline === 0 || Date.now() < deadline) calls.reject(id, fromWireError(payload));
  } catch (error) {
    calls.reject(id, piscinaRejectionError(target.plugin, error));
  }
}
