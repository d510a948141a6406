/**
 * One running instance of a plugin: its services made from their factories, their hooks
 * run in order, and calls dispatched to their methods. The same code runs inside a
 * worker (thread isolation) and in the host's thread (inline isolation), which is what
 * makes the two modes behave alike.
 *
 * Errors thrown by the plugin's own code pass through unchanged; the isolation layer
 * decides how to present them.
 */
import type { Logger } from 'pino';
import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import type { CallContext, HealthReport, ServiceConfig, ServiceContext } from '../sdk/context.js';
import type { AnyMethod, PluginDefinition, ServiceImplementation } from '../sdk/define-plugin.js';
import { createServiceMigrator } from '../migrations/service-migrator.js';
import { MethodContext, type SignalSource } from './method-context.js';
import { uninstallPluginInstance } from './uninstall-plugin-instance.js';

/** What an instance needs to know about its plugin. */
export interface InstanceOptions {
  definition: PluginDefinition;
  plugin: string;
  version: string;
  dataDir: string;
  /** Services in start order, with the config each starts with. */
  services: readonly { name: string; config: ServiceConfig }[];
  /** The logger services log through; each service gets a tagged child. */
  logger: Logger;
  /** Absolute paths of the manifest's migration files, in order (see service-migrator.ts). */
  migrations?: readonly string[] | undefined;
  /** `uninstall`: migrate down and serve nothing (uninstall-plugin-instance.ts). */
  mode?: 'serve' | 'uninstall' | undefined;
}

interface RunningService {
  context: ServiceContext & { config: ServiceConfig };
  stop: AbortController;
  implementation: ServiceImplementation;
}

/** A started plugin instance. */
export interface PluginInstance {
  /** Method names per service, known once started. */
  readonly methods: Record<string, string[]>;
  /** Runs one method. Throws BERTH_ERR_SERVICE_NOT_FOUND / METHOD_NOT_FOUND, or what the method throws. */
  call(service: string, method: string, args: unknown[], signal?: SignalSource): unknown;
  /** Runs every service's `onHealthCheck`; the first failure wins. */
  health(): Promise<HealthReport>;
  /**
   * Applies a new config to a running service: `onConfigValidate` may refuse it
   * (BERTH_ERR_CONFIG_INVALID with the reason), then `onConfigChange(next, prev)` applies
   * it. The service's `ctx.config` becomes `next` only when both succeed; otherwise the
   * old config stays in force.
   */
  configure(service: string, next: ServiceConfig): Promise<void>;
  /** Runs `onStop` in reverse start order; every hook runs even if one throws. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Makes each service in order and runs its `onStart`. If any step fails, the services
 * already started are stopped again and BERTH_ERR_START_FAILED names the failing one.
 */
export async function startPluginInstance(options: InstanceOptions): Promise<PluginInstance> {
  if (options.mode === 'uninstall') return uninstallPluginInstance(options);
  const instance = new RunningInstance(options);
  await instance.startAll();
  return instance;
}

/** A plugin's services, made and started in order; stopped in reverse. */
class RunningInstance implements PluginInstance {
  methods: Record<string, string[]> = {};
  readonly #running = new Map<string, RunningService>();

  constructor(private readonly options: InstanceOptions) {}

  /** Makes and starts every service; on a failure, stops those started and throws. */
  async startAll(): Promise<void> {
    const { options } = this;
    const migrator = createServiceMigrator({ ...options, direction: 'up' });
    for (const { name, config } of options.services) {
      const factory = options.definition.services[name];
      const stop = new AbortController();
      const context = {
        plugin: options.plugin,
        version: options.version,
        service: name,
        log: options.logger.child({
          plugin: options.plugin,
          service: name,
          version: options.version,
        }),
        config,
        dataDir: options.dataDir,
        signal: stop.signal,
      };
      try {
        if (factory === undefined) throw new Error(`no factory for service "${name}"`);
        const implementation = (await factory(context)) as ServiceImplementation;
        if (typeof implementation?.methods !== 'object' || implementation.methods === null) {
          throw new Error('the service factory must return an object with `methods`');
        }
        this.#running.set(name, { context, stop, implementation });
        await migrator.afterFactory(implementation, context);
        await implementation.onStart?.(context);
      } catch (error) {
        await this.stop();
        throw new BerthError(
          codes.START_FAILED,
          `plugin "${options.plugin}" service "${name}" failed to start: ${describeThrown(error)}`,
          { plugin: options.plugin, service: name, cause: error },
        );
      }
    }
    for (const [name, service] of this.#running) {
      const methods = service.implementation.methods as Record<string, unknown>;
      this.methods[name] = Object.keys(methods).filter((key) => typeof methods[key] === 'function');
    }
  }

  call(service: string, method: string, args: unknown[], signal?: SignalSource): unknown {
    const plugin = this.options.plugin;
    const target = this.#running.get(service);
    if (target === undefined) {
      throw new BerthError(
        codes.SERVICE_NOT_FOUND,
        `plugin "${plugin}" has no running service "${service}"`,
        { plugin, service, method },
      );
    }
    const fn = Object.hasOwn(target.implementation.methods, method)
      ? (target.implementation.methods as Record<string, AnyMethod | undefined>)[method]
      : undefined;
    if (typeof fn !== 'function') {
      throw new BerthError(
        codes.METHOD_NOT_FOUND,
        `service "${service}" of plugin "${plugin}" has no method "${method}"; it has: ${this.methods[service]?.join(', ')}`,
        { plugin, service, method },
      );
    }
    // The isolation layer aborts per-call signals when it stops, so there is no need
    // for AbortSignal.any here (it is costly per call and leak-prone on Node 20).
    const context = new MethodContext(target.context, method, signal ?? target.stop.signal);
    return (fn as (ctx: CallContext, ...rest: unknown[]) => unknown)(context, ...args);
  }

  async health(): Promise<HealthReport> {
    let unready: HealthReport | undefined;
    for (const [name, service] of this.#running) {
      try {
        const report = await service.implementation.onHealthCheck?.(service.context);
        if (report !== undefined && !report.ok)
          return { ok: false, detail: `${name}: ${report.detail ?? 'unhealthy'}` };
        if (report?.ready === false && unready === undefined)
          unready = { ok: true, ready: false, detail: `${name}: ${report.detail ?? 'not ready'}` };
      } catch (error) {
        return { ok: false, detail: `${name}: ${describeThrown(error)}` };
      }
    }
    return unready ?? { ok: true };
  }

  async configure(service: string, next: ServiceConfig): Promise<void> {
    const plugin = this.options.plugin;
    const target = this.#running.get(service);
    if (target === undefined) {
      throw new BerthError(
        codes.SERVICE_NOT_FOUND,
        `plugin "${plugin}" has no running service "${service}"`,
        { plugin, service },
      );
    }
    const { context, implementation } = target;
    const refuse = (reason: string, cause?: unknown): BerthError =>
      new BerthError(
        codes.CONFIG_INVALID,
        `plugin "${plugin}" service "${service}" refused the config: ${reason}; the previous config stays in force`,
        { plugin, service, cause },
      );
    let verdict: string | undefined;
    try {
      verdict = (await implementation.onConfigValidate?.(context, next)) ?? undefined;
    } catch (error) {
      throw refuse(describeThrown(error), error);
    }
    if (typeof verdict === 'string') throw refuse(verdict);
    const prev = context.config;
    try {
      await implementation.onConfigChange?.(context, next, prev);
    } catch (error) {
      throw refuse(`onConfigChange failed: ${describeThrown(error)}`, error);
    }
    context.config = next;
  }

  async stop(): Promise<void> {
    for (const [name, service] of [...this.#running].reverse()) {
      this.#running.delete(name);
      service.stop.abort();
      try {
        await service.implementation.onStop?.(service.context);
      } catch (error) {
        service.context.log.error({ err: error }, 'onStop failed');
      }
    }
  }
}
