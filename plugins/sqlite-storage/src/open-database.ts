/**
 * Opening the database file: a writer connection (every write, `get`) and a read-only
 * connection for `list` snapshots, both tuned the same way, with the schema migrated by
 * the writer before the reader opens.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { NATIVE_BUSY_SLICE_MS, retryWhileBusy } from './busy-retry.js';
import type { SqliteStorageConfig } from './config.js';
import { migrate } from './migrations.js';

/** The two connections of one service instance. */
export interface Connections {
  readonly writer: Database.Database;
  readonly reader: Database.Database;
  /** The schema version after migrating. */
  readonly schemaVersion: number;
}

/**
 * Opens (creating when absent) the database at `file` and migrates it. Waits for locks
 * as {@link retryWhileBusy} does. Nothing is left open when it throws.
 */
export async function openDatabase(
  file: string,
  config: SqliteStorageConfig,
): Promise<Connections> {
  mkdirSync(dirname(file), { recursive: true });
  const writer = new Database(file);
  let reader: Database.Database | undefined;
  try {
    tune(writer, config);
    // WAL: readers see a snapshot and never block the writer, and a commit appends to
    // the log instead of rewriting pages. The mode is stored in the file.
    await retryWhileBusy('switching to WAL', config.busyTimeoutMs, () =>
      writer.pragma('journal_mode = WAL'),
    );
    const schemaVersion = await retryWhileBusy('migrating', config.busyTimeoutMs, () =>
      migrate(writer),
    );
    reader = new Database(file, { readonly: true, fileMustExist: true });
    tune(reader, config);
    return { writer, reader, schemaVersion };
  } catch (error) {
    reader?.close();
    writer.close();
    throw error;
  }
}

/** Per-connection settings: none of them is stored in the file. */
function tune(db: Database.Database, config: SqliteStorageConfig): void {
  db.pragma(`busy_timeout = ${Math.min(config.busyTimeoutMs, NATIVE_BUSY_SLICE_MS)}`);
  // In WAL mode, NORMAL syncs only at checkpoints: a commit survives the process dying
  // (it is in the OS's page cache) but the last ones may be lost if the machine loses
  // power. FULL also syncs the log at every commit, so an acknowledged write survives a
  // power loss, at the cost of one fsync per write. The service acknowledges writes to
  // HTTP clients as stored, so FULL is the default; NORMAL suits a cache that can be
  // re-synced from its source.
  db.pragma(`synchronous = ${config.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
}
