/**
 * Typed proxies: what `host.service<T>(name)` returns.
 */
import type { Lease } from '../transport/lease.js';

/** The caller's view of a contract `T`: each method takes the same arguments and returns a promise. */
export type Remote<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/**
 * The zero-copy view of a contract `T`: each method resolves with a {@link Lease} whose
 * value's byte arrays are views on the plugin's result arena until it is released.
 */
export type LeasedRemote<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Lease<Awaited<R>>>
    : never;
};

/** Sends one call of a proxy. */
export type Invoke = (method: string, args: unknown[]) => Promise<unknown>;

/**
 * Makes a proxy whose every string property is a method that calls `invoke`. It is not
 * thenable (`then` is undefined), so `await host.service(...)` is harmless; the method
 * functions are made once per name and then reused.
 */
export function createServiceProxy<T>(invoke: Invoke): Remote<T> {
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      let method = methods.get(property);
      if (method === undefined) {
        method = (...args: unknown[]) => invoke(property, args);
        methods.set(property, method);
      }
      return method;
    },
  }) as Remote<T>;
}
