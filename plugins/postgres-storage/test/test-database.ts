/**
 * The database the PostgreSQL tests share (from test/support/postgres-setup.ts) and the fresh,
 * uniquely named schema each test gets in it, so tests run in parallel without seeing
 * each other's data.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** The test database's URL (test/support/postgres-setup.ts fails the run when there is none). */
export const databaseUrl: string = inject('postgresUrl');

/**
 * A schema name no other test uses: process id, a counter and random bits, all in
 * lower-case identifier syntax as the plugin's config requires.
 */
let counter = 0;
export function uniqueSchema(): string {
  counter += 1;
  return `t_${process.pid}_${counter}_${randomBytes(4).toString('hex')}`;
}

/** Runs one statement on a connection of its own, closed afterwards. */
export async function execute(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** Drops `schema` and everything in it; a schema that does not exist is fine. */
export async function dropSchema(schema: string): Promise<void> {
  await execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
