/**
 * The uninstall run of a plugin instance: what a START does in `uninstall` mode. It
 * makes the services from their factories, in start order, until one returns a
 * `migrations` driver; runs the plugin's migrations down through it instead of any
 * `onStart`; then runs `onStop` of every service it made, in reverse order. No service
 * takes calls.
 */
import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import type { ServiceContext } from '../sdk/context.js';
import type { ServiceImplementation } from '../sdk/define-plugin.js';
import { createServiceMigrator } from '../migrations/service-migrator.js';
import type { InstanceOptions, PluginInstance } from './plugin-instance.js';

/**
 * Reverts the plugin's migrations and returns an instance with no methods (already
 * stopped; `stop()` is a no-op). A plugin without migrations runs no factory at all.
 * Rejects with the runner's error (BERTH_ERR_MIGRATION_FAILED, _IRREVERSIBLE,
 * _MISMATCH, _INVALID) when the down migrations fail, or BERTH_ERR_START_FAILED when a
 * factory throws; every service made is stopped either way.
 */
export async function uninstallPluginInstance(options: InstanceOptions): Promise<PluginInstance> {
  const { plugin } = options;
  const migrator = createServiceMigrator({ ...options, direction: 'down' });
  const made: { context: ServiceContext; implementation: ServiceImplementation }[] = [];
  try {
    for (const { name, config } of options.services) {
      if (migrator.done) break;
      const context: ServiceContext = {
        plugin,
        version: options.version,
        service: name,
        log: options.logger.child({ plugin, service: name, version: options.version }),
        config,
        dataDir: options.dataDir,
        signal: new AbortController().signal,
      };
      let implementation: ServiceImplementation;
      try {
        const factory = options.definition.services[name];
        if (factory === undefined) throw new Error(`no factory for service "${name}"`);
        implementation = (await factory(context)) as ServiceImplementation;
      } catch (error) {
        throw new BerthError(
          codes.START_FAILED,
          `plugin "${plugin}" service "${name}" could not be made to migrate down: ${describeThrown(error)}`,
          { plugin, service: name, cause: error },
        );
      }
      made.push({ context, implementation });
      await migrator.afterFactory(implementation, context);
    }
  } finally {
    for (const { context, implementation } of made.reverse()) {
      try {
        await implementation.onStop?.(context);
      } catch (error) {
        context.log.error({ err: error }, 'onStop failed');
      }
    }
  }
  return {
    methods: {},
    call(service, method) {
      return Promise.reject(
        new BerthError(codes.SERVICE_NOT_FOUND, `plugin "${plugin}" is being uninstalled`, {
          plugin,
          service,
          method,
        }),
      );
    },
    health: async () => ({ ok: false, detail: 'uninstalled' }),
    configure(service) {
      return Promise.reject(
        new BerthError(codes.PLUGIN_NOT_RUNNING, `plugin "${plugin}" is being uninstalled`, {
          plugin,
          service,
        }),
      );
    },
    stop: async () => {},
  };
}
