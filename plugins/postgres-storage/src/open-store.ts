/**
 * Opening and closing the store of one service instance: a connection pool and the
 * PostgresStore over it. The schema is made by the plugin's manifest migrations
 * (migrations/*.sql), which the host runs through this pool right after the factory.
 */
import type { Logger } from 'pino';
import pg from 'pg';
import { BerthError, codes } from 'berth/sdk';
import type { PostgresConfig } from './postgres-config.js';
import { quoteSchema } from './postgres-config.js';
import { PostgresStore } from './postgres-store.js';

/** An open store and the pool behind it. */
export interface OpenStore {
  readonly config: PostgresConfig;
  readonly store: PostgresStore;
  readonly pool: pg.Pool;
  /** Ends the pool, waiting for connections in use to be released. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Makes the pool and the store over it. No connection opens yet: the pool connects on
 * first use, so a wrong URL or a refused connection shows at the first query (the
 * migrations, at start) with the database's own error.
 */
export function openStore(config: PostgresConfig, log: Logger): OpenStore {
  const pool = new pg.Pool({
    connectionString: config.connectionString,
    max: config.poolSize,
    connectionTimeoutMillis: config.connectTimeoutMs,
    application_name: 'berth postgres-storage',
  });
  // An idle connection that the server drops emits 'error' on the pool; unhandled, that
  // would kill the worker. The pool discards the connection and opens a new one on demand.
  pool.on('error', (error) => {
    log.warn({ err: error }, 'an idle PostgreSQL connection failed; it was discarded');
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= pool.end());
  return { config, store: new PostgresStore(pool, config.schema), pool, close };
}

/**
 * Checks that the store's tables exist in its schema on its database. Throws
 * BERTH_ERR_CONFIG_INVALID (`data.field` "schema") when they do not: the migrations have
 * not run there (a live change to a database that was never migrated, or a plugin
 * started without a host).
 */
export async function checkSchema(open: OpenStore): Promise<void> {
  const { schema } = open.config;
  const { rows } = await open.pool.query<{ present: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS present',
    [`${quoteSchema(schema)}.resources`],
  );
  if (rows[0]?.present !== true) {
    throw new BerthError(
      codes.CONFIG_INVALID,
      `postgres-storage: schema "${schema}" on this database has no store tables, so its ` +
        'migrations have not run there; restart the plugin so that they run at its start',
      { data: { field: 'schema', schema } },
    );
  }
}
