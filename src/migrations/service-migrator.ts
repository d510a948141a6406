/**
 * Runs a plugin's manifest migrations while its instance starts: through the first
 * service, in start order, whose factory returned a `migrations` driver, right after
 * that factory and before that service's `onStart`, with that service's config for
 * `@config`. Up when the plugin starts to serve, down when it is being uninstalled.
 */
import { BerthError, codes } from '../errors.js';
import type { ServiceContext } from '../sdk/context.js';
import type { ServiceImplementation } from '../sdk/define-plugin.js';
import { loadMigrations } from './load-migrations.js';
import { runMigrations, type MigrationDirection } from './run-migrations.js';

/** What the migrator needs to know about the plugin. */
export interface ServiceMigratorOptions {
  plugin: string;
  /** Absolute paths of the plugin's migration files, in manifest order. */
  migrations?: readonly string[] | undefined;
  /** The services in start order. */
  services: readonly { name: string }[];
  direction: MigrationDirection;
}

/** Tracks whether the plugin's migrations have run during one start. */
export interface ServiceMigrator {
  /**
   * Call after each service's factory, in start order. Runs the migrations when this is
   * the first service with a driver and returns the names applied (or reverted); returns
   * an empty list otherwise. Throws the runner's errors, and BERTH_ERR_MIGRATION_INVALID
   * after the last service when the plugin lists migrations but no service gave a driver.
   */
  afterFactory(implementation: ServiceImplementation, context: ServiceContext): Promise<string[]>;
  /** True once the migrations ran (or when there are none to run). */
  readonly done: boolean;
}

/** A migrator for one start of one plugin instance. */
export function createServiceMigrator(options: ServiceMigratorOptions): ServiceMigrator {
  const files = options.migrations ?? [];
  let done = files.length === 0;
  const last = options.services.at(-1)?.name;
  return {
    get done() {
      return done;
    },
    async afterFactory(implementation, context) {
      if (done) return [];
      const driver = implementation.migrations;
      if (driver === undefined) {
        if (context.service !== last) return [];
        throw new BerthError(
          codes.MIGRATION_INVALID,
          `plugin "${options.plugin}" lists ${files.length} migration(s) in plugin.json but ` +
            'none of its services returns a `migrations` driver from its factory; return one ' +
            "(createSqliteMigrationDriver, createPostgresMigrationDriver from 'berth/sdk')",
          { plugin: options.plugin, data: { migrations: files } },
        );
      }
      const site = { plugin: options.plugin, service: context.service };
      const migrations = await loadMigrations(files, context.config, site);
      const names = await runMigrations(driver, migrations, options.direction, site);
      done = true;
      if (names.length > 0) {
        const verb = options.direction === 'up' ? 'applied' : 'reverted';
        context.log.info({ migrations: names }, `migrations ${verb}`);
      }
      return names;
    },
  };
}
