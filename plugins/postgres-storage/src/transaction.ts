/**
 * Runs a function inside one PostgreSQL transaction on one pooled connection: the one
 * place BEGIN, COMMIT, ROLLBACK and the connection's return to the pool are handled.
 */
import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` between BEGIN and COMMIT (READ COMMITTED, PostgreSQL's default) and
 * returns its result. When `work` throws, the transaction is rolled back and the error
 * rethrown unchanged, so a BerthError thrown inside keeps its code. The connection goes
 * back to the pool either way; after a failed ROLLBACK it is discarded instead, since its
 * session state is then unknown.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
