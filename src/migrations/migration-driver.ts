/**
 * What the migration runner needs from a database: transactions, a script runner and the
 * bookkeeping table `berth_migrations(name, checksum, applied_at)`. Berth never runs SQL
 * itself (it does not know the plugin's driver), so a plugin hands one of these to the
 * SDK: from a service factory as `migrations`, built with
 * `createSqliteMigrationDriver` or `createPostgresMigrationDriver`, or its own for
 * another database.
 */

/** A migration the store records as applied. */
export interface AppliedMigration {
  readonly name: string;
  /** The checksum of the up section that was applied (see loadMigrations). */
  readonly checksum: string;
}

/** The statements a migration runs inside one transaction of a {@link MigrationDriver}. */
export interface MigrationTransaction {
  /** Runs a script of one or more statements without parameters. */
  exec(script: string): Promise<void>;
  /** Every migration recorded in `berth_migrations`; none when the table does not exist yet. */
  applied(): Promise<AppliedMigration[]>;
  /** Records `name` as applied now with `checksum`, creating `berth_migrations` when absent. */
  record(name: string, checksum: string): Promise<void>;
  /** Deletes the record of `name`. */
  forget(name: string): Promise<void>;
}

/**
 * A database the runner can migrate. Implementations guarantee:
 * - `transaction` commits when `work` resolves and rolls back (then rethrows the error
 *   unchanged) when it rejects, so a migration and its record land together or not at all;
 * - two transactions on the same store, from this process or another host, never
 *   interleave: the second waits for the first (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
 *   an advisory lock taken inside the transaction), so concurrent starts apply each
 *   migration once.
 */
export interface MigrationDriver {
  /** Runs `work` in one transaction that excludes other migrators of the same store. */
  transaction<T>(work: (tx: MigrationTransaction) => Promise<T>): Promise<T>;
}
