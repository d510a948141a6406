/**
 * A {@link MigrationDriver} for PostgreSQL through `pg` (a Pool or one Client), written
 * against the few methods it uses so that Berth itself does not depend on `pg`.
 *
 * Each transaction first takes `pg_advisory_xact_lock` on a key derived from the schema,
 * so hosts migrating the same schema at once queue: the first applies a migration and
 * records it, the others then find it recorded. Without the lock two of them could both
 * see a migration as pending and both run it. The lock belongs to the transaction, so
 * COMMIT or ROLLBACK releases it, also when a host dies mid-migration. Stores in other
 * schemas use other keys and never wait on this one. Needs PostgreSQL 11 or later
 * (`hashtextextended`).
 */
import { BerthError, codes } from '../errors.js';
import type {
  AppliedMigration,
  MigrationDriver,
  MigrationTransaction,
} from './migration-driver.js';

/** Something that runs a query, as `pg`'s Client, PoolClient and Pool do. */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** A connection checked out of a pool. */
export interface PgPoolClientLike extends PgQueryable {
  release(destroy?: boolean): void;
}

/** What the driver needs of a `pg.Pool`. */
export interface PgPoolLike {
  connect(): Promise<PgPoolClientLike>;
}

/** Options for {@link createPostgresMigrationDriver}: a pool or a connected client. */
export type PostgresMigrationDriverOptions = (
  { pool: PgPoolLike; client?: never } | { client: PgQueryable; pool?: never }
) & {
  /**
   * The schema that holds `berth_migrations` (created with it when absent), and the
   * scope of the lock; default `public`. An SQL identifier (letters, digits, `_`).
   */
  schema?: string;
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * A driver on `options.pool` (one pooled connection per transaction, returned after it;
 * discarded if ROLLBACK failed) or `options.client` (used as is; not ended). Throws
 * BERTH_ERR_CONFIG_INVALID for a schema that is not a plain identifier.
 */
export function createPostgresMigrationDriver(
  options: PostgresMigrationDriverOptions,
): MigrationDriver {
  const schema = options.schema ?? 'public';
  if (!IDENTIFIER.test(schema)) {
    throw new BerthError(
      codes.CONFIG_INVALID,
      `migration schema ${JSON.stringify(schema)} is not a plain SQL identifier (letters, digits, _)`,
      { data: { schema } },
    );
  }
  const table = `"${schema}".berth_migrations`;
  const lockKey = `berth/migrations/${schema}`;
  const transactionOf = (db: PgQueryable): MigrationTransaction => ({
    async exec(script) {
      await db.query(script);
    },
    async applied() {
      const { rows } = await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
      if ((rows[0] as { present?: boolean } | undefined)?.present !== true) return [];
      return (await db.query(`SELECT name, checksum FROM ${table}`)).rows as AppliedMigration[];
    },
    async record(name, checksum) {
      await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await db.query(
        `CREATE TABLE IF NOT EXISTS ${table} (
           name TEXT PRIMARY KEY,
           checksum TEXT NOT NULL,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )`,
      );
      await db.query(`INSERT INTO ${table} (name, checksum) VALUES ($1, $2)`, [name, checksum]);
    },
    async forget(name) {
      await db.query(`DELETE FROM ${table} WHERE name = $1`, [name]);
    },
  });

  return {
    async transaction(work) {
      const db = options.pool === undefined ? options.client : await options.pool.connect();
      let begun = false;
      let broken = false;
      try {
        await db.query('BEGIN');
        begun = true;
        await db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey]);
        const result = await work(transactionOf(db));
        await db.query('COMMIT');
        return result;
      } catch (error) {
        // A connection whose BEGIN or ROLLBACK failed is in an unknown state: drop it.
        broken =
          !begun ||
          (await db.query('ROLLBACK').then(
            () => false,
            () => true,
          ));
        throw error;
      } finally {
        if (options.pool !== undefined) (db as PgPoolClientLike).release(broken);
      }
    },
  };
}
