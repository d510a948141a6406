/**
 * `callContext`: the CallContext a host hands a method, for tests that call a service's
 * methods directly (a service made by its factory in the test's own thread).
 */
import { MethodContext } from '../plugin-side/method-context.js';
import type { CallContext, ServiceContext } from '../sdk/context.js';

/**
 * The context of one call of `method` on the service whose context is `service`, as the
 * host makes it inline: `signal` aborts the call (default: one that never does), and
 * `resultBytes` gives plain byte arrays and refuses a length that is not one.
 */
export function callContext(
  service: ServiceContext,
  method: string,
  signal: AbortSignal = new AbortController().signal,
): CallContext {
  return new MethodContext(service, method, signal);
}
