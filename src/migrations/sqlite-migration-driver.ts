/**
 * A {@link MigrationDriver} for a better-sqlite3 database, written against the few
 * methods it uses so that Berth itself does not depend on better-sqlite3.
 *
 * Each transaction is `BEGIN IMMEDIATE`: it takes the database's write lock before it
 * reads the bookkeeping table, so another connection (another worker, another process)
 * migrating the same file waits and then sees this one's records. When the lock is
 * held, `BEGIN IMMEDIATE` is retried with the event loop free between attempts (a long
 * native busy wait would stall the worker's heartbeat), up to `busyTimeoutMs`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AppliedMigration,
  MigrationDriver,
  MigrationTransaction,
} from './migration-driver.js';

/** A prepared statement, as far as the driver uses one. */
export interface SqliteStatementLike {
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** What the driver needs of a better-sqlite3 `Database`. */
export interface SqliteDatabaseLike {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatementLike;
}

/** Options for {@link createSqliteMigrationDriver}. */
export interface SqliteMigrationDriverOptions {
  /** How long to wait in all for another connection's write lock; default 5000 ms. */
  busyTimeoutMs?: number;
}

const TABLE = 'berth_migrations';
const PAUSE_MS = 10;

/**
 * A driver over `db`, which must stay open while migrations run and must not be inside
 * a transaction of its own. The bookkeeping table is `berth_migrations` in the main
 * database, created by the first record.
 */
export function createSqliteMigrationDriver(
  db: SqliteDatabaseLike,
  options: SqliteMigrationDriverOptions = {},
): MigrationDriver {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const tx: MigrationTransaction = {
    async exec(script) {
      db.exec(script);
    },
    async applied() {
      const exists = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        .all(TABLE);
      if (exists.length === 0) return [];
      return db.prepare(`SELECT name, checksum FROM ${TABLE}`).all() as AppliedMigration[];
    },
    async record(name, checksum) {
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (
           name TEXT PRIMARY KEY,
           checksum TEXT NOT NULL,
           applied_at TEXT NOT NULL
         )`,
      );
      db.prepare(
        `INSERT INTO ${TABLE} (name, checksum, applied_at)
         VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
      ).run(name, checksum);
    },
    async forget(name) {
      db.prepare(`DELETE FROM ${TABLE} WHERE name = ?`).run(name);
    },
  };
  return {
    async transaction(work) {
      await beginImmediate(db, busyTimeoutMs);
      try {
        const result = await work(tx);
        db.exec('COMMIT');
        return result;
      } catch (error) {
        // SQLite ends the transaction itself after some errors (SQLITE_FULL, …); then
        // there is nothing to roll back, and the original error is the one to report.
        try {
          db.exec('ROLLBACK');
        } catch {
          // no transaction was active
        }
        throw error;
      }
    },
  };
}

async function beginImmediate(db: SqliteDatabaseLike, busyTimeoutMs: number): Promise<void> {
  const giveUpAt = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      db.exec('BEGIN IMMEDIATE');
      return;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      const busy = typeof code === 'string' && code.startsWith('SQLITE_BUSY');
      if (!busy || Date.now() >= giveUpAt) throw error;
      await sleep(PAUSE_MS);
    }
  }
}
