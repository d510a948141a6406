/**
 * Opening and closing the store of one service instance: a connection pool, the schema
 * migrations, and the PostgresStore over them.
 */
import type { Logger } from 'pino';
import pg from 'pg';
import { migrate } from './migrations.js';
import type { PostgresConfig } from './postgres-config.js';
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
 * Connects, migrates the schema and returns the store. Rejects with the database's error
 * (wrong URL, refused connection, missing privilege) after ending the pool, so a failed
 * start leaves no connection behind.
 */
export async function openStore(config: PostgresConfig, log: Logger): Promise<OpenStore> {
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
  try {
    const applied = await migrate(pool, config.schema);
    if (applied.length > 0) {
      log.info({ schema: config.schema, applied }, 'postgres-storage migrated its schema');
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { config, store: new PostgresStore(pool, config.schema), pool, close };
}
