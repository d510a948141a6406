/**
 * `berth/sdk`: everything a plugin author imports. Plugins import this module and their
 * own dependencies, never Berth's host internals.
 */
export { definePlugin, defineService, isPluginDefinition } from './define-plugin.js';
export type {
  AnyMethod,
  Methods,
  PluginDefinition,
  PluginSpec,
  ServiceFactory,
  ServiceImplementation,
} from './define-plugin.js';
export type { CallContext, HealthReport, ServiceConfig, ServiceContext } from './context.js';
export type {
  AppliedMigration,
  MigrationDriver,
  MigrationTransaction,
} from '../migrations/migration-driver.js';
export { createSqliteMigrationDriver } from '../migrations/sqlite-migration-driver.js';
export type {
  SqliteDatabaseLike,
  SqliteMigrationDriverOptions,
  SqliteStatementLike,
} from '../migrations/sqlite-migration-driver.js';
export { createPostgresMigrationDriver } from '../migrations/postgres-migration-driver.js';
export type {
  PgPoolClientLike,
  PgPoolLike,
  PgQueryable,
  PostgresMigrationDriverOptions,
} from '../migrations/postgres-migration-driver.js';
export { loadMigrations } from '../migrations/load-migrations.js';
export type { Migration, MigrationSite } from '../migrations/load-migrations.js';
export { runMigrations } from '../migrations/run-migrations.js';
export type { MigrationDirection } from '../migrations/run-migrations.js';
export { BerthError, codes, isBerthError } from '../errors.js';
export type { BerthErrorCode } from '../errors.js';
export * from '../contracts/index.js';
