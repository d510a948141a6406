/**
 * `definePlugin` and `defineService`: how a plugin module describes itself.
 *
 * A plugin's main module default-exports `definePlugin({ services })`. Each service is a
 * factory: it receives the service's context and returns the methods and hooks of one
 * instance, so per-instance state lives in the factory's closure (two hosts in one
 * process never share it).
 */
/* eslint-disable @typescript-eslint/no-invalid-void-type -- a hook may return nothing or a value */
import type { CallContext, HealthReport, ServiceConfig, ServiceContext } from './context.js';
import type { MigrationDriver } from '../migrations/migration-driver.js';

/** A contract's methods as the plugin implements them: the call context comes first. */
export type Methods<T, C = ServiceConfig> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (ctx: CallContext<C>, ...args: A) => Awaited<R> | Promise<Awaited<R>>
    : never;
};

/** A method as the loader sees it, before any contract typing. */
export type AnyMethod = (ctx: CallContext<never>, ...args: never[]) => unknown;

/** One instance of a service: its methods and its lifecycle hooks. */
export interface ServiceImplementation<T = Record<string, AnyMethod>, C = ServiceConfig> {
  methods: Methods<T, C>;
  /**
   * The database the plugin's manifest migrations run on. The first service in start
   * order that returns one gets them applied right after its factory, before its
   * `onStart` (and reverted when the plugin is removed), with its config for `@config`.
   */
  migrations?: MigrationDriver;
  /** Runs once before the first call; a throw fails the start. */
  onStart?(ctx: ServiceContext<C>): void | Promise<void>;
  /** Runs once when the service stops, after the last call has settled. */
  onStop?(ctx: ServiceContext<C>): void | Promise<void>;
  /** Reports health; throwing or `{ ok: false }` counts as a failed check. */
  onHealthCheck?(ctx: ServiceContext<C>): void | HealthReport | Promise<void | HealthReport>;
  /** Vets a config change before it applies: return a reason (or throw) to refuse it. */
  onConfigValidate?(ctx: ServiceContext<C>, next: C): void | string | Promise<void | string>;
  /** Applies an accepted config change live; `ctx.config` is already `next`. */
  onConfigChange?(ctx: ServiceContext<C>, next: C, prev: C): void | Promise<void>;
}

/** Makes one instance of a service from its context. */
export type ServiceFactory<T = Record<string, AnyMethod>, C = ServiceConfig> = (
  ctx: ServiceContext<C>,
) => ServiceImplementation<T, C> | Promise<ServiceImplementation<T, C>>;

/** What `definePlugin` takes. Service names must match the manifest's. */
export interface PluginSpec {
  // The factories' contracts differ per service; the loader treats them uniformly.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  services: Record<string, ServiceFactory<any, any>>;
}

const kPlugin = Symbol.for('berth.plugin');

/** The branded result of `definePlugin`; the only default export the loader accepts. */
export interface PluginDefinition extends PluginSpec {
  readonly [kPlugin]: 1;
}

/**
 * Brands a plugin module's default export. The brand is a `Symbol.for` key, so a plugin
 * built against another copy of Berth's SDK is still recognised.
 */
export function definePlugin(spec: PluginSpec): PluginDefinition {
  return Object.freeze({ ...spec, services: { ...spec.services }, [kPlugin]: 1 as const });
}

/**
 * Types a service factory against a contract `T` (and its config `C`). It returns the
 * factory unchanged; it exists so that a wrong method signature is a compile error.
 */
export function defineService<T, C = ServiceConfig>(
  factory: ServiceFactory<T, C>,
): ServiceFactory<T, C> {
  return factory;
}

/** True when `value` carries the `definePlugin` brand. */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[kPlugin] === 1 &&
    typeof (value as PluginSpec).services === 'object'
  );
}
