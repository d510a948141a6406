/**
 * The service's config: where the database is, which schema holds the store, and how many
 * connections one service instance may open. Checked once, up front, so a bad value fails
 * the start (or a live change) with a message naming the field instead of surfacing later
 * as a SQL error.
 */
import { BerthError, codes } from 'berth/sdk';
import type { ServiceConfig } from 'berth/sdk';

/** The checked config of one postgres-storage service. */
export interface PostgresConfig {
  /** From `connectionString`, else the `DATABASE_URL` environment variable. */
  readonly connectionString: string;
  /** The schema that holds the store's tables; created by the migrations when absent. */
  readonly schema: string;
  /** Most connections this service instance holds at once. */
  readonly poolSize: number;
  /** How long opening one connection may take before it fails. */
  readonly connectTimeoutMs: number;
}

/**
 * Unquoted-identifier syntax, lower case only: the name then means the same thing quoted
 * or not, in psql as in the plugin, and it can be interpolated into SQL safely.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_POOL_SIZE = 1_000;

/**
 * Checks `config` (defaultConfig with the host's overrides merged over it) and returns
 * it typed. `env` is consulted for `DATABASE_URL` only when `connectionString` is null or
 * absent. Throws `BERTH_ERR_CONFIG_INVALID` naming the field at fault.
 */
export function parsePostgresConfig(
  config: ServiceConfig,
  env: NodeJS.ProcessEnv = process.env,
): PostgresConfig {
  const configured = config['connectionString'];
  if (configured !== undefined && configured !== null && typeof configured !== 'string') {
    refuse('connectionString', 'must be a string or null');
  }
  const connectionString = nonEmpty(configured) ?? nonEmpty(env['DATABASE_URL']);
  if (connectionString === undefined) {
    refuse(
      'connectionString',
      'is not set and neither is the DATABASE_URL environment variable; set one of them ' +
        'to a PostgreSQL URL such as postgres://user@host:5432/db',
    );
  }
  const schema = config['schema'] ?? 'berth';
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    refuse('schema', 'must be a lower-case SQL identifier such as "berth" (a-z, 0-9, _)');
  }
  return {
    connectionString,
    schema,
    poolSize: positiveInteger(config, 'poolSize', 10, MAX_POOL_SIZE),
    connectTimeoutMs: positiveInteger(config, 'connectTimeoutMs', 10_000, 600_000),
  };
}

/** `"schema"`: the schema name quoted for SQL (the pattern above makes quoting trivial). */
export function quoteSchema(schema: string): string {
  return `"${schema}"`;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function positiveInteger(
  config: ServiceConfig,
  field: string,
  fallback: number,
  max: number,
): number {
  const value = config[field] ?? fallback;
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > max) {
    refuse(field, `must be an integer from 1 to ${max}`);
  }
  return value as number;
}

function refuse(field: string, problem: string): never {
  throw new BerthError(codes.CONFIG_INVALID, `postgres-storage config: "${field}" ${problem}`, {
    data: { field },
  });
}
